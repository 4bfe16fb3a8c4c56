"""The scan: the passes over one body, in order, and the entry point.

:func:`scan_body` runs :class:`_Scanner`, which runs the passes of the
package in the order they depend on each other (see
:mod:`ossref.load.scan`) and gathers what they find into a
:class:`~ossref.model.BodyScan`.
"""

from __future__ import annotations

from ossref.load.scan.autolinks import angles, attr_lists
from ossref.load.scan.blocks import Blocks
from ossref.load.scan.citations import Citations
from ossref.load.scan.codespans import working_copies
from ossref.load.scan.headings import headings
from ossref.load.scan.links import LinkReader
from ossref.load.scan.sweep import _LinkSweep
from ossref.model import BodyScan


def scan_body(body: str, body_line: int) -> BodyScan:
    """Scan ``body`` (the Markdown after the front matter) and return what it holds.

    ``body_line`` is the 1-based file line on which body offset 0 stands.

    Contract:

    * Every :class:`~ossref.model.Position` returned is a *file* position:
      1-based line (``body_line`` + newlines before the offset) and 1-based
      column counted in Unicode code points; a tab is one column. Only ``"\\n"``
      ends a line (a ``"\\r"`` before it is part of the line).
    * ``start``/``end`` of citation groups and links are offsets into
      ``body`` (end exclusive) covering the whole construct (``![`` to ``)``,
      ``[[`` to ``]]``, ``<`` to ``>``, ``[`` to ``]``), so a renderer can
      splice a replacement in.
    * Nothing inside fenced code, indented code, code spans or HTML comments
      is reported, except raw HTML and unsafe links that Python-Markdown
      would render (see the module docstring).
    * Results are in body order within each list. Ranges never partly
      overlap, but one may lie inside a link's label: the image in
      ``[![alt](i.png)](page.md)``, a citation in ``[see [@a]](page.md)``.
    * Heading anchors are the ids Python-Markdown's ``toc`` extension gives,
      de-duplicated in order; an attribute list (``{#id}``) never sets one.
    * Links: ``target`` is the URL without its ``#fragment`` and ``anchor``
      the fragment, for every URL; e-mail autolinks get a ``mailto:`` target.
      The URL is the href Python-Markdown renders, as a browser reads it:
      an inline link's backslash escapes resolved, entities decoded.
      Wiki links keep the target as written (whitespace collapsed).
    * Pure, never raises (on an internal error it returns what it found so
      far; that is a bug to report, not a behaviour to rely on), linear time.
    """
    result = BodyScan()
    try:
        _Scanner(body, body_line).run(result)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; see docstring
        pass
    return result


def _scan_strict(body: str, body_line: int) -> BodyScan:
    """:func:`scan_body` letting internal errors propagate, for tests."""
    result = BodyScan()
    _Scanner(body, body_line).run(result)
    return result


class _Scanner:
    """One scan of ``body`` (``body_line``: the file line of offset 0)."""

    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.body_line = body_line

    def run(self, out: BodyScan) -> None:
        """Run the passes, appending what they find to ``out``'s lists."""
        body = self.body
        # Pass 1: the block structure. Pass 2: code spans and comments,
        # blanked in the two readings.
        blk = Blocks(body, self.body_line)
        ma, mb = working_copies(blk.lines, blk.joins, blk.blank_both, blk.a_only)
        pos = blk.pos

        # Pass 3: inline constructs. Reference definitions come first:
        # citations and heading text depend on which ids are defined.
        reader = LinkReader(blk, ma, mb)
        reader.definitions()
        cites = Citations(body, ma, reader.ref_ids, pos)
        reader.walk(cites, out.citations)
        reader.pm_links()
        links = reader.links
        dests = reader.dests
        dests.sort()
        angles(body, ma, mb, dests, reader.def_dests, pos, links, out.html)

        # Links Python-Markdown renders that the passes above did not find:
        # labels and destinations nested deeper than the patterns follow,
        # reference definitions inside block quotes, lists and admonitions,
        # and links in text that is code only to CommonMark. Only those with
        # an unsafe destination are added, for the unsafe-url rule.
        sweep = _LinkSweep(blk, ma, reader.closes, reader.def_starts, reader.found_in_a, reader.defs_in_a)
        links += sweep.run(ma)
        if mb is not None:
            links += sweep.run(mb)

        links.sort(key=lambda x: x[0])
        out.links.extend(link for _, link in links)
        attr_lists(body, ma, pos, out.attr_lists)
        out.malformed_citations.extend(cites.malformed)
        headings(blk.headings_raw, ma, reader.refs, pos, out.headings)
