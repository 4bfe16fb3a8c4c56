"""Stage 3, the site: resolve, render, and verify what is published.

Takes a checked :class:`~ossref.model.Project`. :mod:`.resolve` numbers the
citations and resolves links, differentials and backlinks; :mod:`.render`
writes each entry as resolved Markdown into the staging folder (escaped by
:mod:`.markup`; the home, references and tag pages by :mod:`.generated`), with its
head metadata (:mod:`.pagemeta`, :mod:`.citemeta`), its references in
Vancouver style (:mod:`.vancouver`, which decodes LaTeX with :mod:`.latex` and
reads BibTeX names with :mod:`.names`) and pre-rendered HTML fragments
(:mod:`.deferred`, cleaned by :mod:`.sanitize`); :mod:`.search` shapes the
search index. Both read other pages only through :mod:`.world`, which records
what each page read; :mod:`.incremental` uses the records to keep a staging
folder up to date, resolving and rendering again only the pages whose
inputs changed (``serve``). After MkDocs has run, :mod:`.audit` parses every published
file and refuses anything the theme did not write.

Gives staged Markdown and, after the adapter, a verdict on the output.
Never imports mkdocs: only :mod:`ossref.mkdocs` does.
"""
