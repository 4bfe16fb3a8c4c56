"""Reporters: the only code that turns diagnostics into text.

Takes a :class:`~ossref.pipeline.CheckResult`; gives text, JSON, GitHub
annotations (:mod:`.formats`) or SARIF (:mod:`.sarif`), each written at once
(indented JSON by :mod:`.jsontext`).
"""
