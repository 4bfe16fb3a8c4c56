"""Slugs: the file names of pages, lower-case ASCII kebab-case.

Used by the loader (``invalid-slug`` and its hint) and by ``ossref new``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SLUG_PART", "slugify", "suggested_slug"]

#: File and folder names of slugs: lower-case ASCII kebab-case.
SLUG_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def slugify(name: str) -> str:
    """ASCII-folded kebab-case: "Myositis ossificans (MO)" -> "myositis-ossificans-mo",
    "Calcinose tumorale é" -> "calcinose-tumorale-e"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def suggested_slug(path_or_name: str) -> str:
    """The slug a file or a condition should have, for ``invalid-slug``'s hint
    ("rename it to ``<slug>.md``"): "content/Myositis_Ossificans.md" ->
    "myositis-ossificans", "Myositis ossificans (MO)" -> "myositis-ossificans-mo".

    For a path, only the file name counts (folders and ``.md`` dropped). Empty
    when nothing usable is left; the caller then gives a generic hint."""
    name = path_or_name.replace("\\", "/").rsplit("/", 1)[-1]
    if name.lower().endswith(".md"):
        name = name[: -len(".md")]
    return slugify(name.replace("_", " "))
