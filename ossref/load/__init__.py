"""Stage 1, load: read the project's files and say what each file alone tells.

Takes a :class:`~ossref.config.Config`. Reads every Markdown entry (front
matter with positions in :mod:`.frontmatter`, the entry schema in
:mod:`.schema`, the body's citations, links, headings and raw HTML in
:mod:`.scan`), every BibTeX file (:mod:`.bibliography`, its blocks split by
:mod:`.bibsplit`) and the git dates
(:mod:`.gitdates`), reading bytes only through :mod:`.files`. Each file's
own findings (:mod:`.page_rules`) are worked out here, once per file, so
they are stored with the file's results (:mod:`.cache`, :mod:`.snapshot`).

Gives a :class:`~ossref.model.Project` (or, for ``check``, only the
:class:`~ossref.model.PageFacts` of each page) and diagnostics as values.
Nothing here looks across files: that is :mod:`ossref.check`.
"""
