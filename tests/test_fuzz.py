"""Fuzzing the whole checker, and the rendering of what passes it.

Contract, whatever a contributor's files hold:

* ``ossref check`` never raises and exits 0 or 1 (never 3, an internal error);
* every diagnostic is well formed: a relative path to a file of the project,
  ``1 <= line <=`` the file's number of lines, ``column >= 1``, a known rule
  code, a message;
* a page that passes the check renders (resolve -> render -> Python-Markdown
  with the wiki's extensions) to HTML with nothing executable in it, even
  before the sanitizer, and certainly after it.

The generators are built from pieces of real syntax and of attacks, so most
examples are near misses rather than noise. Every test is derandomized and
keeps no example database, so CI runs the same examples every time; together
they take well under 30 s.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_BIB, MKDOCS_YML
from ossref.cli import main
from ossref.diagnostics import RULES

REPO = Path(__file__).resolve().parent.parent

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)



OTHER_PAGE = """---
condition: Other lesion
aliases: [OL]
differentials: [alpha lesion]
references: [alpha2020]
---

## Imaging

Seen on CT [@alpha2020].
"""


# ----------------------------------------------------------------------------- generators

_CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\u202e", "\u2066", "\u2028", "\x85", "\r", "\t", "\ufeff"]

_YAML_PIECES = [
    "condition", "aliases", "summary", "tags", "updated", "differentials", "references", "entry",
    "distinguishing", "title", "hide", "x", ": ", ":", "- ", "  ", "    ", "\n", "\n", "\n",
    "[", "]", "{", "}", ", ", "'", '"', "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ['ls']",
    "!!str ", "!foo ", "!!binary ", "? ", "|", ">-", "#", "...", "---", "%YAML 1.1", "2026-13-45",
    "2026-11-24", "1e999", "0x1F", "~", "null", "yes", "Alpha lesion", "OL", "alpha2020", "é", "😀",
    "[" * 30, "{a: " * 25, "a" * 200,
] + _CONTROL

_BODY_PIECES = [
    "text ", "\n", "\n\n", "# ", "## Imaging", "### ", "- ", "1. ", "> ", "    ", "\t", "| a | b |\n|---|---|\n",
    "[@alpha2020]", "[@alpha2020, p. 3]", "[@missing]", "[@a; @b]", "[[Other lesion]]", "[[ol#imaging]]",
    "[[nope]]", "[x](other-lesion.md)", "[x](other-lesion.md#imaging)", "[x](../../etc/passwd.md)",
    "[x](javascript:alert(1))", "[x](<java\nscript:alert(1)>)", "<javascript:alert(1)>", "[r]: vbscript:x\n",
    "<b>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- c -->", "<!--", "-->",
    "`", "``", "```", "```\n", "~~~\n", "{: .x}", "{#id}", "{onclick=x}", "*", "**", "_", "&amp;", "&#106;",
    "!!! note\n", "??? note\n", "[^1]", "[^1]: n\n", "Term\n:   def\n", "[", "]", "(", ")", "\\", "<", ">",
    "https://example.org", "---\n", "===\n", "é", "😀",
] + _CONTROL

_BIB_PIECES = [
    "@article{", "@book{", "@string{", "@comment{", "@preamble{", "@misc(", "@{", "@", "key2020", "alpha2020",
    "ALPHA2020", ",", ",\n", "\n", "  ", "title = ", "doi = ", "pmid = ", "url = ", "isbn = ", "journal = ",
    "{", "}", "{A study}", '"', '"quoted"', "#", " # ", "j", "jan", "10.1000/x", "10.1000/alpha.2020",
    "12345678", "notanumber", "https://example.org", "javascript:alert(1)", "%", "% comment\n", "=", "junk",
    "\\\"{u}", "{\\'e}", "é",
] + _CONTROL


def _joined(pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


FRONT_MATTER = _joined(_YAML_PIECES, 40)
BODY = _joined(_BODY_PIECES, 40)
BIB = _joined(_BIB_PIECES, 60)


# ----------------------------------------------------------------------------- harness


def _write_project(root: Path, page: str, bib: str | bytes) -> None:
    (root / "content").mkdir(parents=True)
    (root / "citations").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "content" / "alpha-lesion.md").write_text(page, encoding="utf-8", errors="surrogatepass")
    (root / "content" / "other-lesion.md").write_text(OTHER_PAGE)
    (root / "citations" / "good.bib").write_text(GOOD_BIB)
    data = bib if isinstance(bib, bytes) else bib.encode("utf-8", "surrogatepass")
    (root / "citations" / "fuzz.bib").write_bytes(data)


def _check(root: Path) -> tuple[int, dict]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"OSSREF_NO_CACHE": "1", "OSSREF_JOBS": "1"}):
        code = main(["check", "--root", str(root), "--format", "json"], out=out, err=err)
    assert err.getvalue() == "", err.getvalue()
    assert code in (0, 1), code
    return code, json.loads(out.getvalue())


def _line_count(path: Path) -> int:
    """Lines of a file, generously: "\\n" ends a line, and so do a lone "\\r"
    (BibTeX files are read with it as a line end)."""
    text = path.read_bytes().decode("utf-8", "replace")
    return max(text.count("\n"), text.replace("\r\n", "\n").replace("\r", "\n").count("\n")) + 1


def assert_well_formed(root: Path, data: dict) -> None:
    lines: dict[str, int] = {}
    for d in data["diagnostics"]:
        path = d["path"]
        assert not os.path.isabs(path) and ".." not in path.split("/") and "\\" not in path, d
        target = root / path
        assert target.is_file() or target.is_dir() or target.is_symlink(), d
        if path not in lines:
            lines[path] = _line_count(target) if target.is_file() and not target.is_symlink() else 1
        assert 1 <= d["line"] <= lines[path], (d, lines[path])
        assert d["column"] >= 1, d
        assert d["code"] in RULES, d
        assert d["severity"] in ("error", "warning"), d
        assert d["message"].strip(), d
    assert set(data["summary"]) >= {"errors", "warnings", "entries", "references"}


def _page(front_matter: str, body: str) -> str:
    return f"---\n{front_matter}\n---\n{body}"


# ----------------------------------------------------------------------------- the checker never fails


@FUZZ
@given(FRONT_MATTER, BODY)
def test_fuzzed_front_matter_is_reported_well_formed(front_matter: str, body: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_project(root, _page("condition: Alpha lesion\n" + front_matter, body), GOOD_BIB.replace("alpha", "zeta"))
        _, data = _check(root)
        assert_well_formed(root, data)


@FUZZ
@given(BODY, st.integers(0, 3))
def test_fuzzed_bodies_are_reported_well_formed(body: str, blank: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fm = "condition: Alpha lesion\ndifferentials: [other lesion]\nreferences: [alpha2020]"
        _write_project(root, _page(fm, "\n" * blank + body), "")
        _, data = _check(root)
        assert_well_formed(root, data)


@FUZZ
@given(BIB, st.sampled_from(["", "\ufeff", "\r\n"]))
def test_fuzzed_bibtex_is_reported_well_formed(bib: str, prefix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fm = "condition: Alpha lesion\ndifferentials: [other lesion]\nreferences: [alpha2020]"
        _write_project(root, _page(fm, "Text [@alpha2020].\n"), prefix + bib)
        _, data = _check(root)
        assert_well_formed(root, data)
        # Every record is either loaded or reported: a fuzzed file with text
        # in it that loads nothing has at least one finding in that file.
        fuzz = [d for d in data["diagnostics"] if d["path"] == "citations/fuzz.bib"]
        if bib.strip(" \n\t\r") and "@" in bib and data["summary"]["references"] == 1:
            assert fuzz or not re.search(r"@\s*\w", bib), bib


@settings(FUZZ, max_examples=40)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_arbitrary_bytes_are_reported_well_formed(page: bytes, bib: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_project(root, "", bib)
        (root / "content" / "alpha-lesion.md").write_bytes(page)
        _, data = _check(root)
        assert_well_formed(root, data)


# ----------------------------------------------------------------------------- nothing executable is rendered


def _wiki_extensions() -> tuple[list[str], dict]:
    """The markdown_extensions of the wiki's own mkdocs.yml."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    names: list[str] = []
    configs: dict = {}
    for item in config["markdown_extensions"]:
        if isinstance(item, dict):
            (name, options), = item.items()
            names.append(name)
            configs[name] = options or {}
        else:
            names.append(item)
    return names, configs


