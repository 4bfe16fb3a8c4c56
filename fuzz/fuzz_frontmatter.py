"""Fuzz target: front matter (the YAML reader and the entry schema).

Input: a whole Markdown file's text (bytes decoded as UTF-8, bad bytes
replaced). Asserts the promises of :mod:`common`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bounded, check_diagnostics, decode, instrumented, main  # noqa: E402

with instrumented():
    from ossref.config import Config
    from ossref.load.frontmatter import parse_frontmatter
    from ossref.load.schema import read_entry

CONFIG = Config(root=Path("/nonexistent"), docs_dir="content")
REL = "content/fuzz.md"


def TestOneInput(data: bytes) -> None:
    text = decode(data)
    with bounded():
        fm = parse_frontmatter(text, REL, CONFIG.max_frontmatter_bytes, CONFIG.max_yaml_depth)
        found = list(fm.diagnostics)
        if fm.ok:
            _, more = read_entry(fm.data, fm.positions, REL)
            found += more
    check_diagnostics(found, REL, text)
    assert fm.body_line >= 1 and text.endswith(fm.body)


if __name__ == "__main__":
    main(TestOneInput)
