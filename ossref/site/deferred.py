"""Generated HTML that skips Markdown: a token in the staged page, the HTML after.

Measured on a 1,000-entry wiki, Python-Markdown and Material's search parser
spent more than half of the whole build on what ossref generates (citation
superscripts, differential tables, reference lists, backlinks), which is
already final HTML. So render puts an HTML comment ``<!--ossref:TOKEN-->``
where such HTML goes; Python-Markdown passes a comment through untouched,
Material's search ignores it, and :meth:`Deferred.expand` swaps in the HTML
once the theme has rendered the page.

A token is a keyed hash of its fragment, not a running number: a page whose
fragments did not change stages byte-identical Markdown whatever changed
elsewhere in the wiki, so comparing staged Markdown alone tells whether a
page must be rebuilt (``ossref serve`` rebuilds only those). The key is
random: it lives as long as the :class:`Deferred` or whoever passes it in (a
preview session), so an author cannot type a comment that names a fragment.

The swapped-in HTML still passes the sanitizer: each page's fragments are
cleaned together, in one call, before they are placed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

# Any word after "ossref:", so that a comment an editor typed in this form is
# removed like any unknown token rather than left for the browser.
TOKEN = re.compile(r"<!--ossref:([0-9A-Za-z]+)-->")

# Bytes of a token's hash: 80 bits, so two of a wiki's fragments never share
# one by chance, in a token short enough not to slow Markdown down.
_DIGEST_BYTES = 10


class Deferred:
    """Fragments of one build, by token.

    ``key`` (at most 64 bytes) makes tokens: the same key and fragment give
    the same token. Without one, a random key of this object's own."""

    def __init__(self, key: bytes | None = None) -> None:
        self.fragments: dict[str, str] = {}
        self._key = key if key is not None else secrets.token_bytes(16)
        # Joins a page's fragments for one sanitizer call; the random part
        # keeps text from a BibTeX record from posing as a boundary.
        self._boundary = f"\u2063{secrets.token_hex(8)}\u2063"

    def token(self, html: str) -> str:
        """Store ``html`` and return the comment that stands for it."""
        name = hashlib.blake2b(html.encode("utf-8"), digest_size=_DIGEST_BYTES, key=self._key).hexdigest()
        self.fragments[name] = html
        return f"<!--ossref:{name}-->"

    def expand(self, page_html: str, sanitize: Callable[[str], str]) -> str:
        """``page_html`` with every token replaced by its sanitized fragment.

        A token that is not this build's (an editor may type any comment)
        becomes nothing."""
        names = TOKEN.findall(page_html)
        if not names:
            return page_html
        known = [n for n in dict.fromkeys(names) if n in self.fragments]
        cleaned = sanitize(self._boundary.join(self.fragments[n] for n in known)).split(self._boundary)
        if len(cleaned) != len(known):  # the sanitizer moved a boundary: clean one by one
            cleaned = [sanitize(self.fragments[n]) for n in known]
        html_of = dict(zip(known, cleaned))
        return TOKEN.sub(lambda m: html_of.get(m.group(1), ""), page_html)


def inline(html: str) -> str:
    """The identity "deferral": the HTML stays in the Markdown (for renders
    that are not followed by :meth:`Deferred.expand`)."""
    return html
