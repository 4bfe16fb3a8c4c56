"""Fuzz target: the BibTeX loader (bibtexparser's splitter and ossref's
reader of its blocks: @string expansion, fields, identifiers).

Input: a .bib file's bytes. Asserts the promises of :mod:`common`, and that
the file's records come back from the cache equal."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bounded, check_diagnostics, instrumented, main  # noqa: E402

with instrumented():
    from ossref.load.bibliography import load_bib_bytes, merge_bibliography
    from ossref.load.store import loads
    from ossref.config import Config
    from ossref.load.records import freeze_bib, thaw_bib

CONFIG = Config(root=Path("/nonexistent"), docs_dir="content")
REL = "citations/fuzz.bib"


def TestOneInput(data: bytes) -> None:
    with bounded():
        refs, found = load_bib_bytes(data, REL, CONFIG.max_file_bytes, CONFIG.max_bib_expansion)
        merged, more = merge_bibliography([(refs, found)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        assert refs == [] and [d.code for d in found] == ["read-error"]
    check_diagnostics(found, REL, text, lone_cr=True)
    check_diagnostics(more, REL, text, lone_cr=True)
    for ref in refs:
        assert ref.path == REL and ref.line >= 1 and ref.column >= 1, ref
    assert set(merged) <= {ref.key for ref in refs}
    assert thaw_bib(loads(freeze_bib((refs, found)))) == (refs, found)


if __name__ == "__main__":
    main(TestOneInput)
