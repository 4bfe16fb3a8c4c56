"""Moved to :mod:`ossref.load.recover`: what an unreadable page still tells
is learnt from that one file, so it is the load stage's. Importable from
here too, for callers written before the move."""

from ossref.load.recover import RECOVER_MAX_LINES, partial_facts, recover_names, unread_facts  # noqa: F401

__all__ = ["RECOVER_MAX_LINES", "partial_facts", "recover_names", "unread_facts"]
