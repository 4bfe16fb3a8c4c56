"""Page metadata: the front-matter fields that reach MkDocs and its theme, what
they may hold, and how they are escaped on the way.

MkDocs renders the theme's templates with autoescape off, and Material writes
``page.meta.title``, ``page.meta.description``, ``page.title``, nav titles and
``page.meta.status`` into the page as they are: in ``<title>``, in a
``content="..."`` attribute, in a class name. So every string that goes to
MkDocs as page metadata is HTML-escaped exactly once, here, by
:func:`staged_meta`, the only place the renderer builds staged front matter.
A title is always set, even for a page that has none in its front matter (its
first heading, else its file name), because MkDocs' own fallback takes the
first heading's text *unescaped*. Values that select theme behaviour (status,
icon, hide, search) are not escaped but validated (:func:`check_page_meta`):
only what the theme defines passes, so they need no escaping.

Material's search plugin builds its index from the rendered body (escaping
heading text itself) and falls back to ``page.meta.title``, which is escaped
here, so the index holds no markup from metadata either; the output audit
(:mod:`ossref.site.audit`) verifies all of it on the built site.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

# The theme fields' rules are the loader's (it validates them per file); they
# stay importable from here, where the staged front matter is built.
from ossref.config import BUILTIN_STATUSES
from ossref.load.theme_fields import HIDE_VALUES, PASSTHROUGH_KEYS, check_page_meta, field_problem

__all__ = ["BUILTIN_STATUSES", "HEAD_KEY", "HIDE_VALUES", "PASSTHROUGH_KEYS", "check_page_meta", "meta_text",
           "staged_head", "staged_meta"]

#: The staged front-matter key that carries an entry's head metadata to the
#: theme override ``ossref/templates/theme/main.html``. Never a field a page
#: may set itself: staged front matter is built here, from nothing.
HEAD_KEY = "ossref_head"

def meta_text(value: object) -> str:
    """``value`` as one line of HTML text: white space collapsed, ``& < > " '``
    escaped. Safe as a template writes it, in element text or in a quoted
    attribute."""
    return html.escape(" ".join(str(value).split()), quote=True)


def staged_head(names: list[tuple[str, str]], properties: list[tuple[str, str]], json_ld: str,
                license_url: str) -> dict[str, Any]:
    """The head metadata of one entry for :data:`HEAD_KEY`: ``<meta name>``
    and ``<meta property>`` pairs, both halves escaped by :func:`meta_text`;
    the licence URL (left out when empty), escaped likewise; and ``json_ld`` as given, which must
    be JSON with ``<``, ``>`` and ``&`` already written as ``\\u`` escapes
    (:func:`ossref.site.citemeta.json_ld`), since a script element's text is not
    HTML and must not be HTML-escaped. A ``json_ld`` holding any of those
    characters is left out."""
    head: dict[str, Any] = {
        "name": [[meta_text(k), meta_text(v)] for k, v in names],
        "property": [[meta_text(k), meta_text(v)] for k, v in properties],
    }
    if license_url:
        head["license"] = meta_text(license_url)
    if not any(ch in json_ld for ch in "<>&\n\r"):
        head["json_ld"] = json_ld
    return head


def staged_meta(title: str, description: object = None, page_meta: Mapping[Any, Any] | None = None,
                statuses: tuple[str, ...] = BUILTIN_STATUSES, head: dict[str, Any] | None = None) -> dict[str, Any]:
    """The front matter of one staged page: ``title`` and ``description``
    escaped by :func:`meta_text`, and those :data:`PASSTHROUGH_KEYS` of the
    page's own front matter ``page_meta`` that :func:`check_page_meta`
    accepts, each on one line. What it refuses is left out, even when its
    rule is turned off, so no template ever receives it. A ``description``
    that is not non-empty text is left out. ``head``, from
    :func:`staged_head`, goes under :data:`HEAD_KEY`."""
    meta: dict[str, Any] = {"title": meta_text(title)}
    if isinstance(description, str) and description.strip():
        meta["description"] = meta_text(description)
    for key in PASSTHROUGH_KEYS:
        if page_meta is not None and key in page_meta and field_problem(key, page_meta[key], statuses) is None:
            meta[key] = _one_line(page_meta[key])
    if head is not None:
        meta[HEAD_KEY] = head
    return meta


def _one_line(value: Any) -> Any:
    """All text on one line, so no line of the dumped YAML reads as the ``---``
    that ends front matter."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _one_line(v) for k, v in value.items()}
    return value
