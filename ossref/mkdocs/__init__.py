"""Stage 4, the adapter: the only part of ossref that imports MkDocs.

Takes the staging folder that :mod:`ossref.site` wrote and the project's
``mkdocs.yml``; runs MkDocs (pinned ``<2``) with Material into a temporary
site folder, in full or incrementally for ``serve`` (:mod:`.adapter`; what an
increment reuses and carries over: :mod:`.incremental`).

Gives the built site and MkDocs' problems as values; it swaps nothing.
"""
