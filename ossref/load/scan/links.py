"""Links and reference definitions: inline links and images, wiki links, reference definitions.

:class:`LinkReader` runs the link passes over the working copies of one
body, in this order: :meth:`~LinkReader.definitions` (reference definitions,
also inside containers and in fenced code Python-Markdown renders as text),
:meth:`~LinkReader.walk` (every "[" of the CommonMark reading, left to right:
wiki links, inline links and images, labels scanned again for what they hold,
and citation groups handed to :class:`~ossref.load.scan.citations.Citations`),
then :meth:`~LinkReader.pm_links` (inline links only Python-Markdown's reading
has). A link's target is the href Python-Markdown renders, as the browser
reads it. Linear: each "[" is matched once per reading, by patterns that
cannot backtrack between alternatives.
"""

from __future__ import annotations

import re

from ossref.load.scan.base import _LABEL, _PAREN_CLOSE, _PAREN_OPEN, _WS, _escaped, _inside, _nested
from ossref.load.scan.blocks import Blocks
from ossref.load.scan.citations import Citations
from ossref.load.scan.urls import _split_url, _unescape_dest
from ossref.model import CitationGroup, Link

# Bracket constructs are matched at each "[" found by a plain search; whether
# it is escaped is decided by counting backslashes (_escaped), which a
# lookbehind cannot do. A label (base._LABEL) may hold brackets nested three
# deep ("[a [b [c [d]]]](x.md)"); Python-Markdown follows any depth (deeper
# labels are left to the sweep, which finds unsafe destinations only).
_DEST_CHAR = r"(?:[^\s()\\\x00]|\\[^\s\x00])"
_DEST_PARENS = _nested(_DEST_CHAR, _PAREN_OPEN, _PAREN_CLOSE, 1)
_DEST = rf"(?:<[^<>\n\x00]*>|(?:{_DEST_CHAR}|\({_DEST_PARENS}\))+)"
_TITLE = r"(?:\"[^\"\x00]*\"|'[^'\x00]*'|\([^()\x00]*\))"
# A link's destination as CommonMark has it, else anything up to the matching
# parenthesis, spaces included: Python-Markdown renders [a](my page.md) as a
# link. Parentheses may nest two deep: "[a](x(y(z)).md)".
_LOOSE = _nested(r"[^()\x00]", _PAREN_OPEN, _PAREN_CLOSE, 2)
_BRACKETS = re.compile(
    r"(?P<wiki>\[\[(?P<winner>[^\[\]\x00]*)\]\])"
    rf"|(?P<link>\[(?P<label>{_LABEL})\]\("
    rf"(?:[ \t\n]*(?:(?P<dest>{_DEST})(?:[ \t\n]+{_TITLE})?[ \t\n]*)?\)|(?P<loose>{_LOOSE})\)))"
    r"|(?P<cite>\[(?P<cinner>[^\[\]\x00]*)\])"
)
# Python-Markdown's "[a](<url> 'title')" (LinkInlineProcessor.RE_LINK).
_PM_POINTED = re.compile(r"""\s*<([^<>]*)>\s*(?:(?:'[^']*'|"[^"]*")\s*)?$""")
_LOOSE_TITLE = re.compile(r"(?:^|\s+)(?:\"[^\"]*\"|'[^']*')\s*$")
_BRACKET_START = re.compile(r"\[")
# What ends a label without nesting: a bracket, an escape, a block boundary.
_LABEL_STOP = re.compile(r"[\[\]\\\x00]")
_REFDEF_FIRST = re.compile(r" {0,3}\[")
# Also after block quote and list markers: for text the line pass did not
# read (see Blocks.a_only).
_REFDEF_START_NESTED = re.compile(r"[\n\x00](?:[ \t>]|[*+-][ \t]|[0-9]{1,9}\.[ \t])*\[")
_REFDEF = re.compile(
    r"(?P<open>\[)(?P<id>(?:[^\[\]\x00\n^][^\[\]\x00\n]*)?)\]:[ \t]*(?:[\n\x00][ \t>]*)?"
    # No space in the destination, even in <...>: Python-Markdown's rule. A
    # definition it rejects is rendered as text, raw HTML included.
    rf"(?P<dest>[^\s\x00]+)(?:[ \t\n\x00]+{_TITLE})?[ \t]*(?=[\n\x00]|\Z)"
)


