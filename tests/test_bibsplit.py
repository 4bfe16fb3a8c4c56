"""ossref.load.bibsplit: the fast splitter gives bibtexparser's blocks exactly,
and the loader gives the same references and diagnostics either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from bibtexparser.model import (
    Entry,
    ExplicitComment,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ossref.load.bibliography as bibliography
from ossref.load.bibliography import load_bib_bytes
from ossref.load.bibsplit import FastEntry, split_blocks, split_blocks_slow

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BIG = 10**9


def _bib_files() -> list[Path]:
    """Every BibTeX file the checkout holds (citations, fixtures, test data,
    fuzz corpora and regressions) and, when present beside it, the shared
    real-world files."""
    found = [p for folder in ("citations", "tests", "fuzz") for p in sorted((ROOT / folder).rglob("*.bib"))]
    found += sorted((ROOT / "fuzz" / "corpus" / "bibtex").iterdir())
    for name in ("peer-bib", "references"):
        if (SHARED / name).is_dir():
            found += sorted((SHARED / name).rglob("*.bib"))
    return found


def _text(path: Path) -> str | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def signature(block) -> tuple:
    """Everything the loader may read of a block (and its line)."""
    kind = "Entry" if isinstance(block, Entry) else type(block).__name__
    out: tuple = (kind, block.start_line, block.raw)
    if isinstance(block, Entry):
        out += (block.entry_type, block.key, [(f.key, f.value, f.start_line) for f in block.fields])
    elif isinstance(block, String):
        out += (block.key, block.value)
    elif isinstance(block, ParsingFailedBlock):
        out += (getattr(block.error, "abort_reason", str(block.error)),)
    elif isinstance(block, (ImplicitComment, ExplicitComment)):
        out += (block.comment,)
    elif isinstance(block, Preamble):
        out += (block.value,)
    return out


def assert_same_blocks(text: str) -> None:
    fast = [signature(b) for b in split_blocks(text)]
    slow = [signature(b) for b in split_blocks_slow(text)]
    assert fast == slow


def load_both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    """load_bib_bytes with the fast splitter, then with bibtexparser's alone."""
    fast = load_bib_bytes(data, "citations/x.bib", BIG, 1_000_000, 1_000_000)
    with monkeypatch.context() as patch:
        patch.setattr(bibliography, "split_blocks", split_blocks_slow)
        slow = load_bib_bytes(data, "citations/x.bib", BIG, 1_000_000, 1_000_000)
    return fast, slow


FILES = _bib_files()


def test_the_checkout_holds_bib_files_to_compare() -> None:
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_bib_file_splits_and_loads_the_same_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _text(path)
    if text is not None:
        assert_same_blocks(text)
    fast, slow = load_both(path.read_bytes(), monkeypatch)
    assert fast == slow


def test_common_entries_are_read_by_the_fast_path() -> None:
    """A reference manager's export goes through the fast path: it is what
    makes loading fast, so a change to the shape that sends it to
    bibtexparser is a regression."""
    text = "".join(
        f"@article{{k{i},\n  title = {{{{A}} study of {{X}}}},\n  author = {{M{{\\\"u}}ller, J.}},\n"
        f"  month = jan,\n  note = \"Epub\",\n  abstract = {{50\\% of them}},\n  doi = {{10.1/{i}}},\n}}\n\n"
        for i in range(50))
    blocks = split_blocks(text)
    assert len(blocks) == 50 and all(isinstance(b, FastEntry) for b in blocks)
    assert_same_blocks(text)


def test_unusual_blocks_between_common_entries_are_bibtexparsers() -> None:
    common = "@misc{a{n},\n  title = {T},\n}\n"
    odd = [
        "@string{j = {J}}\n", "@comment{x}\n", "@preamble{\"p\"}\n", "@misc(p, title = {P})\n",
        "@misc{b, title = {unclosed\n", "@misc{c, title = \"a {b} c\"}\n", "@misc{d, title = {a} # j}\n",
        "@misc{e title = {x}}\n", "stray text\n", "@misc{f, t = {x}\\\n, u = {y}}\n", "@{g, t = {x}}\n",
        "@misc{h, t = {x \\} y}}\n", "@misc{i, t = {a\n@misc{j, t = {b}}\n", "  @misc{k, t = {x}}  % c\n",
    ]
    for i, piece in enumerate(odd):
        text = common.replace("{n}", str(i)) + piece + common.replace("{n}", f"{i}b")
        assert_same_blocks(text)
    assert_same_blocks("".join(odd) + common)
    assert_same_blocks(common.join(odd))


# Pieces that make the splitter's decisions: block starts, delimiters, the
# backslash that hides the next character, line starts, bare "@" and "%".
_PIECES = st.sampled_from([
    "@article{", "@misc{", "@string{", "@comment{", "@preamble{", "@STRING(", "@misc(", "@{", "@ article {",
    "@", "{", "}", "(", ")", '"', ",", "=", " = ", "#", "\\", "\\{", "\\}", '{"}', "\n", "\n  ", " ", "\t",
    "%", "key", "title", "doi", "10.1/x", "jan", "2020", "a b", "é", "\u200b",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_generated_text_splits_the_same_both_ways(text: str) -> None:
    assert_same_blocks(text)


_ENTRY = st.builds(
    lambda kind, key, fields, trailing: f"@{kind}{{{key},\n" + ",\n".join(
        f"  {name} = {value}" for name, value in fields) + ("," if trailing else "") + "\n}\n",
    st.sampled_from(["article", "Book", "misc", "online"]),
    st.from_regex(r"[a-z][a-z0-9:_-]{0,8}", fullmatch=True),
    st.lists(st.tuples(st.sampled_from(["title", "author", "doi", "pmid", "url", "year", "Title"]),
                       st.one_of(st.builds("{{{}}}".format, st.lists(_PIECES, max_size=6).map("".join)),
                                 st.sampled_from(["{10.1000/x}", "2020", "jan", '"q"', "{{A} b}", "j # {x}"]))),
             max_size=6),
    st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_ENTRY, st.lists(_PIECES, max_size=8).map("".join)), max_size=6).map("".join))
def test_generated_files_load_the_same_both_ways(text: str) -> None:
    assert_same_blocks(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = load_both(text.encode("utf-8"), monkeypatch)
    assert fast == slow
