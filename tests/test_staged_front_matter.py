"""Staged front matter: MkDocs' YAML reader gives back exactly what render staged.

render writes it as one line of JSON when JSON and YAML read it alike
(cheaper to write than PyYAML's block form), else as PyYAML dumps it; either
way the page's metadata, and so the built site, must be the same."""

from __future__ import annotations

import datetime as dt
import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ossref.site.markup import _DUMPER, _front_matter

# MkDocs' own pattern for front matter (mkdocs.utils.meta.YAML_RE) and its loader.
_YAML_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(staged: str) -> object:
    found = _YAML_RE.match(staged)
    assert found is not None and staged[found.end():] == "\n"
    return yaml.load(found.group(1), _LOADER)  # noqa: S506 - a safe loader


def _same(a: object, b: object) -> bool:
    """Equal with the same types all the way down (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b


def _old_form(data: dict) -> str:
    """The block YAML render staged before (and still does for what JSON cannot carry)."""
    return "---\n" + yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False,
                               default_flow_style=False, width=1 << 30) + "---\n\n"


# Text of every kind, hostile included: quotes, backslashes, controls, NEL and
# U+2028 (YAML line breaks), the BOM, lone surrogates, astral characters, and
# strings YAML would otherwise read as other types.
_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("\"\\'#:-[]{},&*!|>%@` \t\n\r\x00\x07\x1b\x7f\x85\xa0"
                                          "\u2028\u2029\ufeff\ufffe\ud800\U0001f600"))),
    st.sampled_from(["yes", "no", "on", "off", "null", "~", "1", "0x10", "1e3", "1.5", "2024-03-07", "---",
                     "...", "- a", "a: b", "&x", "*x", "!!python/object", "<script>", "&amp;"]),
)
_SCALAR = st.one_of(_TEXT, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.dates(min_value=dt.date(1900, 1, 1)))
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_TEXT, inner, max_size=4)), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_TEXT, _VALUE, min_size=1, max_size=6))
def test_staged_front_matter_reads_back_as_the_old_form_did(data: dict) -> None:
    def outcome(make) -> object:
        # A dump that raises (a lone surrogate libyaml cannot encode) or text
        # the reader refuses (MkDocs then drops the page's metadata) must
        # happen to both forms alike.
        try:
            return _read(make(data))
        except (yaml.YAMLError, UnicodeEncodeError) as exc:
            return type(exc)

    assert _same(outcome(_front_matter), outcome(_old_form)), data


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(), st.recursive(
    st.one_of(st.text(), st.integers(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(), inner, max_size=4)),
    max_leaves=12), min_size=1, max_size=6))
def test_staged_front_matter_gives_back_the_data(data: dict) -> None:
    staged = _front_matter(data)
    if staged.startswith("---\n{"):  # the JSON form: only for what reads back as itself
        assert _same(_read(staged), data), staged


def test_json_form_for_plain_metadata_and_block_form_otherwise() -> None:
    assert _front_matter({"title": "Home", "hide": ["toc"], "search": {"exclude": True}}) == \
        '---\n{"title": "Home", "hide": ["toc"], "search": {"exclude": true}}\n---\n\n'
    for awkward in ({"title": "a\u2028b"}, {"title": "\x7f"}, {"n": 1.5}, {"d": dt.date(2024, 3, 7)},
                    {"title": "\ufeffx"}, {"title": "tab\there"}):
        assert not _front_matter(awkward).startswith("---\n{"), awkward
        assert _same(_read(_front_matter(awkward)), awkward)
