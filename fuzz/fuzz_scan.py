"""Fuzz target: the body scanner and the rules that need only the page
(too-complex, raw-html, unsafe-url, citation-in-heading).

Input: a page body (bytes decoded as UTF-8, bad bytes replaced). Asserts the
promises of :mod:`common`, and that every position the scanner returns is in
the body."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bounded, check_diagnostics, decode, instrumented, lines_of, main  # noqa: E402

with instrumented():
    from ossref.check.rules import page_rules
    from ossref.model import Page
    from ossref.load.scan import scan_body

REL = "content/fuzz.md"


def TestOneInput(data: bytes) -> None:
    body = decode(data)
    with bounded():
        scan = scan_body(body, 1)
        page = Page(path=REL, slug="fuzz", source=body, meta={}, meta_pos={}, body=body, body_line=1, scan=scan)
        found = page_rules(page)
    check_diagnostics(found, REL, body)
    lines = lines_of(body)
    positions = [group.pos for group in scan.citations] + [item.pos for group in scan.citations for item in group.items]
    positions += [link.pos for link in scan.links] + [h.pos for h in scan.headings]
    positions += [html.pos for html in scan.html + scan.attr_lists]
    for pos in positions:
        assert 1 <= pos.line <= lines and pos.column >= 1, pos


if __name__ == "__main__":
    main(TestOneInput)
