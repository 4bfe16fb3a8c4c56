"""Autolinks, raw HTML and attribute lists, as Python-Markdown reads each "<" and "{".

:func:`angles` reads every "<" of both readings: an autolink Python-Markdown
renders (it needs "scheme://"; an e-mail autolink has its own loose pattern)
is a link, one CommonMark would render with an unsafe scheme is reported as
a link too, and any other tag, comment, declaration or processing
instruction is raw HTML, reported once however many readings hold it.
:func:`attr_lists` finds ``{: ...}``, ``{#id}``, ``{.class}`` and
``{key=value}`` attribute lists. Linear in the text.
"""

from __future__ import annotations

import re
from typing import Callable

from ossref.load.scan.base import _H_AUTOLINK, _H_AUTOMAIL, _SEP, _Next, _escaped, _inside, _snippet, _snippet_tag
from ossref.load.scan.urls import _split_url, _unescape_dest, _unsafe
from ossref.model import Link, Position, RawHtml

_ANGLE = re.compile(
    r"<(?:(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>\x00]*)>"
    r"|(?P<mail>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
    r"|(?P<html>/?[A-Za-z]|![A-Za-z]|!\[CDATA\[|\?)"
    # What else Python-Markdown's AUTOMAIL_RE takes: "<(x)@y.org>".
    r"|(?P<pmmail>[^<> !\x00]+@[^@<> \x00]+>))"
)
# The forms the brief names ({: ...}, {#id}, {.class}) and, because
# Python-Markdown's attr_list also accepts them, bare key=value lists
# such as {onclick=...}.
_ATTR = re.compile(r"\{[ \t]*(?::|[#.]|[^\s{}=:\x00]+=)[^{}\n\x00]*\}")


def angles(body: str, ma: str, mb: str | None, dests: list[tuple[int, int]], def_dests: list[tuple[int, int]],
           pos: Callable[[int], Position], links: list[tuple[int, Link]], html: list[RawHtml]) -> None:
    """Autolinks and raw HTML in the readings ``ma`` and ``mb`` of ``body``:
    appends (start, link) pairs to ``links`` and, in body order, the raw HTML
    to ``html``. ``dests`` (sorted link destinations and citation keys) and
    ``def_dests`` (sorted URLs of reference definitions) hold no autolink or
    HTML; ``pos`` maps an offset to a file position."""
    # Autolinks and raw HTML, as Python-Markdown reads each "<": an
    # autolink needs "scheme://" (<http:x> is a tag to it, with whatever
    # attributes follow), an e-mail autolink its own loose pattern.
    html_at: dict[int, None] = {}
    autolinks: set[int] = set()
    for text in (ma, mb):
        if text is None:
            continue
        di = 0
        nd = len(dests)
        # Where a tag may still be an autolink to Python-Markdown ("<a(b@c>").
        slashes, at_sign, gt = _Next(text, "://"), _Next(text, "@"), _Next(text, ">")
        for m in _ANGLE.finditer(text):
            s = m.start()
            while di < nd and dests[di][1] <= s:
                di += 1
            if di < nd and dests[di][0] <= s:
                continue
            if m.lastgroup != "html" and def_dests and _inside(def_dests, s):
                continue  # "<url>" of a reference definition: the definition is the link
            auto = None
            if m.lastgroup != "html":
                auto = _pm_autolink(text, s)
            else:
                end = gt.find(s)
                if end != -1 and (-1 < slashes.find(s) < end or -1 < at_sign.find(s) < end):
                    auto = _pm_autolink(text, s)
            if auto is not None:
                if s not in autolinks:
                    autolinks.add(s)
                    url, end, mail = auto
                    if mail:
                        target, anchor = "mailto:" + url.removeprefix("mailto:"), ""
                    else:
                        target, anchor = _split_url(_unescape_dest(url))
                    links.append((s, Link(target, anchor, url, s, end, pos(s), wiki=False)))
                continue
            if m.lastgroup in ("mail", "pmmail"):
                continue  # text to Python-Markdown
            if m.lastgroup == "auto" and _unsafe(m.group("auto")):
                # A tag to Python-Markdown, but reported as the unsafe
                # URL CommonMark would link: refused either way.
                if s not in autolinks:
                    autolinks.add(s)
                    url = m.group("auto")
                    target, anchor = _split_url(url)
                    links.append((s, Link(target, anchor, url, s, m.end(), pos(s), wiki=False)))
                continue
            html_at[s] = None
    for s in sorted(html_at):
        html.append(RawHtml(_snippet_tag(body, s), pos(s)))


def attr_lists(body: str, ma: str, pos: Callable[[int], Position], found: list[RawHtml]) -> None:
    """Append to ``found`` the attribute lists in the CommonMark reading ``ma`` of ``body``, in order."""
    for m in _ATTR.finditer(ma):
        s = m.start()
        if _escaped(ma, s):
            continue
        found.append(RawHtml(_snippet(body[s : m.end()]), pos(s)))


def _pm_autolink(text: str, s: int) -> tuple[str, int, bool] | None:
    """The autolink Python-Markdown reads at the "<" at ``text[s]``, as
    (URL as written, end offset, is an e-mail), or None. Neither runs past a
    block boundary."""
    m = _H_AUTOLINK.match(text, s)
    if m is not None and _SEP not in m.group():
        return m.group(1), m.end(), False
    m = _H_AUTOMAIL.match(text, s)
    if m is not None and _SEP not in m.group():
        return m.group(1), m.end(), True
    return None
