"""Pagefind search (option ``search: pagefind``): mark pages, then index the built site.

Material's search ships one index of every page (19 MB gzipped for a
10,000-entry wiki), and a reader downloads all of it before the first result.
Pagefind splits its index into chunks by word, and page texts into fragments,
so a search fetches only the chunks of its own words and the fragments of the
results shown.

That alone does not keep a first search under 300 KB on a large wiki: Pagefind
stores every position of every word, so the chunk holding a word found all
over every page ("the", "of", "lesion"), and any rarer word that shares its
chunk, weighs hundreds of kilobytes up to a megabyte at 10,000 entries. So the
site gets two bundles:

- ``pagefind/``, searched first: what names a page, its title and its
  "Also known as" line. At 10,000 entries its whole index is under 200 KB in
  chunks of about 10 KB, so a first search by name or alias stays under
  300 KB, Pagefind's own code included.
- ``pagefind-text/``: the whole text of every page, searched only when the
  reader asks for it ("Search the full text of every page", the first item
  of the results).

Two halves, both called by the build:

- :func:`mark_body` runs on every indexed page body after the sanitizer (the
  adapter calls it), so these attributes come only from here; the sanitizer
  removes every ``data-*`` an author writes. It wraps the body in
  ``data-pagefind-body`` (Pagefind then indexes only pages that have one, and
  only that element, so the header, navigation, footer and edit button stay
  out), takes the title from the ``<h1>``, keeps the permalink signs out, weights
  the "Also known as" line like the title so that an alias (``OIH``) finds its
  entry first, and wraps the title and that line as the first bundle's region
  (whatever else the body holds, or gains later, stays out of it). The other
  spellings and the works cited go into metadata fields, which Pagefind (1.5
  and later) searches but never shows in an excerpt.
- :func:`mark_fragment` runs on ossref's generated HTML after the sanitizer
  (the build calls it when the deferred fragments are placed): the citation
  superscripts are left out of the index, so that no excerpt reads "bone 1 2
  forms" or "bone . The".
- :func:`index_site` runs the Pagefind binary (the ``pagefind[bin]`` wheel)
  twice on the finished temporary site folder, before it is swapped in. It
  prints nothing; on any failure it raises :class:`SearchFailed` with
  Pagefind's output, and the build keeps the previous site.

The search box is a theme override shipped in ``ossref/templates`` (see
:mod:`ossref.mkdocs.adapter`): Material's own search markup and styles, driven
by ``assets/ossref/search.js`` through Pagefind's JavaScript API, every URL
relative to the page, nothing fetched from another host.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["ALIAS_WEIGHT", "BUNDLE_DIR", "MATERIAL_FIELDS", "META_KEY", "NAMES", "PAGEFIND_FIELDS", "SPELLINGS",
           "TEXT_BUNDLE_DIR", "SearchFailed", "SearchStopped", "index_site", "mark_body", "mark_fragment",
           "material_records", "pagefind_executable", "search_meta", "spelling_variants", "words"]

#: Folders of the two bundles inside the site, as ``assets/ossref/search.js``
#: loads them: the names searched first, then on request the full text.
BUNDLE_DIR = "pagefind"
TEXT_BUNDLE_DIR = "pagefind-text"

#: Attribute of the element around a page's title and "Also known as" line:
#: the region of the first bundle (Pagefind's root for that run).
NAMES = "data-ossref-names"

#: Pagefind weight of the "Also known as" line: that of an ``<h1>`` (Pagefind's
#: default for headings of level 1), since an alias is another name of the
#: condition. Body text weighs 1.
ALIAS_WEIGHT = 7

#: Pagefind metadata fields holding what else finds a page (the parts of
#: :func:`search_meta`), with the weights ``assets/ossref/search.js`` gives
#: them (Pagefind's ``ranking.metaWeights``): ``ossref_names``, the other
#: spellings of the title's and aliases' words, weighs what Pagefind's title
#: does (5), so that "haematoma" ranks its entry as "hematoma" does;
#: ``ossref_terms``, the other spellings of the body's words and the works it
#: cites, what body text does (1). Pagefind searches metadata but builds
#: excerpts from the page's text only, so these words find the page and are
#: never shown in a result: a result found by them alone shows the page's
#: start.
PAGEFIND_FIELDS = {"names": ("ossref_names", 5.0), "terms": ("ossref_terms", 1.0)}

#: Longest a Pagefind run may take, in seconds, before the build fails: the
#: full text of 10,000 entries takes 25 to 70 s on two cores.
TIMEOUT_SECONDS = 900

#: Files of Pagefind's bundle that the search box never loads: Pagefind's own
#: ready-made interfaces. Removed, so the site ships only what it uses.
UNUSED_BUNDLE_FILES = re.compile(r"pagefind-(ui|component-ui|modular-ui|highlight)\.(js|css)")

#: How often ``index_site(stop=...)`` asks whether to stop, in seconds.
_STOP_POLL_SECONDS = 0.2

#: Lines of Pagefind's output kept in a failure message.
_OUTPUT_LINES = 20

# A comment, or a start or end tag, of the sanitizer's output. nh3 writes
# every attribute value in double quotes, escapes `"` inside it and `<` in
# text, but leaves `<` raw inside attribute values and comments (the build's
# tokens for generated HTML are comments): scanning whole comments and tags
# from left to right (never searching for "<h1" as text) is what keeps a link
# title or a comment such as "<h1 onclick=..." from being mistaken for a tag.
_TAG = re.compile(r'<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*)\s*/?>', re.S)
_ALIASES_LEAD = "<strong>Also known as:</strong>"
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_HEADERLINK = re.compile(r'(?:^|\s)class="headerlink"')
# ossref's citation superscript (render.py): <sup class="ossref-cite" id=...>.
_CITATION = re.compile(r'(?:^|\s)class="(?:[^"]*\s)?ossref-cite(?:\s[^"]*)?"')


# --------------------------------------------------------------------------- what else a page is found by

#: British and American spellings of the same word start: a page holding a
#: word that starts with one spelling of a group is also found by the word
#: with each other spelling in its place ("haematomas" -> "hematomas",
#: "oedematous" -> "edematous"). Matched at the start of words only, so
#: "hemo" never touches "them". A wiki adds its own groups with option
#: ``extra.ossref.search_synonyms`` (a list of lists of words).
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("haemat", "hemat"), ("haemo", "hemo"), ("haemang", "hemang"), ("haemarthr", "hemarthr"),
    ("haemorrh", "hemorrh"), ("haemosider", "hemosider"), ("oedem", "edem"), ("oesophag", "esophag"),
    ("oestrogen", "estrogen"), ("anaem", "anem"), ("ischaem", "ischem"), ("leukaem", "leukem"),
    ("septicaem", "septicem"), ("paediatr", "pediatr"), ("orthopaed", "orthoped"), ("aetiolog", "etiolog"),
    ("anaesth", "anesth"), ("gynaecolog", "gynecolog"), ("diarrhoe", "diarrhe"), ("dyspnoe", "dyspne"),
    ("apnoe", "apne"), ("coeliac", "celiac"), ("caesarean", "cesarean"), ("faec", "fec"),
    ("tumour", "tumor"), ("fibre", "fiber"), ("centre", "center"), ("calibre", "caliber"),
    ("haemophil", "hemophil"), ("sulph", "sulf"), ("paraesthes", "paresthes"), ("manoeuvr", "maneuver"),
    ("localis", "localiz"), ("characteris", "characteriz"), ("minimis", "minimiz"), ("immobilis", "immobiliz"),
)

#: Front-matter key of a staged page holding what else finds it (see
#: :func:`search_meta`); the renderer writes it, an author's own front
#: matter never reaches MkDocs with it (only known keys are staged).
META_KEY = "ossref_search"

#: Fields added to Material's search index, with their boosts: ``names`` (the
#: condition and its aliases) weighs what a title does, so an exact alias finds
#: its own entry first; ``terms`` (other spellings, authors and titles of the
#: works cited) weighs what body text does. Never shown in results.
MATERIAL_FIELDS = {"names": 1000.0, "terms": 1.0}

#: Most distinct words a page's ``terms`` hold, so that a page citing
#: hundreds of works cannot grow the index without bound.
MAX_TERMS = 2000

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order, each once. Only letters
    and digits: nothing that means anything to HTML, YAML or a query."""
    text = text or ""
    if text.isascii():
        # The same words, lower-cased and apostrophes dropped once for the
        # whole text rather than word by word (a page's body is thousands of
        # words). Only for ASCII: lower-casing elsewhere can change how the
        # text splits into words ("\u0130" becomes "i" and a combining dot).
        return list(dict.fromkeys(_WORD.findall(text.lower()))) if "'" not in text else \
            list(dict.fromkeys(w.replace("'", "") for w in _WORD.findall(text.lower())))
    return list(dict.fromkeys(w.lower().replace("\u2019", "'").replace("'", "") for w in _WORD.findall(text)))


def spelling_variants(found: list[str], groups: tuple[tuple[str, ...], ...] = SPELLINGS) -> list[str]:
    """The other spellings of the words ``found`` (lower case) by ``groups``
    (see :data:`SPELLINGS`), not counting words already ``found``."""
    known = _variants_of(groups)
    have = set(found)
    out: dict[str, None] = {}
    for word in found:
        variants = known.get(word)
        if variants is None:
            if len(known) >= _MAX_KNOWN:  # a long ``ossref serve`` session: bounded memory
                known.clear()
            variants = known[word] = _variants(word, groups)
        for variant in variants:
            if variant not in have:
                out[variant] = None
    return list(out)


_MAX_KNOWN = 1 << 18


@functools.lru_cache(maxsize=8)
def _variants_of(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    # Word -> its other spellings, filled as words are met: a wiki's pages
    # share most of their words, so each is looked up once per process.
    return {}


def _variants(word: str, groups: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """Every other spelling of ``word`` by ``groups``, in the order
    :func:`spelling_variants` lists them."""
    starts, lengths = _starts(groups)
    out: list[str] = []
    for n in lengths:
        others = starts.get(word[:n]) if len(word) >= n else None
        if others:
            rest = word[n:]
            out += [other + rest for other in others]
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _starts(groups: tuple[tuple[str, ...], ...]) -> tuple[dict[str, tuple[str, ...]], tuple[int, ...]]:
    # Each spelling -> the other spellings of its groups, and the lengths to
    # look up: a few dictionary lookups a word instead of one test a spelling.
    starts: dict[str, dict[str, None]] = {}
    for group in groups:
        for start in group:
            others = starts.setdefault(start, {})
            others.update((o, None) for o in group if o != start)
    return {k: tuple(v) for k, v in starts.items()}, tuple(sorted({len(k) for k in starts}))


def search_meta(title: str, aliases: list[str], texts: list[str], cited: list[str],
                groups: tuple[tuple[str, ...], ...] = SPELLINGS) -> dict[str, str]:
    """What else finds a page, as :data:`META_KEY`'s value: ``names`` (its
    aliases, and the other spellings of its title's and aliases' words) and
    ``terms`` (the other spellings of the words of ``texts``, its body, and
    the words of ``cited``, the formatted works it cites), each a
    space-separated string of words (see :func:`words`). The title itself is
    not in ``names``: it is already indexed as the title, and counting it
    twice would rank a page whose title shares words with another page's
    alias above that page. Empty parts are left out."""
    alias_words = words(" ".join(aliases))
    name_words = words(" ".join([title, *aliases]))
    text_words = words(" ".join(texts))
    cited_words = words(" ".join(cited))
    names_out = list(dict.fromkeys(alias_words + spelling_variants(name_words, groups)))
    in_text = set(text_words)  # a page's body has thousands of words: a list here made this quadratic
    terms = [w for w in dict.fromkeys(spelling_variants(text_words + cited_words, groups) + cited_words)
             if w not in in_text]
    out = {}
    if names_out:
        out["names"] = " ".join(names_out)
    if terms:
        out["terms"] = " ".join(terms[:MAX_TERMS])
    return out


_PAGE_META = re.compile(r"[^\W_]+(?: [^\W_]+)*")
# Where a citation's superscript was left out of a search record's text
# ("sampled <sup>1</sup>. The" indexed as "sampled . The").
_CITATION_GAP = re.compile(r"(?<=\w) +(?=[.,;:!?](?:\s|<|$))")


def _meta_words(meta: object, part: str) -> str:
    """``meta[part]`` if it is words as :func:`search_meta` writes them, else ""."""
    value = meta.get(part) if isinstance(meta, dict) else None
    return value if isinstance(value, str) and _PAGE_META.fullmatch(value) else ""


def material_records(records: list[dict], meta: object) -> None:
    """Adjust one page's records of Material's search index in place: the
    first (the page itself) gets the :data:`MATERIAL_FIELDS` of ``meta`` (the
    page's :data:`META_KEY` value), and every text loses the space left
    before punctuation where a citation was."""
    for record in records:
        text = record.get("text")
        if isinstance(text, str):
            record["text"] = _CITATION_GAP.sub("", text)
    if records:
        for part in MATERIAL_FIELDS:
            value = _meta_words(meta, part)
            if value:
                records[0][part] = value


class SearchFailed(Exception):
    """Pagefind could not index the site; ``output`` holds what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class SearchStopped(SearchFailed):
    """``index_site``'s ``stop`` asked it to stop; the bundles are incomplete."""


def mark_body(html: str, meta: object = None) -> str:
    """Return a sanitized page body ``html`` marked for Pagefind.

    The whole body is wrapped in ``<div data-pagefind-body>``; the first
    top-level ``<h1>`` gets ``data-pagefind-meta="title"`` and, with the
    paragraph right after it when that starts with ``<strong>Also known
    as:</strong>`` (how entries list their aliases; it gets
    ``data-pagefind-weight``), is wrapped in ``<div data-ossref-names>``, the
    one region of the first bundle. Permalink anchors (``a.headerlink``, the
    toc extension's "¶") get ``data-pagefind-ignore``. Only real tags are
    changed, never text or attribute values; only these fixed attributes and
    the two wrappers are added.

    With ``meta`` (the page's :data:`META_KEY` value), its words are added
    as the :data:`PAGEFIND_FIELDS` metadata, each in a hidden element that
    Pagefind does not index as text (``data-pagefind-ignore``): ``names``
    inside the names region (so the first bundle searches them), ``terms``
    at the end of the body, so that the other spellings and the works cited
    find the page in Pagefind too, and never show in its excerpt."""
    inserts: list[tuple[int, str]] = []
    depth = 0
    # The names region: "title" until the first top-level <h1>, "in-title"
    # inside it, "after-title" up to the next top-level tag, "in-aliases"
    # inside an "Also known as" paragraph there, then "done".
    state = "title"
    names_end: int | None = None
    names_start = 0
    for tag in _TAG.finditer(html):
        if tag.group(2) is None:  # a comment
            continue
        name = tag.group(2).lower()
        if tag.group(1):
            depth -= name not in _VOID
            if depth == 0 and (state, name) in (("in-title", "h1"), ("in-aliases", "p")):
                names_end = tag.end()
                state = "after-title" if name == "h1" else "done"
            continue
        at = tag.start() + 1 + len(tag.group(2))
        if depth == 0 and state == "title" and name == "h1":
            inserts += [(tag.start(), f"<div {NAMES}>"), (at, ' data-pagefind-meta="title"')]
            names_start = tag.start()
            state = "in-title"
        elif depth == 0 and state == "after-title":
            state = "done"
            if (name == "p" and not html[names_end:tag.start()].strip()
                    and html.startswith(_ALIASES_LEAD, tag.end())):
                inserts.append((at, f' data-pagefind-weight="{ALIAS_WEIGHT}"'))
                state = "in-aliases"
        if name == "a" and _HEADERLINK.search(tag.group(3)):
            inserts.append((at, " data-pagefind-ignore"))
        depth += name not in _VOID and not tag.group(0).endswith("/>")
    names_words, terms_words = _meta_words(meta, "names"), _meta_words(meta, "terms")
    if names_end is not None:
        # Only the words the title and alias line do not show already.
        shown = set(words(_TAG.sub(" ", html[names_start:names_end])))
        hidden = " ".join(w for w in names_words.split() if w not in shown)
        if hidden:
            inserts.append((names_end, _hidden_field("names", hidden)))
        inserts.append((names_end, "</div>"))
    else:  # no <h1>, or one never closed (not in sanitized HTML): no names region
        inserts = [(i, text) for i, text in inserts if text != f"<div {NAMES}>"]
    out: list[str] = []
    done = 0
    for i, text in sorted(inserts, key=lambda item: item[0]):
        out += [html[done:i], text]
        done = i
    out.append(html[done:])
    if terms_words:
        out.append(_hidden_field("terms", terms_words))
    return "<div data-pagefind-body>" + "".join(out) + "</div>"


def _hidden_field(part: str, value: str) -> str:
    """``value`` (words only, see :func:`_meta_words`) as the Pagefind
    metadata field of ``part``: captured from the element's text, which is
    itself left out of the indexed text and hidden from readers."""
    return f'<div hidden data-pagefind-ignore data-pagefind-meta="{PAGEFIND_FIELDS[part][0]}"> {value}</div>'


def mark_fragment(html: str) -> str:
    """Return sanitized HTML that ossref generated (the deferred fragments of
    :mod:`ossref.site.deferred`) with every citation superscript, ``<sup
    class="ossref-cite">``, marked ``data-pagefind-ignore``: its numbers,
    locators and "reference" labels stay out of Pagefind's text and
    excerpts, and so does the anchor its ``id`` would make, which Pagefind
    reads as a break between words ("bone . The"). Only start tags found by
    scanning whole tags from left to right are changed, never text or
    attribute values.

    Only for generated HTML: the sanitizer keeps ``class`` on what authors
    write, so the class alone says nothing about a page body."""
    out: list[str] = []
    done = 0
    for tag in _TAG.finditer(html):
        if tag.group(2) is not None and not tag.group(1) and tag.group(2).lower() == "sup" \
                and _CITATION.search(tag.group(3)):
            at = tag.start() + 4
            out += [html[done:at], " data-pagefind-ignore"]
            done = at
    out.append(html[done:])
    return "".join(out)


def pagefind_executable() -> Path:
    """The Pagefind binary: ``PAGEFIND_BINARY_PATH`` if set, else the one in the
    ``pagefind_bin`` wheel (a dependency of ossref), else ``pagefind`` on PATH.
    Raises :class:`SearchFailed` when there is none."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None
    found = get_executable() if get_executable is not None else None
    if found is None:
        try:
            from pagefind_bin import get_executable as wheel_executable
            found = wheel_executable()
        except (ImportError, FileNotFoundError):
            found = None
    if found is None or not Path(found).is_file():
        raise SearchFailed(f"no Pagefind binary {'at ' + str(found) if found else 'found'}; "
                           "install it with: pip install 'pagefind[bin]>=1.5,<2'")
    return Path(found)


def index_site(site: Path, bundles: tuple[str, str] = (BUNDLE_DIR, TEXT_BUNDLE_DIR),
               stop: Callable[[], bool] | None = None) -> None:
    """Index the built site folder ``site`` with Pagefind: the pages' names
    into ``site/pagefind/``, their whole text into ``site/pagefind-text/``
    (``bundles`` names other subfolders for the two, to be renamed later).

    Only pages marked by :func:`mark_body` are indexed; Pagefind's ready-made
    interfaces (:data:`UNUSED_BUNDLE_FILES`) are removed. Prints nothing.
    Raises :class:`SearchFailed` (message and Pagefind's output) when the
    binary is missing, exits non-zero, times out, or leaves no index; the
    folder may then hold part of a bundle and must not be published.
    ``stop`` is asked a few times a second while Pagefind runs; when it says
    True, Pagefind is killed and :class:`SearchStopped` raised.
    """
    executable = pagefind_executable()
    _run(executable, site, bundles[0], stop, "--root-selector", f"[{NAMES}]")
    _run(executable, site, bundles[1], stop)


def _run(executable: Path, site: Path, bundle_dir: str, stop: Callable[[], bool] | None, *options: str) -> None:
    # Only the arguments decide what is indexed: no PAGEFIND_* variable of the
    # caller's environment, and no pagefind.yml of the current folder (the
    # site folder holds only what MkDocs wrote).
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND_")}
    command = [str(executable), "--site", ".", "--output-subdir", bundle_dir, *options]
    try:
        # Output goes to a file: a pipe left unread could fill and stall Pagefind.
        with tempfile.TemporaryFile() as log, subprocess.Popen(
                command, cwd=site, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT) as proc:
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while True:
                try:
                    proc.wait(timeout=_STOP_POLL_SECONDS if stop is not None else TIMEOUT_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if stop is not None and stop():
                    proc.kill()
                    raise SearchStopped("stopped")
                if time.monotonic() > deadline:
                    proc.kill()
                    log.seek(0)
                    raise SearchFailed(f"Pagefind took longer than {TIMEOUT_SECONDS} s", _text(log.read()))
            log.seek(0)
            output = _text(log.read())
    except OSError as exc:
        raise SearchFailed(f"Pagefind could not be started: {exc}") from None
    if proc.returncode != 0:
        raise SearchFailed(f"Pagefind exited with status {proc.returncode}", output)
    bundle = site / bundle_dir
    if not (bundle / "pagefind-entry.json").is_file() or not (bundle / "pagefind.js").is_file():
        raise SearchFailed(f"Pagefind wrote no search index into {bundle_dir}/", output)
    for path in bundle.iterdir():
        if UNUSED_BUNDLE_FILES.fullmatch(path.name) and path.is_file():
            path.unlink()


def _text(*parts: str | bytes | None) -> str:
    lines: list[str] = []
    for part in parts:
        if isinstance(part, bytes):
            part = part.decode("utf-8", "replace")
        lines += (part or "").splitlines()
    return "\n".join(line for line in lines[-_OUTPUT_LINES:] if line.strip())
