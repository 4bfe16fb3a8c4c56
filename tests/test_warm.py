"""What keeps a warm check cheap gives the same answers as the plain way.

The name index remembers lookups and normalizes printable ASCII without
Unicode tables (ossref/check/index.py); a file is read with os.read rather
than a buffered read of the limit (ossref/load/files.py). Nothing here
measures time: benchmarks/ does.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ossref.check.index import NameIndex, normalize
from ossref.load.files import read_bytes
from ossref.text.textsafety import name_key


@given(st.text(st.characters(max_codepoint=0x7F)) | st.text())
def test_normalize_is_name_key(text: str) -> None:
    assert normalize(text) == name_key(text)


def test_a_remembered_lookup_gives_what_a_fresh_index_gives() -> None:
    rows = [("a/myositis", ["Myositis Ossificans", "MO"], 1), ("b", ["Other\u200b name"], 2)]
    index = NameIndex.of(rows)
    refs = ["myositis ossificans", "MYOSITIS  ossificans", "mo", "a/myositis.md", "other name", "nope", "mo"]
    first = [index.lookup(ref) for ref in refs]
    assert first == [1, 1, 1, 1, 2, None, 1]
    assert [index.lookup(ref) for ref in refs] == first
    assert [NameIndex.of(rows).lookup(ref) for ref in refs] == first


def test_read_bytes_reads_a_file_whole_and_refuses_one_over_the_limit(tmp_path: Path) -> None:
    for size in (0, 1, 4095, 4096, 70_000, 200_000):
        path = tmp_path / f"f{size}"
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path.write_bytes(data)
        assert read_bytes(path, "f", 200_000) == (data, [])
    got, problems = read_bytes(tmp_path / "f200000", "f", 199_999)
    assert got is None and [d.code for d in problems] == ["read-error"]
