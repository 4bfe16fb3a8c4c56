"""Which files of the docs folder the built site publishes besides Markdown.

Shared by the check (a link to a file must name one the site will have) and
by rendering (which copies exactly these), so that both always agree.
"""

from __future__ import annotations

__all__ = ["IMAGE_EXTENSIONS", "is_published"]

#: File types copied from the docs folder besides Markdown. Never SVG, HTML,
#: JavaScript or CSS: those can carry script or restyle the site.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})


def is_published(name: str, regular: bool) -> bool:
    """Whether a docs-folder file called ``name`` (not Markdown, not hidden)
    is copied into the site: a regular file (no symlink, no device) of an
    image type in :data:`IMAGE_EXTENSIONS`, compared case-insensitively."""
    dot = name.rfind(".")
    return regular and dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS
