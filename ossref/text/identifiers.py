"""Validators and normalisers for bibliographic identifiers.

Every ``check_*`` function takes the identifier as written in the BibTeX
field and returns ``None`` when it is valid, else a short message saying what
is wrong, fit to follow "invalid DOI ...:". They never raise. Leading and
trailing whitespace is ignored; whitespace inside an identifier is an error.
LaTeX escapes (``{\\_}``, ``\\%``) are errors in DOIs and URLs: formatters
link identifiers verbatim, so an escape would end up in the link.

The ``normalize_*`` functions map the ways one identifier can be written to
one string, for duplicate detection; they do not validate.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Registrant code: "10." + at least four digits, optionally subdivided
# ("10.1000.10/..."). The suffix is any printable non-space text: real DOIs
# contain "<>;():" (SICI DOIs), so a narrower class rejects valid ones.
_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/[^\s\x00-\x1f\x7f]+")
_DOI_PREFIX = re.compile(r"(?i)(?:doi:\s*|https?://(?:dx\.)?doi\.org/)")
_WHITESPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PMID = re.compile(r"[1-9][0-9]{0,8}")
_PMCID = re.compile(r"PMC[1-9][0-9]{0,8}")
# Host names: letters (any script, for IDNs), digits, hyphens, dots; or an IPv6
# literal, which urlsplit hands back without its brackets.
_HOST = re.compile(r"(?:[^\W_]|[-.])+|[0-9a-fA-F:.]+")
# Characters never valid in a URL as written (RFC 3986 excludes them; "\\" in
# particular is what an undecoded LaTeX escape leaves behind).
_URL_FORBIDDEN = re.compile(r'[\s\x00-\x1f\x7f<>"\\{}|^`]')


def check_doi(s: str) -> str | None:
    """``10.<registrant>/<suffix>``: registrant of 4+ digits, suffix non-empty,
    no whitespace. A resolver prefix (``doi:``, ``https://doi.org/``) is refused:
    formatters add their own."""
    s = s.strip()
    if not s:
        return "empty DOI"
    if _WHITESPACE.search(s):
        return "contains whitespace"
    if _DOI_PREFIX.match(s):
        return f"write the bare DOI `{_DOI_PREFIX.sub('', s, count=1)}`, without the resolver prefix"
    if not s.startswith("10."):
        return "a DOI starts with `10.`"
    if "\\" in s or "{" in s or "}" in s:
        return "contains `\\` or braces: write the DOI as plain text (`_`, not `{\\_}`)"
    if _DOI.fullmatch(s) is None:
        if "/" not in s:
            return "no `/` between registrant code and suffix"
        if s.endswith("/"):
            return "empty suffix after `/`"
        if _CONTROL.search(s):
            return "contains a control character"
        return "registrant code after `10.` must be at least 4 digits"
    return None


def check_pmid(s: str) -> str | None:
    """A PubMed ID: 1 to 9 digits, not starting with 0."""
    s = s.strip()
    if not s:
        return "empty PMID"
    if _PMID.fullmatch(s):
        return None
    if s.isascii() and s.isdigit():
        return "must not start with 0" if s[0] == "0" else "more than 9 digits"
    return "a PMID is digits only, e.g. 4553946"


def check_pmcid(s: str) -> str | None:
    """A PubMed Central ID: ``PMC`` followed by digits (not starting with 0)."""
    s = s.strip()
    if not s:
        return "empty PMCID"
    if _PMCID.fullmatch(s):
        return None
    if s.isascii() and s.isdigit():
        return f"a PMCID starts with `PMC`: write `PMC{s}`"
    if s[:3].upper() == "PMC" and s[:3] != "PMC":
        return "write `PMC` in capitals"
    return "a PMCID is `PMC` followed by digits, e.g. PMC1234567"


def check_isbn(s: str) -> str | None:
    """ISBN-10 or ISBN-13 with a correct check digit; hyphens and single spaces
    may separate the digit groups."""
    s = s.strip()
    if not s:
        return "empty ISBN"
    if "," in s or ";" in s:
        return "one ISBN per field"
    if re.fullmatch(r"[0-9Xx]+(?:[- ][0-9Xx]+)*", s) is None:
        return "an ISBN is 10 or 13 digits, optionally separated by hyphens"
    digits = s.replace("-", "").replace(" ", "").upper()
    if len(digits) == 10:
        if "X" in digits[:9]:
            return "`X` can only be the last character of an ISBN-10"
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return None if total % 11 == 0 else "wrong check digit (ISBN-10)"
    if len(digits) == 13:
        if "X" in digits:
            return "an ISBN-13 has no `X`"
        if not digits.startswith(("978", "979")):
            return "an ISBN-13 starts with 978 or 979"
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return None if total % 10 == 0 else "wrong check digit (ISBN-13)"
    return f"{len(digits)} digits; an ISBN has 10 or 13"


def check_url(s: str) -> str | None:
    """An absolute ``http``/``https`` URL with a host, and nothing a URL may not
    hold as written (whitespace, control characters, ``\\``, ``<>"{}|^```)."""
    s = s.strip()
    if not s:
        return "empty URL"
    bad = _URL_FORBIDDEN.search(s)
    if bad:
        if _WHITESPACE.search(s):
            return "contains whitespace (one URL per field)"
        if "\\" in s or "{" in s or "}" in s:
            return "contains `\\` or braces (a LaTeX escape?): write the URL as plain text"
        if _CONTROL.search(s):
            return "contains a control character"
        return f"contains `{bad.group()}`: percent-encode it"
    try:
        parts = urlsplit(s)
        port_ok = parts.port is None or parts.port > 0
        host = parts.hostname or ""
    except ValueError:
        return "malformed host or port"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    if not s[len(parts.scheme) :].startswith("://"):
        return f"write `{parts.scheme}://` before the host"
    if not host:
        return "no host name"
    if not port_ok:
        return "malformed port"
    if _HOST.fullmatch(host) is None or host.startswith((".", "-")) or ".." in host:
        return f"malformed host name `{host}`"
    return None


def normalize_doi(s: str) -> str:
    """Lower-cased DOI without whitespace around it or a ``doi:`` /
    ``https://doi.org/`` / ``https://dx.doi.org/`` prefix (DOIs are
    case-insensitive)."""
    s = s.strip()
    s = _DOI_PREFIX.sub("", s, count=1) if _DOI_PREFIX.match(s) else s
    return s.strip().lower()


def normalize_pmid(s: str) -> str:
    """The PMID's digits without leading zeros or a ``PMID:`` prefix; the
    stripped input when it holds no PMID."""
    s = s.strip()
    if s[:5].upper() == "PMID:":
        s = s[5:].strip()
    if s.isascii() and s.isdigit():
        return str(int(s))
    return s