_BAD_TAGS = {"script", "iframe", "object", "embed", "svg", "style", "math", "form", "base", "meta", "link"}
_BAD_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.I)


class _Executable(HTMLParser):
    """Lists what a browser would run in an HTML fragment: script-capable
    elements, event-handler attributes, and script or data URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BAD_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                cleaned = re.sub(r"[\t\n\r]", "", value)
                if _BAD_URL.match(cleaned):
                    self.found.append(f"{tag} {name}={value!r}")


def executable(fragment: str, literal: bool = False) -> list[str]:
    """What would run in ``fragment``, parsed as a browser would (comments
    are inert). With ``literal``, also any mention of a script-capable tag,
    comments included: the sanitizer's output has none at all."""
    parser = _Executable()
    parser.feed(fragment)
    parser.close()
    found = parser.found
    if literal:
        lowered = fragment.lower()
        found += [tag for tag in ("<script", "<iframe", "<object", "<embed", "<svg", "<style") if tag in lowered]
    return found


_HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "[x](javascript:alert(1))",
    "<svg onload=alert(1)>", '" onmouseover="alert(1)', "' onfocus='alert(1)", "`<b>`", "*a*", "_b_", "[[x]]",
    "{: onclick=alert(1)}", "&#106;avascript:", "&lt;script&gt;", "<!--", "-->", "|", "\\", "$x$", "~~a~~",
    "${{x}}", "{{ config }}", "{% raw %}", "]]>", "<![CDATA[x]]>", "@alpha2020", "[@alpha2020]", "# h", "- i", "1. j",
    "!!! note", "???+ x", "[^1]", "<style>*{}</style>", "<iframe src=//e>", "é", "Ω",
]
HOSTILE_TEXT = st.lists(st.sampled_from(_HOSTILE + ["a", " ", "b"]), min_size=1, max_size=8).map("".join)

