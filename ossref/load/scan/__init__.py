"""Find what a page body holds: citations, links, headings, raw HTML, attribute lists.

Takes a page body (the Markdown after the front matter) and the file line it
starts on; gives a :class:`~ossref.model.BodyScan` (:func:`scan_body`), with
every position a file position. :func:`scan_body` is a pure function (no I/O,
no global state), never raises, and runs in time linear in the size of the
body: no recursion over the input, no regular expression that can backtrack
quadratically, and every "find the next X" search advances monotonically.

The passes, in order (each a module of this package; :mod:`.scanner` runs
them):

1. :mod:`.blocks` (with the line classifiers of :mod:`.lines`): a line pass
   finds the block structure: fenced code, indented code, HTML comments that
   start a line, ATX and setext headings, reference definitions, and which
   newlines are *inside* a paragraph. Every other newline is replaced by
   ``"\\x00"`` in the working copies, so no later inline pattern can match
   across a block boundary (a blank line, a heading, a code block).
2. :mod:`.codespans`: code spans and one-line HTML comments are found left
   to right, and blanked (replaced by spaces of equal length) in two working
   copies, one per reading (below). Offsets into a copy are therefore
   offsets into the body.
3. Patterns over the blanked copies find the inline constructs:
   :mod:`.links` reference definitions, then wiki links, inline links and
   images, and (through :mod:`.citations`) citation groups, in one walk over
   every "["; :mod:`.autolinks` autolinks, raw HTML and attribute lists;
   :mod:`.sweep` links with an unsafe destination the patterns missed.
4. :mod:`.headings`: each heading's text and anchor, from a small emulation
   of Python-Markdown's inline rendering and its toc extension.

:mod:`.base` holds the primitives they share, :mod:`.urls` URL schemes and
destinations.

Two readings of the body, on purpose. What counts as code follows
CommonMark (as ossref's rules promise authors); the page is rendered by Python-Markdown,
which disagrees in a few places (an unclosed or indented fence is not code to
it, its code spans pair backticks differently, and it reads HTML comments its
own way). Hiding raw HTML or a script link that the renderer will emit would
defeat the ``raw-html`` and ``unsafe-url`` checks, so raw HTML is reported
when it is outside code in *either* reading, and so is a link whose
destination may render with an unsafe scheme (see :func:`url_scheme` and
:mod:`.sweep`). Links, reference definitions, autolinks and headings
that Python-Markdown renders from text that is code only to CommonMark (a
fence that never closes, backticks it pairs otherwise) are reported too, so
that the link checks see every href and anchor the site has; citations
follow the CommonMark reading only.

Link destinations and heading anchors are Python-Markdown's: a link's target
is its href as the browser reads it (backslash escapes resolved, entities
decoded; no CommonMark "(title)"), an autolink needs "scheme://" (``<http:x>``
is a tag), and a line starting with "#" is a heading with or without a space.

Both readings follow Python-Markdown's block structure where it matters for
those two rules: text indented under an admonition, a details block, a
footnote or a definition is text, not indented code; a block quote, a
reference definition, an admonition or a definition splits the paragraph
before it, so backticks do not pair across it.

:func:`complexity` (:mod:`.complexity`) is separate: where Python-Markdown
itself would be too slow on a body, or fail (the ``too-complex`` limits).

Also exposed: :data:`SAFE_SCHEMES` and :func:`url_scheme` (the
``unsafe-url`` rule), :func:`cite_syntax` and the reasons a bracket group
is no citation (:data:`NO_KEY`, :data:`TWO_KEYS`, :data:`NESTED_KEY`,
:data:`UNCLOSED`), and the limits of :func:`complexity`. ``_scan_strict``
(errors propagate) and ``_Scanner`` are for tests.
"""

from __future__ import annotations

from ossref.load.scan.citations import NESTED_KEY, NO_KEY, TWO_KEYS, UNCLOSED, cite_syntax
from ossref.load.scan.complexity import (MAX_BACKTICK_SCAN, MAX_BRACKET_SCAN, MAX_DEFINITIONS, MAX_EMPHASIS,
                                         MAX_FENCES, MAX_FOOTNOTES, MAX_INLINE_WORK, MAX_NESTING, MAX_SPLIT_WORK,
                                         MAX_TABLE_ROWS, complexity)
from ossref.load.scan.scanner import _Scanner, _scan_strict, scan_body
from ossref.load.scan.urls import SAFE_SCHEMES, url_scheme

__all__ = [
    "MAX_BACKTICK_SCAN", "MAX_BRACKET_SCAN", "MAX_DEFINITIONS", "MAX_EMPHASIS", "MAX_FENCES", "MAX_FOOTNOTES",
    "MAX_INLINE_WORK", "MAX_NESTING", "MAX_SPLIT_WORK", "MAX_TABLE_ROWS", "NESTED_KEY", "NO_KEY", "SAFE_SCHEMES",
    "TWO_KEYS", "UNCLOSED", "cite_syntax", "complexity", "scan_body", "url_scheme",
]
