"""Text rules every stage shares: which characters are unsafe or invisible
(:mod:`.textsafety`), slugs (:mod:`.slugs`), "did you mean" hints
(:mod:`.suggest`) and the syntax of DOIs, PMIDs, PMCIDs, ISBNs and URLs
(:mod:`.identifiers`).

Takes strings, gives strings and verdicts; imports nothing else from ossref
but :mod:`ossref.diagnostics` and :mod:`ossref.model`.
"""