_SAFE_BODY_PIECES = [
    "Text ", "\n\n", "## Imaging\n\n", "### Sub ", "- item\n", "> quote\n\n", "[@alpha2020]", "[@alpha2020, p. 3]",
    "[[Other lesion]]", "[[ol|the other one]]", "[x](other-lesion.md#imaging)", "[x](https://example.org/a_(b))",
    "<https://example.org>", "`<script>alert(1)</script>`", "```html\n<script>alert(1)</script>\n```\n\n",
    "<!-- <script>alert(1)</script> -->", "&lt;b&gt;", "&amp;", "*em* ", "**strong** ", "`code` ",
    "| a | b |\n|---|---|\n| <1 | & |\n\n", "!!! note\n    Body [@alpha2020].\n\n", "[^1]\n\n[^1]: A note.\n\n",
    "Term\n:   Definition.\n\n", "\\<b\\>", "1 < 2 > 0 ", "a_b_c ", "\"quoted\" 'single' ", "---\n\n",
]
SAFE_BODY = st.lists(st.sampled_from(_SAFE_BODY_PIECES), max_size=20).map("".join)


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars


@settings(FUZZ, max_examples=60)
@given(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT, SAFE_BODY, HOSTILE_TEXT)
def test_pages_that_pass_the_check_render_nothing_executable(
    condition: str, alias: str, summary: str, tag: str, body: str, distinguishing: str
) -> None:
    render = pytest.importorskip("ossref.site.render")
    resolve_mod = pytest.importorskip("ossref.site.resolve")
    sanitize = pytest.importorskip("ossref.site.sanitize")
    from ossref.config import load_config
    from ossref.load.frontmatter import parse_frontmatter
    from ossref.pipeline import check

    front = "\n".join([
        f"condition: {_yaml_str('Alpha ' + condition)}",
        f"aliases: [{_yaml_str('A ' + alias)}]",
        f"summary: {_yaml_str(summary)}",
        f"tags: [{_yaml_str('t ' + tag)}]",
        "differentials:",
        "  - entry: other lesion",
        f"    distinguishing: {_yaml_str(distinguishing)}",
        "references: [alpha2020]",
    ])
    other = OTHER_PAGE.replace("differentials: [alpha lesion]", f"differentials: [{_yaml_str('Alpha ' + condition)}]")
    names, configs = _wiki_extensions()
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"OSSREF_NO_CACHE": "1", "OSSREF_JOBS": "1"}):
        root = Path(tmp)
        _write_project(root, _page(front, body + "\n\nSeen [@alpha2020].\n"), "")
        (root / "content" / "other-lesion.md").write_text(other)
        config = load_config(root)
        result = check(config)
        if result.errors:
            return  # refused: nothing is rendered
        staging = root / "staging"
        staging.mkdir()
        render.render_site(resolve_mod.resolve(result.project, config), config, staging)
        for staged in sorted(staging.rglob("*.md")):
            text = staged.read_text(encoding="utf-8")
            fm = parse_frontmatter(text, staged.name, 10**6, 50)
            html = markdown.markdown(fm.body, extensions=names, extension_configs=configs)
            # The first layer alone: the check and render's escaping.
            assert executable(html) == [], (staged.name, html)
            clean = sanitize.sanitize_html(html)
            assert executable(clean, literal=True) == [], (staged.name, clean)
