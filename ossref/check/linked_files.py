"""Links and images that name a file of the docs folder other than a page: is it there?

MkDocs resolves every relative link and image of a page against the files of
the site, and fails the build (``render-error``, "not found among
documentation files") when the target has a file extension and is not one
of them. Links to ``.md`` files are the link check's (:mod:`ossref.check.rules`);
this module finds the rest before the build: a missing image (``.md`` ones
too), a mistyped PDF, a path that leaves the docs folder. A file that exists
but is not published (an SVG) is not this module's business either.

It reads the file system (a listing per folder linked to, not a walk), so it
runs on every check, after the pages' facts: a file can appear or vanish
without any page changing.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ossref.caps import cap_per_code
from ossref.diagnostics import Diagnostic, diag
from ossref.check.sections import UNPUBLISHED_FOLDER

__all__ = ["missing_files"]


def missing_files(pages: Iterable[tuple[str, str, Iterable[tuple]]], docs: Path) -> list[Diagnostic]:
    """A ``broken-link`` for each relative link or image of ``pages`` that MkDocs
    would read as a file path with an extension (but not a link to ``.md``)
    and that is not a regular file under ``docs`` reached without symlinks or
    hidden names. ``pages`` are (path, slug, links), each link laid out as in
    :attr:`PageFacts.links <ossref.model.PageFacts>`."""
    listings: dict[str, dict[str, bool] | None] = {}
    out: list[Diagnostic] = []
    for path, slug, links in pages:
        found = []
        for target, anchor, wiki, image, line, column in links:
            if wiki or not target or (target.endswith(".md") and not image):  # the link check's
                continue
            uri = _file_uri(slug, target + ("#" + anchor if anchor else ""))
            if uri is None or _is_file(docs, uri, listings):
                continue
            hint = "check the file's name and folder: the path is relative to this page's folder"
            if uri.startswith("../") or uri == "..":
                where = "leaves the docs folder"
            elif uri.startswith(UNPUBLISHED_FOLDER + "/"):
                where = f"is in `{UNPUBLISHED_FOLDER}/`, a folder MkDocs never publishes"
                hint = f"move the file out of `{UNPUBLISHED_FOLDER}/`"
            else:
                where = "is not a file of the docs folder"
            found.append(diag(path, line, column, "broken-link", f"`{_show(target)}` {where}", hint))
        out += cap_per_code(found)
    return out


def _file_uri(slug: str, url: str) -> str | None:
    """The docs-relative path MkDocs looks ``url`` up as, on page ``slug``;
    None when MkDocs does not look it up as a file (external, absolute,
    anchor-only, or no extension)."""
    try:
        scheme, netloc, path, _, _ = urlsplit(url)
    except ValueError:  # e.g. "[::1" as a host: Python-Markdown keeps such a URL as text
        return None
    if scheme or netloc or url.startswith(("/", "\\")) or not path:
        return None
    path = unquote(path)
    if not posixpath.splitext(path)[1]:
        return None  # MkDocs: an "unrecognized relative link", reported at info level only
    return posixpath.normpath(posixpath.join(posixpath.dirname(slug + ".md"), path)).lstrip("/")


def _is_file(docs: Path, uri: str, listings: dict[str, dict[str, bool] | None]) -> bool:
    """Whether ``uri`` names a regular file under ``docs``, every part of the
    path spelled as on disk (so also on a case-insensitive file system), none
    hidden or a symlink, not in the folder MkDocs leaves out: the files the
    build publishes or stages."""
    if uri.startswith(("../", UNPUBLISHED_FOLDER + "/")) or uri in ("..", "."):
        return False
    parts = uri.split("/")
    folder = ""
    for i, name in enumerate(parts):
        listing = listings.get(folder, False)
        if listing is False:
            listing = listings[folder] = _listing(docs / folder)
        if listing is None or name.startswith(".") or name not in listing:
            return False
        is_dir = listing[name]
        if is_dir != (i < len(parts) - 1):
            return False
        folder = f"{folder}/{name}" if folder else name
    return True


def _listing(folder: Path) -> dict[str, bool] | None:
    """Name -> is a folder, for the regular files and folders in ``folder``
    (symlinks left out); None when it cannot be read."""
    try:
        with os.scandir(folder) as entries:
            out = {}
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    out[entry.name] = True
                elif entry.is_file(follow_symlinks=False):
                    out[entry.name] = False
            return out
    except OSError:
        return None


def _show(text: str, limit: int = 80) -> str:
    text = "".join(c if c.isprintable() else " " for c in text).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