class LinkReader:
    """The links of one body, from its line pass ``blk`` and its two
    readings ``ma`` (CommonMark) and ``mb`` (Python-Markdown, or None when it
    equals ``ma``); see :func:`ossref.load.scan.codespans.working_copies`.

    What the passes collect, for the scanner and the later passes:

    * ``links``: (start, :class:`~ossref.model.Link`) pairs, unsorted;
    * ``dests``: spans of link destinations and citation keys (text that is
      never an autolink or raw HTML), unsorted;
    * ``closes``: the "]" of every inline link found, before its "(";
      ``found_in_a``: how many of them are in the CommonMark reading;
    * ``refs``: definition ids as Python-Markdown matches references (lower
      case, white space collapsed); ``ref_ids``: as it stores them
      (stripped, lower case);
    * ``def_dests``: sorted spans of the definitions' URLs; ``def_starts``:
      offsets of the definitions' "["; ``defs_in_a``: how many definitions
      are in the CommonMark reading.
    """

    def __init__(self, blk: Blocks, ma: str, mb: str | None) -> None:
        self.blk, self.body, self.ma, self.mb = blk, blk.body, ma, mb
        self.links: list[tuple[int, Link]] = []
        self.dests: list[tuple[int, int]] = []  # link destinations: not autolinks, not HTML
        self.closes: set[int] = set()  # the "]" of every inline link found, before its "("
        self.found_in_a = 0
        self.refs: set[str] = set()
        #: Reference definition ids as Python-Markdown stores them (stripped, lower case).
        self.ref_ids: set[str] = set()
        self.def_dests: list[tuple[int, int]] = []  # reference definitions' URLs
        self.def_starts: set[int] = set()
        self.defs_in_a = 0
        self.defs: list[tuple[int, Link]] = []

    def definitions(self) -> None:
        """Reference definitions, as Python-Markdown reads them before any
        inline pattern: each becomes a link (its target the URL as written,
        entities decoded, no backslash escape resolved)."""
        body, ma, blk = self.body, self.ma, self.blk
        refs, defs, def_dests = self.refs, self.defs, self.def_dests
        first = _REFDEF_FIRST.match(ma)
        starts = [first.end() - 1] if first else []
        starts.extend(_line_start_brackets(ma))
        if blk.def_lines:
            # Those the line pass found inside containers, after their markers.
            for i, col in blk.def_lines:
                at = blk.lines[i].find("[", col)
                if at != -1:
                    starts.append(blk.line_starts[i] + at)
            starts = sorted(set(starts))
        terms = blk.terms
        candidates = [(ma, s) for s in starts]
        if blk.a_only and self.mb is not None:
            # Fenced code to CommonMark that Python-Markdown renders as text
            # (a fence that never closes, say): its definitions count.
            mb = self.mb
            candidates += [(mb, m.end() - 1) for m in _REFDEF_START_NESTED.finditer(mb)
                           if _inside(blk.a_only, m.end() - 1)]
        defs_in_a = 0
        for text, s in candidates:
            if terms and _inside(terms, s):
                continue  # a definition term, to Python-Markdown: text
            m = _REFDEF.match(text, s)
            # Python-Markdown reads definitions before code spans: a code
            # span blanked in the reading may hide text that spoils one.
            if m is None or (text[s : m.end()] != body[s : m.end()] and _REFDEF.match(body, s) is None):
                continue
            dest = body[m.start("dest") : m.end("dest")]
            # Not in ``dests``: Python-Markdown may read this line otherwise
            # (a setext heading, a definition term) and render a tag in it.
            def_dests.append((m.start("dest"), m.end("dest")))
            refs.add(_WS.sub(" ", m.group("id")).strip().lower())
            self.ref_ids.add(m.group("id").strip().lower())
            target, anchor = _split_url(_unescape_dest(dest[1:-1] if dest.startswith("<") else dest, False))
            defs.append((s, Link(target, anchor, m.group("id").strip(), s, m.end(), blk.pos(s), wiki=False)))
            defs_in_a += text is ma
        def_dests.sort()
        self.def_starts = {s for s, _ in defs}
        self.defs_in_a = defs_in_a
        self.links.extend(defs)

    def walk(self, cites: Citations, citations: list[CitationGroup]) -> None:
        """Every "[" of the CommonMark reading, left to right: wiki links,
        inline links and images (their labels read again), and citation
        groups, appended to ``citations``. Run after :meth:`definitions`."""
        body, ma, pos_of = self.body, self.ma, self.blk.pos
        links, closes, def_starts = self.links, self.closes, self.def_starts
        # After a link, its label is scanned too (an image inside a link, a
        # citation in a label) before scanning resumes after the link.
        resume: list[tuple[int, int]] = []
        pos, limit = 0, len(ma)
        search = _BRACKET_START.search
        match = _BRACKETS.match
        label_stop = _LABEL_STOP.search
        while True:
            b = search(ma, pos, limit)
            if b is None:
                if not resume:
                    break
                pos, limit = resume.pop()
                continue
            s = b.start()
            escaped = s and ma[s - 1] == "\\" and _escaped(ma, s)
            m = None
            cite = False  # the pattern's "cite" branch would match
            if not escaped:
                # Most brackets hold no bracket, backslash or block boundary
                # before their "]" and no "(" follows it: then only the
                # pattern's "cite" branch can match, and a search decides it.
                stop = label_stop(ma, s + 1, limit)
                e = stop.start() if stop is not None else -1
                if e != -1 and ma[e] == "]" and (e + 1 >= limit or ma[e + 1] != "("):
                    cite, has_at = True, ma.find("@", s + 1, e) != -1
                else:
                    m = match(ma, s, limit)
                    if m is not None and m.group("cite") is not None:
                        cite, has_at = True, "@" in m.group("cinner")
            if cite and not has_at:
                pos = s + 1  # plain brackets (the common case, decided by the pattern alone)
            elif m is None or cite:
                # Not a link: a citation group, perhaps (its own parser, as
                # the pattern's "cite" branch knows no nested brackets or keys).
                group = None if escaped or s in def_starts else cites.read(s, limit, self.dests, cite)
                if group is not None:
                    citations.append(group)
                    pos = group.end
                else:
                    pos = s + 1  # a construct may still start inside these brackets
            elif m.group("wiki") is not None:
                inner = body[m.start("winner") : m.end("winner")]
                target, _, label = inner.partition("|")
                target, _, anchor = target.partition("#")
                links.append((s, Link(" ".join(target.split()), anchor.strip(), label.strip(),
                                      s, m.end(), pos_of(s), wiki=True)))
                pos = m.end()
            elif m.group("link") is not None:
                link = self._inline_link(ma, m)
                closes.add(m.end("label"))
                links.append((link.start, link))
                resume.append((m.end(), limit))
                pos, limit = m.start("label"), m.end("label")

        self.found_in_a = len(closes)

    def pm_links(self) -> None:
        """Inline links in Python-Markdown's reading that the CommonMark
        one has in code. Run after :meth:`walk`."""
        closes, links = self.closes, self.links
        if self.mb is not None:
            # Inline links in Python-Markdown's reading that the CommonMark
            # one has in code: a fence that never closes, backticks paired
            # otherwise. Python-Markdown renders them.
            mb = self.mb
            for b in _BRACKET_START.finditer(mb):
                s = b.start()
                if s and mb[s - 1] == "\\" and _escaped(mb, s):
                    continue
                m = _BRACKETS.match(mb, s)
                if m is None or m.group("link") is None or m.end("label") in closes:
                    continue
                link = self._inline_link(mb, m)
                closes.add(m.end("label"))
                links.append((link.start, link))

    def _inline_link(self, text: str, m: re.Match[str]) -> Link:
        """The link of the ``_BRACKETS`` match ``m`` (its "link" group) in the
        reading ``text``; its destination's span goes into ``self.dests``."""
        body = self.body
        s = m.start()
        image = s > 0 and text[s - 1] == "!" and not _escaped(text, s - 1)
        start = s - 1 if image else s
        dest_s, dest_e = m.span("dest")
        if dest_s != -1:
            self.dests.append((dest_s, dest_e))
            dest = body[dest_s:dest_e]
            if dest.startswith("<") and dest.endswith(">"):
                dest = dest[1:-1]
        elif m.group("loose") is not None:
            # Python-Markdown's reading; raw HTML in it is still reported.
            dest = body[m.start("loose") : m.end("loose")]
            dest = _LOOSE_TITLE.sub("", dest).strip()
        else:
            dest = ""
        close = m.end("label")
        inner = body[close + 2 : m.end() - 1]
        if "`" in inner and inner != text[close + 2 : m.end() - 1]:
            # A code span inside the parentheses, blanked above. Python-
            # Markdown renders it as its text, backticks gone
            # ([x](`javascript:...`) links to javascript:), so the
            # destination is the text as written, for url_scheme to judge.
            dest = _LOOSE_TITLE.sub("", inner).strip()
        elif dest_s != -1:
            # The href is Python-Markdown's reading of the parentheses: it
            # knows no "(title)" ([a](x.md (t)) links to "x.md (t)"), and a
            # title alone leaves the href empty ([a]( "t")).
            pointed = _PM_POINTED.match(inner)
            dest = pointed.group(1).strip() if pointed else _LOOSE_TITLE.sub("", inner).strip()
        target, anchor = _split_url(_unescape_dest(dest))
        label = body[m.start("label") : m.end("label")].strip()
        return Link(target, anchor, label, start, m.end(), self.blk.pos(start), wiki=False, image=image)


def _line_start_brackets(text: str) -> list[int]:
    """Offset of each "[" that starts a line of ``text`` after a newline or
    block boundary and at most three spaces (what ``[\\n\\x00] {0,3}\\[``
    finds, but read from each "[": a pattern that starts with a character
    class is tried at every offset of the text, which costs more on a page)."""
    found: list[int] = []
    find = text.find
    at = find("[")
    while at != -1:
        k = at
        while k > 0 and at - k < 3 and text[k - 1] == " ":
            k -= 1
        if k > 0 and text[k - 1] in "\n\x00":
            found.append(at)
        at = find("[", at + 1)
    return found
