"""Stage 2, check: the rules that look across files.

Takes what :mod:`ossref.load` gives (page facts and the bibliography).
Checks citations against the bibliography, links and anchors against the
pages (:mod:`.rules`, with the name index in :mod:`.index`), differentials
both ways, duplicate names, generated sections (:mod:`.sections`) and linked
files (:mod:`.linked_files`). :mod:`.crossfile` runs the cross-file rules
page by page, recording what each page read of the others, so that a warm
check re-runs them only where a change reaches; :mod:`.state` keeps that,
with the load memo, between checks (:mod:`.names` holds the rules over all
names at once). (:mod:`ossref.scope`, which narrows a check
to the files a pull request changed, runs the whole pipeline, so it sits
beside it, at the top.) The rules that need one page only (:mod:`.page`) are
handed to the loader as a function by :mod:`ossref.pipeline`, so they run
while each file is parsed and their findings are stored with it; the load
stage never imports this one.

Gives diagnostics as values; prints nothing and changes nothing.
"""
