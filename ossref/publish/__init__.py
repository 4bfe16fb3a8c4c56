"""Stage 5, publish: one build from load to swap, and the live preview.

:mod:`.build` runs the one pipeline (load, check, resolve, render, the
MkDocs adapter, the output audit) into fresh folders and swaps the result
into place atomically (:mod:`.swap`) only if every step passed.
:mod:`.serve` and :mod:`.preview` run the same pipeline again after each
edit (which :mod:`.watch` notices), rebuilding only what changed, and
serve the last good site.

Takes a :class:`~ossref.config.Config`; gives a published folder or the
diagnostics that refused it.
"""
