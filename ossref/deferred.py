"""Generated HTML that skips Markdown: a token in the staged page, the HTML after.

Measured on a 1,000-entry wiki, Python-Markdown and Material's search parser
spent more than half of the whole build on what ossref generates (citation
superscripts, differential tables, reference lists, backlinks), which is
already final HTML. So render puts an HTML comment ``<!--ossref:N-->`` where
such HTML goes; Python-Markdown passes a comment through untouched, Material's
search ignores it, and :meth:`Deferred.expand` swaps in the HTML once the
theme has rendered the page.

The swapped-in HTML still passes the sanitizer: each page's fragments are
cleaned together, in one call, before they are placed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

TOKEN = re.compile(r"<!--ossref:(\d+)-->")


class Deferred:
    """Fragments of one build, by token number."""

    def __init__(self) -> None:
        self.fragments: list[str] = []
        # Joins a page's fragments for one sanitizer call; the random part
        # keeps text from a BibTeX record from posing as a boundary.
        self._boundary = f"\u2063{secrets.token_hex(8)}\u2063"

    def token(self, html: str) -> str:
        """Store ``html`` and return the comment that stands for it."""
        self.fragments.append(html)
        return f"<!--ossref:{len(self.fragments) - 1}-->"

    def expand(self, page_html: str, sanitize: Callable[[str], str]) -> str:
        """``page_html`` with every token replaced by its sanitized fragment.

        A token that is not this build's (an editor may type any comment)
        becomes nothing."""
        numbers = [int(n) for n in TOKEN.findall(page_html)]
        if not numbers:
            return page_html
        known = [n for n in dict.fromkeys(numbers) if n < len(self.fragments)]
        cleaned = sanitize(self._boundary.join(self.fragments[n] for n in known)).split(self._boundary)
        if len(cleaned) != len(known):  # the sanitizer moved a boundary: clean one by one
            cleaned = [sanitize(self.fragments[n]) for n in known]
        html_of = dict(zip(known, cleaned))
        return TOKEN.sub(lambda m: html_of.get(int(m.group(1)), ""), page_html)


def inline(html: str) -> str:
    """The identity "deferral": the HTML stays in the Markdown (for renders
    that are not followed by :meth:`Deferred.expand`)."""
    return html
