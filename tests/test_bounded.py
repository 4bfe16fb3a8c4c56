"""Hostile input costs bounded time and memory (issue #11, part A).

Each named case is an input that once broke ossref: it must now give a
diagnostic with a file and line, never an exception or exit code 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MKDOCS_YML, check_json, run
from test_hardening import project, rows
from ossref.load.frontmatter import parse_frontmatter

REPO = Path(__file__).resolve().parent.parent


# ============================================================================ 1. nesting depth

#: The input of issue #11: a quote inside a plain scalar hid 900 levels of
#: brackets from the old text-based depth estimate.
QUOTED_BOMB = "---\ncondition: Alpha lesion\nhide: [a-'b, " + "[" * 900 + "]" * 900 + "]\n---\n\nText.\n"


@pytest.mark.parametrize("no_cache", [False, True])
def test_quote_in_a_plain_scalar_cannot_hide_nesting(tmp_path: Path, monkeypatch, no_cache: bool) -> None:
    if no_cache:
        monkeypatch.setenv("OSSREF_NO_CACHE", "1")
    root = project(tmp_path, {"alpha-lesion.md": QUOTED_BOMB})
    code, data = check_json(root)
    assert code == 1
    # Line 3 holds `hide: [a-'b, ` (13 columns); with the top mapping and the
    # outer list, the 19th "[" after it opens level 21.
    assert ("content/alpha-lesion.md", 3, 13 + 19, "yaml-syntax") in rows(data)
    assert any("nested more than 20" in d["message"] for d in data["diagnostics"])
    code, out, err = run(["build", "--root", str(root), "--site-dir", str(tmp_path / "site")])
    assert code == 1 and "internal error" not in err, err


@pytest.mark.parametrize("text", [
    "hide: [a-'b, " + "[" * 50 + "]" * 50 + "]",  # ' inside a plain scalar
    'hide: [a"b, ' + "[" * 50 + "]" * 50 + "]",  # " inside a plain scalar
    "hide: [it's, '" + "[" * 3 + "', " + "{a: " * 50 + "}" * 50 + "]",  # a real quoted scalar before
    "hide:\n  " + "- " * 50 + "x",  # compact block sequences
    "hide:\n" + "".join("  " * i + "- \n" for i in range(50)) + "  " * 50 + "x",
    "hide: " + "{? " * 50 + "x" + " : y}" * 50,  # complex keys
    "".join("  " * i + "? k\n" + "  " * i + ":\n" for i in range(50)) + "  " * 50 + "x",
    "hide: # ['\n" + "".join("  " * i + f"k{i}: # '\"\n" for i in range(1, 50)) + "  " * 50 + "x",
])
def test_every_kind_of_nesting_counts(text: str) -> None:
    fm = parse_frontmatter("---\n" + text + "\n---\n", "content/x.md", 64_000, 20)
    assert not fm.ok and fm.data == {}
    assert [d.code for d in fm.diagnostics if "nested more than 20" in d.message] == ["yaml-syntax"]


def _scalar(flow: bool):
    plain = st.sampled_from(["a-'b", 'a"b', "x'", "it's", "a#b", "q\"'"])
    single = st.sampled_from(["'['", "'{ ] ''x'", "'[[['"])
    double = st.sampled_from(['"["', '"]}\\""', '"a\' [ {"'])
    # Plain in block context only; "x]:y", not "x]: y", which is a mapping (a level more).
    block_only = st.sampled_from(["a, [b", "x]:y"]) if not flow else st.nothing()
    return st.one_of(plain, single, double, block_only)


@st.composite
def nested_yaml(draw, levels: int) -> str:
    """A YAML value nested ``levels`` deep, each level in a randomly chosen
    flow or block form, with scalars that quote in every way (or seem to)."""

    def node(n: int, flow: bool, indent: int) -> str:
        if n == 0:
            return draw(_scalar(flow))
        pad = " " * (indent + 2)
        forms = ["seq", "map", "qkey"] + ([] if flow else ["bseq", "cseq", "bmap", "bqkey"])
        form = draw(st.sampled_from(forms))
        if form == "seq":
            return "[" + draw(_scalar(True)) + ", " + node(n - 1, True, indent) + "]"
        if form == "map":
            return "{k: " + node(n - 1, True, indent) + "}"
        if form == "qkey":
            return "{? " + node(n - 1, True, indent) + " : v}"
        if form == "bseq":
            return "-\n" + pad + node(n - 1, False, indent + 2)
        if form == "cseq":  # compact: `- - x`, `- k:`, `- ?` on the item's own line
            return "- " + node(n - 1, False, indent + 2)
        if form == "bmap":
            return "k:\n" + pad + node(n - 1, False, indent + 2)
        return "?\n" + pad + node(n - 1, False, indent + 2) + "\n" + " " * indent + ": v"

    return "v:\n  " + node(levels, False, 2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), limit=st.integers(2, 25), extra=st.integers(-3, 40))
def test_generated_nesting_is_bounded_whatever_the_quoting(data, limit: int, extra: int) -> None:
    levels = max(0, limit + extra)
    text = data.draw(nested_yaml(levels))
    depth = levels + 1  # the top-level mapping is a level too
    fm = parse_frontmatter("---\n" + text + "\n---\n", "content/x.md", 10**6, limit)
    deep = [d for d in fm.diagnostics if "nested more than" in d.message]
    if depth > limit:
        assert [d.code for d in deep] == ["yaml-syntax"] and not fm.ok and fm.data == {}
    else:
        assert deep == [] and list(yaml.parse(text, Loader=yaml.SafeLoader))  # the generator writes valid YAML
        assert all(d.code == "yaml-syntax" and "key must be plain text" in d.message for d in fm.diagnostics)


def test_a_thousand_levels_cost_no_recursion_in_a_child_process(tmp_path: Path) -> None:
    """Run where a crash would show as a signal: nothing downstream (cache
    pickling, the facts snapshot, rendering) ever sees more than the limit."""
    root = project(tmp_path, {"alpha-lesion.md": QUOTED_BOMB.replace("900", "9000")})
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for argv in (["check"], ["check"], ["build", "--site-dir", str(tmp_path / "site")]):
        done = subprocess.run([sys.executable, "-m", "ossref", *argv, "--root", str(root)],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 1 and "internal error" not in done.stderr, done.stderr[-2000:]
        assert "nested more than 20" in done.stdout + done.stderr


def test_the_depth_option_cannot_be_raised_to_where_code_recurses(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": "# A\n"})
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "    max_yaml_depth: 5000\n")
    code, out, err = run(["check", "--root", str(root)])
    assert code == 2 and "max_yaml_depth must be at most 100" in err


# ============================================================================ 6. findings per file

#: 60 KB of front matter in which every line is an error of its own.
YAML_ERRORS = "---\n" + "- *x\n" * 12_000 + "---\n\nText.\n"


def test_sixty_kilobytes_of_yaml_errors_give_fifty_lines_and_one_count(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": YAML_ERRORS})
    code, data = check_json(root)
    syntax = [d for d in data["diagnostics"] if d["path"] == "content/alpha-lesion.md" and d["code"] == "yaml-syntax"]
    assert code == 1 and len(syntax) == 51
    assert [d["line"] for d in syntax[:50]] == list(range(2, 52)) and syntax[50]["line"] == 52
    assert "11,950 more `yaml-syntax` findings" in syntax[50]["message"] and "lines 52-12001" in syntax[50]["message"]
    assert data["summary"]["suppressed"] == 11_950
    for fmt, prefix in (("text", "content/alpha-lesion.md:"), ("github", "::error file=content/alpha-lesion.md,")):
        code, out, _ = run(["check", "--root", str(root), "--format", fmt])
        lines = [line for line in out.splitlines() if line.startswith(prefix)]
        assert code == 1 and len(lines) == 51 and "11,950 more" in lines[-1], fmt
        assert "11,950 more findings counted but not listed" in out.splitlines()[-1] if fmt == "text" else True


def test_every_rule_is_capped_once_even_when_a_reader_capped_first(tmp_path: Path) -> None:
    """bibliography caps its own findings early; the pipeline's cap merges,
    it does not count a summary as one more finding."""
    from ossref.check.rules import cap_per_code, suppressed_count
    from ossref.diagnostics import diag

    many = [diag("a.bib", i, 1, "bib-syntax", f"x{i}") for i in range(1, 301)]
    once = cap_per_code(many)
    assert cap_per_code(once) == once and suppressed_count(once) == 250
    more = once + [diag("a.bib", 400, 2, "bib-syntax", "late")]
    twice = cap_per_code(more)
    assert len(twice) == 51 and suppressed_count(twice) == 251 and "lines 51-400" in twice[-1].message


# ============================================================================ 3. hints


def _bib(keys: list[str]) -> dict[str, str]:
    records = [f"@misc{{{key},\n  title = {{Work}},\n  url = {{https://example.org/{key}}},\n}}\n" for key in keys]
    return {f"refs{n}.bib": "".join(records[n:n + 5_000]) for n in range(0, len(records), 5_000)}


def test_suggester_work_is_bounded_per_question_whatever_the_number_of_choices() -> None:
    from ossref.text.suggest import WORK_PER_QUESTION, Suggester

    keys = [f"author{i:05d}study" for i in range(20_000)]
    suggester = Suggester(keys)
    worst = 0
    for i in range(0, 10_000):
        before = suggester.work
        close = suggester.closest(f"author{i:05d}stduy", cutoff=0.7)
        worst = max(worst, suggester.work - before)
        assert close == f"author{i:05d}study", i
    assert worst <= WORK_PER_QUESTION and suggester.work <= 10_000 * WORK_PER_QUESTION
    # Questions and choices of any length cost the same.
    long = Suggester(["x" * 60_000 + str(i) for i in range(1_000)])
    long.closest("x" * 60_000)
    assert long.work <= WORK_PER_QUESTION


def test_suggester_keeps_the_old_answers_on_small_sets() -> None:
    import difflib

    from ossref.text.suggest import Suggester

    words = ["condition", "aliases", "summary", "tags", "updated", "differentials", "references"]
    for question in ["conditon", "alias", "sumary", "tag", "update", "differential", "refs", "zzz", ""]:
        expected = difflib.get_close_matches(question, words, n=1, cutoff=0.6)
        assert Suggester(words).closest(question) == (expected[0] if expected else None), question


def test_ten_thousand_unknown_citations_compute_hints_only_for_the_reported(tmp_path: Path, monkeypatch) -> None:
    import ossref.text.suggest

    calls: list[str] = []
    closest = ossref.text.suggest.Suggester.closest
    monkeypatch.setattr(ossref.text.suggest.Suggester, "closest",
                        lambda self, q, cutoff=0.6, **kw: calls.append(q) or closest(self, q, cutoff, **kw))
    body = " ".join(f"[@author{i:05d}stduy]" for i in range(10_000))
    root = project(tmp_path, {"alpha-lesion.md": "---\ncondition: Alpha lesion\n---\n\n" + body + "\n"},
                   _bib([f"author{i:05d}study" for i in range(20_000)]))
    code, data = check_json(root)
    cites = [d for d in data["diagnostics"] if d["code"] == "unknown-citation"]
    assert code == 1 and len(cites) == 51 and "9,950 more" in cites[-1]["message"]
    assert cites[0]["hint"] == "did you mean `author00000study`?"
    assert all(d["hint"] == f"did you mean `author{i:05d}study`?" for i, d in enumerate(cites[:50]))
    assert len(calls) == 50


def test_six_thousand_broken_links_to_an_entry_with_five_thousand_aliases(tmp_path: Path, monkeypatch) -> None:
    import ossref.text.suggest

    calls: list[str] = []
    closest = ossref.text.suggest.Suggester.closest
    monkeypatch.setattr(ossref.text.suggest.Suggester, "closest",
                        lambda self, q, cutoff=0.6, **kw: calls.append(q) or closest(self, q, cutoff, **kw))
    names = ", ".join(f"L{i:04d}" for i in range(5_000))  # 35 KB: front matter holds at most 64
    pages = {
        "alpha-lesion.md": f"---\ncondition: Alpha lesion\naliases: [{names}]\n---\n\n# Alpha\n",
        "beta-lesion.md": "---\ncondition: Beta lesion\n---\n\n"
                          + " ".join(f"[[L{i:04d}x]]" for i in range(6_000))
                          + "".join(f"\n[[alpha-lesion#imagng{i}]]" for i in range(3_000)) + "\n",
    }
    code, data = check_json(project(tmp_path, pages))
    broken = [d for d in data["diagnostics"] if d["code"] == "broken-link"]
    assert code == 1 and len(broken) == 51 and "8,950 more" in broken[-1]["message"]
    assert [d["hint"] for d in broken[:50]] == [f"did you mean `l{i:04d}`?" for i in range(50)]
    assert len(calls) == 50


# ============================================================================ 5. invisible text

#: The characters of issue #11 that passed `check --strict`.
INVISIBLE_CHARS = ["\u0080", "\u0085", "\u009b", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
                   "\u061c", "\U000e0041", "\u3164", "\u200c", "\u200d", "\u115f", "\u1160", "\uffa0"]


@pytest.mark.parametrize("char", INVISIBLE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_are_refused_in_front_matter_and_reported_in_bodies(tmp_path: Path, char: str) -> None:
    page = (f"---\ncondition: Alpha lesion\nsummary: A{char}B\n---\n\n"
            f"Prose{char}here.\n\n```\ncode{char}\n```\n\n    indented{char}\n")
    root = project(tmp_path, {"alpha-lesion.md": page, "beta-lesion.md": "---\ncondition: Beta\n---\n\nOK.\n"}, {})
    code, out, _ = run(["check", "--root", str(root), "--strict"])
    assert code == 1
    _, data = check_json(root)
    unsafe = [r for r in rows(data) if r[3] == "unsafe-text"]
    assert unsafe == [("content/alpha-lesion.md", 3, 11, "unsafe-text"), ("content/alpha-lesion.md", 6, 6, "unsafe-text"),
                      ("content/alpha-lesion.md", 9, 5, "unsafe-text"), ("content/alpha-lesion.md", 12, 13, "unsafe-text")]
    assert all(f"U+{ord(char):04X}" in d["message"] for d in data["diagnostics"] if d["code"] == "unsafe-text")
    assert not [r for r in rows(data) if r[0] == "content/beta-lesion.md"]  # one bad file harms no other


def test_a_leading_bom_stays_allowed(tmp_path: Path) -> None:
    root = project(tmp_path, {"alpha-lesion.md": "\ufeff---\ncondition: Alpha lesion\n---\n\nText.\n"}, {})
    code, out, _ = run(["check", "--root", str(root), "--strict"])
    assert code == 0 and out.startswith("0 errors, 0 warnings"), out


def test_escapes_in_double_quoted_yaml_cannot_smuggle_invisible_characters(tmp_path: Path) -> None:
    page = '---\ncondition: "Alpha\\u200b lesion"\nsummary: "bell \\a"\n---\n\nText.\n'
    root = project(tmp_path, {"alpha-lesion.md": page})
    code, data = check_json(root)
    assert code == 1
    assert [r for r in rows(data) if r[3] == "unsafe-text"] == [("content/alpha-lesion.md", 2, 12, "unsafe-text"),
                                                               ("content/alpha-lesion.md", 3, 10, "unsafe-text")]


def test_names_differing_only_by_invisible_characters_are_duplicates(tmp_path: Path) -> None:
    pages = {
        "alpha-lesion.md": "---\ncondition: Myositis ossificans\n---\n\nText.\n",
        "beta-lesion.md": "---\ncondition: Myositis\u200b ossificans\n---\n\nText.\n",
        "gamma-lesion.md": "---\ncondition: \u200fMyositis ossificans\n---\n\nText.\n",
        "delta-lesion.md": "---\ncondition: Other\naliases: [\"MYOSITIS\u00ad OSSIFICANS\"]\n---\n\nText.\n",
    }
    _, data = check_json(project(tmp_path, pages))
    dupes = [r for r in rows(data) if r[3] == "duplicate-entry"]
    assert dupes == [("content/beta-lesion.md", 2, 12, "duplicate-entry"),
                     ("content/delta-lesion.md", 3, 11, "duplicate-entry"),
                     ("content/gamma-lesion.md", 2, 12, "duplicate-entry")]
    message = next(d["message"] for d in data["diagnostics"] if d["path"] == "content/beta-lesion.md"
                   and d["code"] == "duplicate-entry")
    assert "Myositis\\u200b ossificans" in message  # the invisible character is shown, not printed


@pytest.mark.parametrize("lookalike", ["Myositis \u043essificans", "Myositis \u03bfssificans", "\u041cyositis ossificans"],
                         ids=["cyrillic-o", "greek-omicron", "cyrillic-capital-em"])
def test_names_that_look_alike_in_another_script_are_a_warning(tmp_path: Path, lookalike: str) -> None:
    pages = {"alpha-lesion.md": "---\ncondition: Myositis ossificans\n---\n\nText.\n",
             "zeta-lesion.md": f"---\ncondition: {lookalike}\n---\n\nText.\n"}
    code, data = check_json(project(tmp_path, pages))
    found = [(r, d["severity"]) for r, d in zip(rows(data), data["diagnostics"]) if r[3] == "confusable-name"]
    assert code == 0 and found == [(("content/zeta-lesion.md", 2, 12, "confusable-name"), "warning")]
    assert [r for r in rows(data) if r[3] == "duplicate-entry"] == []


def test_a_megabyte_of_zero_width_spaces_is_counted_not_listed(tmp_path: Path) -> None:
    page = "---\ncondition: Alpha lesion\n---\n\n" + ("x\u200b" * 100 + "\n") * 2_000  # 802 KB
    code, data = check_json(project(tmp_path, {"alpha-lesion.md": page}))
    unsafe = [d for d in data["diagnostics"] if d["code"] == "unsafe-text"]
    assert code == 1 and len(unsafe) == 51 and "199,950 more" in unsafe[-1]["message"]
    assert data["summary"]["suppressed"] == 199_950


def test_unknown_fields_get_hints_only_as_far_as_the_report_lists(monkeypatch) -> None:
    import ossref.text.suggest
    from ossref.check.rules import MAX_PER_CODE
    from ossref.load.schema import read_entry

    calls: list[str] = []
    closest = ossref.text.suggest.Suggester.closest
    monkeypatch.setattr(ossref.text.suggest.Suggester, "closest",
                        lambda self, q, cutoff=0.6, **kw: calls.append(q) or closest(self, q, cutoff, **kw))
    text = "---\ncondition: A\n" + "".join(f"sumary{i}: x\n" for i in range(3_000)) + "---\n"
    fm = parse_frontmatter(text, "content/a.md", 64_000, 20)
    _, found = read_entry(fm.data, fm.positions, "content/a.md")
    assert len(found) == 3_000 and len(calls) == MAX_PER_CODE
    assert found[0].hint == "did you mean `summary`?"
