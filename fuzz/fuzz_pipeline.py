"""Fuzz target: the whole per-file pipeline, as ``ossref check`` and
``ossref build`` run it on one file.

Input: the first byte picks the kind (even: a Markdown page, odd: a BibTeX
file), the rest is the file. The file is written to disk and read back
(size cap, no-follow open), parsed (front matter, schema, body scan and the
page's own rules; or the BibTeX loader), reduced to the facts the check
keeps, checked across files against one good page and one good BibTeX
record, and put through the store (the entry that check, build and serve
share): each part must give back exactly the result computed without it. Asserts the promises of
:mod:`common` on every diagnostic."""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bounded, check_diagnostics, instrumented, main  # noqa: E402

with instrumented():
    from ossref.load.bibliography import load_bib_bytes, merge_bibliography
    from ossref.load.store import loads
    from ossref.check.page import parse_page
    from ossref.check.rules import check_facts, page_facts
    from ossref.config import Config
    from ossref.load.files import read_bytes
    from ossref.load.records import entry_facts, entry_page, freeze_bib, page_entry, thaw_bib, thaw_diagnostics
    from ossref.load.recover import unread_facts
    from ossref.model import PageFacts

CONFIG = Config(root=Path("/nonexistent"), docs_dir="content")
PAGE_REL, BIB_REL = "content/fuzz-page.md", "citations/fuzz.bib"
GOOD_PAGE = b"---\ncondition: Other lesion\naliases: [OL]\nreferences: [alpha2020]\n---\n\n## Imaging\n\nSeen [@alpha2020].\n"
GOOD_BIB = b"@article{alpha2020,\n  title = {A study},\n  year = {2020},\n  doi = {10.1000/alpha.2020},\n}\n"

_FOLDER = Path(tempfile.mkdtemp(prefix="ossref-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, True)
_GOOD_FACTS = PageFacts._make(tuple(page_facts(parse_page(GOOD_PAGE, "content/other-lesion.md", "other-lesion",
                                                          CONFIG)[0])))
_GOOD_REFS, _ = load_bib_bytes(GOOD_BIB, "citations/good.bib", CONFIG.max_file_bytes)
ALLOWED = {PAGE_REL, BIB_REL, "content/other-lesion.md", "citations/good.bib"}


def _text(data: bytes | None) -> str | None:
    try:
        return data.decode("utf-8-sig") if data is not None else None
    except UnicodeDecodeError:
        return None


def _page(data: bytes) -> None:
    path = _FOLDER / "fuzz-page.md"
    path.write_bytes(data)
    with bounded():
        read, problems = read_bytes(path, PAGE_REL, CONFIG.max_file_bytes)
        page, found = parse_page(read, PAGE_REL, "fuzz-page", CONFIG, problems)
        facts = page_facts(page) if page is not None else None
        pages = sorted([_GOOD_FACTS] + ([facts] if facts is not None else []))
        refs = {r.key: (r.path, r.line, r.column) for r in _GOOD_REFS}
        cross = check_facts(pages, refs)
    assert read == data
    check_diagnostics(found, PAGE_REL, _text(read))
    check_diagnostics([d for d in cross if d.path == PAGE_REL], PAGE_REL, _text(read))
    assert all(d.path in ALLOWED for d in cross), cross
    # The store: the check's part (facts, diagnostics) and the build's (the
    # page) are equal to the fresh result.
    stored = facts if facts is not None else unread_facts(PAGE_REL, "fuzz-page", read)
    blob = page_entry(page, found, stored)
    facts_back, frozen = entry_facts(blob)
    assert thaw_diagnostics(frozen) == found and [d.severity for d in thaw_diagnostics(frozen)] == [
        d.severity for d in found]
    assert facts_back == stored
    assert entry_page(blob, data)[0] == page


def _bib(data: bytes) -> None:
    path = _FOLDER / "fuzz.bib"
    path.write_bytes(data)
    with bounded():
        read, problems = read_bytes(path, BIB_REL, CONFIG.max_file_bytes)
        refs, found = load_bib_bytes(read, BIB_REL, CONFIG.max_file_bytes) if read is not None else ([], problems)
        merged, cross = merge_bibliography([(_GOOD_REFS, []), (refs, found)])
    assert read == data
    text = _text(read)
    check_diagnostics(found, BIB_REL, text, lone_cr=True)
    check_diagnostics([d for d in cross if d.path == BIB_REL], BIB_REL, text, lone_cr=True)
    assert all(d.path in ALLOWED for d in cross), cross
    assert thaw_bib(loads(freeze_bib((refs, found)))) == (refs, found)
    assert "alpha2020" in merged


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    (_page if data[0] % 2 == 0 else _bib)(data[1:])


if __name__ == "__main__":
    main(TestOneInput)
