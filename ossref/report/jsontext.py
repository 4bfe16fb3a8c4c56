"""Indented JSON text, fast: what ``json.dumps(value, indent=2,
ensure_ascii=False)`` gives, character for character.

The standard library encodes indented JSON in pure Python, one generator
step per token (1.7 s for the SARIF log of 40,000 findings); without
indentation it uses its C encoder. Here strings are escaped by the C
function the standard encoder uses, and the indentation is joined in one
pass over the value. ``tests/test_report_speed.py`` checks the output equals
``json.dumps``'s on reports and on generated values.
"""

from __future__ import annotations

from json import encoder as _encoder

__all__ = ["dumps", "string"]

#: The JSON text of a string, as json.dumps(ensure_ascii=False) escapes it
#: (the standard library's own function, in C when available).
string = _encoder.encode_basestring
_string = string
_float = float.__repr__
_int = int.__repr__
_INFINITY = float("inf")


def dumps(value: object) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` for a value of
    dicts with string keys, lists, tuples, strings, integers, floats,
    booleans and None (what the reports hold); a TypeError on anything else
    (non-string keys included, which ``json.dumps`` would convert)."""
    parts: list[str] = []
    _write(value, parts, "\n")
    return "".join(parts)


def _scalar(value: object) -> str | None:
    """The JSON text of a string, number, boolean or None; None otherwise."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (_INFINITY, -_INFINITY):
            return "Infinity" if value > 0 else "-Infinity"
        return _float(value)
    return None


def _write(value: object, parts: list[str], newline: str) -> None:
    """Append the text of ``value`` to ``parts``; ``newline`` is a line
    break with the indentation of the line ``value`` starts on."""
    text = _scalar(value)
    if text is not None:
        parts.append(text)
        return
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"keys must be str here, not {type(key).__name__}")
            text = _scalar(item)
            if text is not None:
                parts.append(f"{separator}{_string(key)}: {text}")
            else:
                parts.append(f"{separator}{_string(key)}: ")
                _write(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        separator = "[" + inner
        for item in value:
            text = _scalar(item)
            if text is not None:
                parts.append(separator + text)
            else:
                parts.append(separator)
                _write(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
