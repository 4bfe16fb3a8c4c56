"""What the store keeps of each file, and how a result is rebuilt from it.

A page's entry has two parts, each a :func:`~ossref.load.store.dumps`
pickle: first its facts and diagnostics (plain tuples: what ``check`` reads,
and all it reads), then the parsed page without its text (what ``build``
reads; the text is the file's bytes, which the loader has in hand anyway,
and the body almost always a suffix of it). A worker sends both in one
blob, the first part preceded by its length (:func:`page_entry`); the store
keeps them apart (:func:`split_entry`), the first in its
:data:`~ossref.load.store.FACTS` part, the second in its
:data:`~ossref.load.store.PAGE` part, so a check neither reads nor
MAC-checks the pages. A BibTeX
file's entry is its records and diagnostics; the merge of all BibTeX files
is kept for the check as where each key is defined and the merged
diagnostics.
"""

from __future__ import annotations

import copy
from typing import Any

from ossref.diagnostics import Diagnostic, Severity
from ossref.load.store import dumps, loads
from ossref.model import Page, PageFacts, Reference

_HEAD = 4  # bytes of the first part's length


def freeze_diagnostics(diagnostics: list[Diagnostic]) -> tuple:
    """``diagnostics`` as plain tuples (cheaper to store and load than objects)."""
    return tuple((d.path, d.line, d.column, d.code, d.message, d.hint, d.severity.value) for d in diagnostics)


def thaw_diagnostics(frozen: tuple) -> list[Diagnostic]:
    """The inverse of :func:`freeze_diagnostics`."""
    return [Diagnostic(path, line, column, code, message, hint, Severity(severity))
            for path, line, column, code, message, hint, severity in frozen]


def page_entry(page: Page | None, problems: list[Diagnostic], facts: PageFacts, with_page: bool = True) -> bytes:
    """A page's entry: its facts and diagnostics, then (``with_page``) the
    page itself without its text."""
    head = dumps((tuple(facts), freeze_diagnostics(problems)))
    tail = freeze_page(page) if with_page else b""
    return len(head).to_bytes(_HEAD, "little") + head + tail


def entry_facts(blob: bytes | memoryview) -> tuple[PageFacts, tuple]:
    """(facts, diagnostics as tuples) of a page's entry; raises on a
    malformed one (the caller parses the page again)."""
    size = int.from_bytes(blob[:_HEAD], "little")
    if size > len(blob) - _HEAD:
        raise ValueError("not a page entry")
    facts, diagnostics = loads(blob[_HEAD:_HEAD + size])
    if not isinstance(facts, tuple) or not isinstance(diagnostics, tuple):
        raise TypeError("not a page entry")
    return PageFacts._make(facts), diagnostics


def split_entry(blob: bytes | memoryview) -> tuple[bytes | memoryview, bytes | memoryview]:
    """A :func:`page_entry` as the store keeps it: (its facts part, which
    :func:`entry_facts` reads, and its page part, empty without a page)."""
    size = int.from_bytes(blob[:_HEAD], "little")
    return blob[:_HEAD + size], blob[_HEAD + size:]


def entry_page(blob: bytes | memoryview, data: bytes,
               page_part: bytes | memoryview | None = None) -> tuple[Page | None, tuple, PageFacts]:
    """(page or None, diagnostics as tuples, facts) of a page's entry (one
    blob, or its two parts as :func:`split_entry` gives them: ``blob`` and
    ``page_part``) and the file's bytes; raises on a malformed entry or one
    without its page."""
    facts, diagnostics = entry_facts(blob)
    if page_part is None:
        page_part = split_entry(blob)[1]
    if not len(page_part):
        raise ValueError("page entry without its page")
    return thaw_page(loads(page_part), data), diagnostics, facts


def freeze_page(page: Page | None) -> bytes:
    """A parsed page without its text, pickled."""
    if page is None:
        return dumps((None, 0))
    shell = copy.copy(page)
    source, body = page.source, page.body
    start = len(source) - len(body)
    if source.endswith(body):
        shell.body = ""
    else:  # not expected: keep the body itself
        start = -1
    shell.source = ""
    return dumps((shell, start))


def thaw_page(value: Any, data: bytes) -> Page | None:
    """The page of :func:`freeze_page`'s value and the file's bytes; raises
    on a malformed value."""
    shell, start = value
    if shell is None:
        return None
    if not isinstance(shell, Page) or not isinstance(start, int):
        raise TypeError("not a stored page")
    text = data.decode("utf-8-sig")
    shell.source = text
    if start >= 0:
        shell.body = text[start:]
    return shell


def freeze_bib(loaded: tuple[list[Reference], list[Diagnostic]]) -> bytes:
    """A BibTeX file's entry: its records and diagnostics."""
    return dumps(loaded)


def thaw_bib(value: Any) -> tuple[list[Reference], list[Diagnostic]]:
    """The inverse of :func:`freeze_bib` (after :func:`~ossref.load.store.loads`);
    raises on a malformed value."""
    refs, problems = value
    if not isinstance(refs, list) or not all(isinstance(r, Reference) for r in refs):
        raise TypeError("not a stored BibTeX file")
    return refs, list(problems)
