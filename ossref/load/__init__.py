"""Stage 1, load: read the project's files and say what each file alone tells.

Takes a :class:`~ossref.config.Config`. Reads every Markdown entry (front
matter with positions in :mod:`.frontmatter`, the entry schema in
:mod:`.schema`, the body's citations, links, headings and raw HTML in
:mod:`.scan`), every BibTeX file (:mod:`.bibliography`, its blocks split by
:mod:`.bibsplit`) and the git dates (:mod:`.gitdates`), reading bytes only
through :mod:`.files` and finding files only through :mod:`.walk`. One
route, :func:`.loader.load`, serves check, build and serve; one store
(:mod:`.store`, entries laid out by :mod:`.records`) keeps each file's
results; :mod:`.memo` lets a warm check take the files whose stat has not
changed from the last check without reading them; :mod:`.workers` spreads
parsing over processes. Each file's own
findings are worked out here, once per file, by the per-page rules the check
stage hands in as a function, so they are stored with the file's results;
nothing here imports :mod:`ossref.check`.

Gives a :class:`~ossref.model.Project` (or, for ``check``, only the
:class:`~ossref.model.PageFacts` of each page, :mod:`.facts`) and
diagnostics as values. Nothing here looks across files: that is
:mod:`ossref.check`.
"""
