"""What reaches the network, and only when asked: ``ossref check --online``
verifies identifiers against Crossref, NCBI E-utilities and the PMC ID
converter (:mod:`.verify`), and ``ossref cite`` turns a DOI or PMID into a
BibTeX record (:mod:`.cite`). Both go through one polite HTTP client
(:mod:`.http`) and the services' response readers (:mod:`.services`).

Takes identifiers; gives records and diagnostics. Nothing else in ossref
opens a socket.
"""
