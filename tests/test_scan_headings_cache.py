"""Heading (text, slug) pairs kept across pages give what a fresh scan gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ossref.load.scan import headings as heading_pass
from ossref.load.scan import scan_body


def _anchors(body: str) -> list[tuple[str, str, int, int]]:
    return [(h.text, h.anchor, h.pos.line, h.pos.column) for h in scan_body(body, 1).headings]


def _fresh(body: str) -> list[tuple[str, str, int, int]]:
    heading_pass._COMMON.clear()
    return _anchors(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("ab *_`&#;[]^:1é\\<>!")), min_size=1, max_size=12),
                min_size=1, max_size=4),
       st.booleans())
def test_headings_read_from_the_kept_pairs_equal_fresh_ones(titles: list[str], defined: bool) -> None:
    refs = "\n\n[a]: x.md\n[^1]: note\n" if defined else ""
    body = "".join(f"## {title}\n\ntext\n\n" for title in titles) + refs
    fresh = _fresh(body)
    other = "".join(f"## {title}\n\n" for title in titles)  # the same headings without the definitions
    _anchors(other)
    assert _anchors(body) == fresh


def test_a_heading_that_reads_definitions_is_not_kept() -> None:
    heading_pass._COMMON.clear()
    with_ref = _anchors("## See [a]\n\n[a]: x.md\n")
    without = _anchors("## See [a]\n")
    assert with_ref[0][1] == "see-a" and without[0][1] == "see-a"
    assert "See [a]" not in heading_pass._COMMON
    assert _anchors("## Imaging\n")[0][:2] == ("Imaging", "imaging") and "Imaging" in heading_pass._COMMON


def test_kept_pairs_are_bounded() -> None:
    heading_pass._COMMON.clear()
    body = "".join(f"## Heading {i}\n\n" for i in range(heading_pass._COMMON_SIZE + 10))
    scan_body(body, 1)
    assert len(heading_pass._COMMON) <= heading_pass._COMMON_SIZE
    scan_body("## " + "x" * (heading_pass._COMMON_LENGTH + 1) + "\n", 1)
    assert "x" * (heading_pass._COMMON_LENGTH + 1) not in heading_pass._COMMON
