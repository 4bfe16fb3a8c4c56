"""The "export" corpus shape: a wiki whose references come from a reference manager.

Issue #15 measured ossref on a wiki unlike :mod:`generate`'s own: entries of
about 6 KB (10,000 of them, 62 MB of Markdown), 20,000 references in ONE
6.7 MB ``.bib`` file as Zotero (Better BibTeX) or JabRef exports a group
library (abstracts, keywords, ``file`` fields, month macros, braces
protecting capitals, many fields), many one-way differentials and prose
"Differential diagnosis" sections. :func:`generate_export` writes that shape,
scaled to N entries (2N records, about 335 bytes each on average; pages
of about 6.2 KB).

Unlike the "wiki" shape it does not check clean, as real wikis don't:
``ossref check`` reports warnings (``one-way-differential`` for most
differentials, ``unused-reference`` for the ~13% of records no entry lists,
``unverifiable-reference`` and ``bib-entry-type`` for the odd record) and no
error, so ``ossref build`` builds it. From 5,000 entries the one ``.bib``
file passes the default caps (``max_file_bytes`` 1 MB, ``max_bib_blocks``
10,000), so the corpus's mkdocs.yml raises them, as a library this size needs.

Standard library only; the output is a pure function of (N, seed, style,
:data:`generate.GENERATOR_VERSION`, :data:`EXPORT_VERSION`).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import generate as g

#: Bump when the export shape's output for given arguments changes.
EXPORT_VERSION = 1

#: Reference managers whose export format the ``.bib`` file follows.
STYLES = ("betterbibtex", "jabref")

#: Prose per body section of an export-shaped entry, in bytes, before the
#: last block's overshoot: pages come out at about 6.2 KB with front matter.
SECTION_BYTES = (580, 1020)

#: Caps the corpus's mkdocs.yml sets: one ``.bib`` of 2N records exceeds the
#: defaults from about 3,000 entries on (bytes) and 5,000 (``@`` signs).
CAPS = {"max_file_bytes": 16_000_000, "max_bib_blocks": 60_000}

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

#: MeSH-like keywords as Zotero imports them from PubMed (some with commas,
#: hence braces in a reader's eyes but plain text to BibTeX).
KEYWORDS = ["Adult", "Aged", "Female", "Male", "Humans", "Child", "Adolescent", "Middle Aged",
            "Retrospective Studies", "Magnetic Resonance Imaging", "Tomography, X-Ray Computed",
            "Ultrasonography", "Diagnosis, Differential", "Ossification, Heterotopic", "Myositis Ossificans",
            "Hematoma", "Calcinosis", "Soft Tissue Neoplasms", "Muscle, Skeletal", "Biopsy", "Radiography",
            "Treatment Outcome", "Follow-Up Studies", "Wounds and Injuries", "Sarcoma", "Bone Neoplasms"]
GIVEN_NAMES = """Maria Jose John David Anna Peter Michael Thomas Sarah Laura Daniel Elena Paul Mark
    Yuki Hiroshi Wei Min Jun Ana Carlos Luis Sofia Ahmed Fatima Priya Rahul Olga Ivan""".split()

ABSTRACT_STARTS = ["{{Background}}: ", "PURPOSE: ", "OBJECTIVE: ", "", "", "Introduction: "]
ABSTRACT_WORDS = """patients lesion lesions were was the of in and with on a an for by at as
    {MRI} {CT} T1-weighted T2-weighted imaging findings mass soft-tissue intramuscular
    ossification calcification biopsy histologic excision follow-up months years cases
    series retrospective reviewed median age range diagnosis differential mimic sarcoma
    hematoma 95\\% confidence interval {{Ki-67}} p<0.05 \\& trauma""".split()

#: Better BibTeX's "other" entry types that ossref does not know, as a
#: reference manager writes them for web pages and reports.
ODD_TYPES = ("online", "report")


def _camel(words: list[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


def _abstract(rng: random.Random, budget: int) -> str:
    words = [rng.choice(ABSTRACT_STARTS)]
    size = len(words[0])
    while size < budget:
        word = rng.choice(ABSTRACT_WORDS)
        words.append(word)
        size += len(word) + 1
    text = " ".join(words).strip()
    return text[:1].upper() + text[1:] + "."


def _author(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:  # a corporate author, braced so BibTeX does not split it
        return "{" + rng.choice(("World Health Organization", "Musculoskeletal Tumor Society",
                                 "ACR Appropriateness Criteria Panel")) + "}"
    surname = rng.choice(g.LATEX_SURNAMES) if rng.random() < 0.08 else rng.choice(g.SURNAMES)
    if roll < 0.05:
        surname = rng.choice(("van der ", "de ", "von ", "van ")) + surname
    if rng.random() < 0.5:  # Zotero keeps the full given names it was given
        given = rng.choice(GIVEN_NAMES) + (f" {rng.choice(g.INITIALS)}." if rng.random() < 0.3 else "")
    else:
        given = " ".join(f"{rng.choice(g.INITIALS)}." for _ in range(rng.choice((1, 2))))
    if roll > 0.99:
        return f"{surname}, Jr., {given}"
    return f"{surname}, {given}"


class _Fields:
    """One record's fields in the order and layout of ``style``."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.items: list[tuple[str, str]] = []

    def add(self, name: str, value: str, braced: bool = True) -> None:
        self.items.append((name, "{" + value + "}" if braced else value))

    def render(self, entry_type: str, key: str) -> str:
        if self.style == "jabref":  # JabRef: capitalised type, names padded to one column
            width = max(len(name) for name, _ in self.items)
            body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in self.items)
            return f"@{entry_type.capitalize()}{{{key},\n{body},\n}}\n"
        body = ",\n".join(f"  {name} = {value}" for name, value in self.items)
        return f"@{entry_type}{{{key},\n{body}\n}}\n"


def _records(count: int, rng: random.Random, style: str) -> list[g._Record]:
    keys: set[str] = set()
    out: list[g._Record] = []
    for i in range(count):
        year = rng.randrange(1965, 2025)
        authors = [_author(rng) for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 6)))]
        words = [rng.choice(g.TITLE_WORDS) for _ in range(rng.randrange(3, 7))]
        words.insert(rng.randrange(len(words)), rng.choice(g.NOUNS))
        if rng.random() < 0.3:  # capitals a reference manager protects with double braces
            words.insert(rng.randrange(len(words)), rng.choice(("{{MRI}}", "{{CT}}", "{{PET}}", "{{FDG}}")))
        title = " ".join(words)
        title = title[:1].upper() + title[1:]
        first = authors[0].split(",")[0]
        stem = "".join(c for c in first.split()[-1] if c.isascii() and c.isalpha()).lower() or "anon"
        short = [w for w in words if w.isalpha() and len(w) > 3][:3]
        stem = f"{stem}{_camel(short)}{year}" if style == "betterbibtex" else f"{stem.capitalize()}{year}"
        key, suffix = stem, 0
        while key.casefold() in keys:
            suffix += 1
            key = f"{stem}{g._letters(suffix)}"
        keys.add(key.casefold())
        fields = _Fields(style)
        roll = rng.random()
        entry_type = ("article" if roll < 0.86 else "book" if roll < 0.9 else "incollection" if roll < 0.94
                      else "inproceedings" if roll < 0.97 else "phdthesis" if roll < 0.985
                      else rng.choice(ODD_TYPES))
        fields.add("title", title)
        fields.add("author", " and ".join(authors))
        if entry_type == "article":
            fields.add("journal", rng.choice(g.OTHER_JOURNALS + [name for _, name in g.JOURNALS]).replace("&", "\\&"))
            fields.add("year", str(year))
            if rng.random() < 0.45:
                fields.add("month", rng.choice(MONTHS), braced=False)  # a month macro, as exports write it
            fields.add("volume", str(rng.randrange(1, 300)))
            if rng.random() < 0.6:
                fields.add("number", str(rng.randrange(1, 13)))
            start = rng.randrange(1, 2000)
            fields.add("pages", f"{start}--{start + rng.randrange(2, 20)}")
        elif entry_type in ("book", "incollection"):
            if entry_type == "incollection":
                fields.add("booktitle", f"{rng.choice(g.ADJECTIVES).capitalize()} Lesions of Soft Tissue")
            fields.add("publisher", rng.choice(g.PUBLISHERS))
            fields.add("year", str(year))
            fields.add("isbn", g._isbn13(rng))
        elif entry_type == "inproceedings":
            fields.add("booktitle", f"Proceedings of the {rng.randrange(1, 40)}th Annual Meeting")
            fields.add("year", str(year))
        elif entry_type == "phdthesis":
            fields.add("school", f"University of {rng.choice(g.SURNAMES)}")
            fields.add("year", str(year))
        else:
            fields.add("year", str(year))
            fields.add("url", f"https://example.org/reports/{i}")
        if entry_type != "phdthesis" and rng.random() < 0.8:
            fields.add("doi", f"10.{rng.choice(('1148', '1007', '1016', '2214', '1097', '1002'))}/x{year}.{i:06d}")
        if rng.random() < 0.3:
            fields.add("pmid", str(10_000_000 + i * 13 + rng.randrange(13)))
        if rng.random() < 0.025:
            fields.add("abstract", _abstract(rng, rng.randrange(300, 900)))
        if rng.random() < 0.14:
            fields.add("keywords", ", ".join(sorted(set(rng.sample(KEYWORDS, rng.randrange(2, 6))))))
        if rng.random() < 0.12:
            name = f"{first.split()[-1]} et al. - {year} - {' '.join(words[:3])}"
            name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in " .-"))
            if style == "jabref":
                fields.add("file", f":{name}.pdf:PDF")
            else:
                fields.add("file", f"/home/editor/Zotero/storage/{rng.randrange(16**8):08X}/{name}.pdf")
        if style == "jabref" and rng.random() < 0.15:
            fields.add("owner", "editor")
            fields.add("timestamp", f"{2015 + rng.randrange(10)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}")
        out.append(g._Record(key, fields.render(entry_type, key)))
    return out


def _bib_file(records: list[g._Record], style: str) -> str:
    if style == "jabref":
        return ("% Encoding: UTF-8\n\n" + "\n".join(r.text for r in records)
                + "\n@Comment{jabref-meta: databaseType:bibtex;}\n")
    return "\n".join(r.text for r in records)


# ----------------------------------------------------------------------------- pages


def _one_way_differentials(n: int, rng: random.Random) -> list[list[int]]:
    """2-5 differentials per entry, picked at random: most name an entry that
    does not name them back (``one-way-differential`` warnings)."""
    out = []
    for i in range(n):
        if n < 2:
            out.append([])
            continue
        pool = [j for j in rng.sample(range(n), min(n, 6)) if j != i]
        out.append(pool[: rng.randrange(2, 6)])
    return out


class _ExportWriter(g._Writer):
    """Bodies of export-shaped entries: the wiki shape's prose, plus a prose
    "Differential diagnosis" section in most entries."""

    def differential_section(self, budget: int) -> str:
        rng = self.rng
        out = ["## Differential diagnosis\n"]
        size = 0
        while size < budget:
            sentences = []
            for _ in range(rng.randrange(2, 5)):
                other = self.entries[rng.choice(self.entry.differentials)] if self.entry.differentials \
                    else rng.choice(self.entries)
                s = (f"{rng.choice(('Unlike', 'Compared with', 'As opposed to'))} "
                     f"[[{other.slug}|{other.condition[0].lower() + other.condition[1:]}]], the lesion "
                     f"{rng.choice(g.VERBS)} {rng.choice(g.OBJECTS)}")
                if rng.random() < 0.5:
                    s += self.citation()
                sentences.append(s + ".")
            block = " ".join(sentences) + "\n"
            out.append(block)
            size += len(block)
        return "\n".join(out)

    def body(self) -> str:
        rng = self.rng
        low, high = self.section_bytes
        titles = ["Overview", "Clinical features", "Imaging", "Histopathology"]
        if rng.random() < 0.5:
            titles.insert(1, rng.choice(g.SECTIONS_OPTIONAL))
        parts = [self.section(t, max(1, rng.randrange(low, high + 1) - 250)) for t in titles]
        if rng.random() < 0.7:
            parts.append(self.differential_section(rng.randrange(low, high + 1) - 250))
        parts.append(self.section("Management", max(1, rng.randrange(low, high + 1) - 250)))
        return "\n".join(parts)


def _page(entry: g._Entry, entries: list[g._Entry], keys: list[str], rng: random.Random) -> str:
    lines = g._head(entry)
    if entry.differentials:
        lines.append("differentials:")
    for d in entry.differentials:
        other = entries[d]
        if rng.random() < 0.6:
            lines.append(f"  - entry: {other.slug}")
            lines.append(f"    distinguishing: {g._sentence(rng)}, unlike {other.condition.lower()}.")
        else:
            lines.append(f"  - {other.condition}")
    lines.append("references:")
    lines += [f"  - {keys[r]}" for r in entry.refs]
    lines.append("---")
    lines.append("")
    return "\n".join(lines) + "\n" + _ExportWriter(entry, entries, keys, rng, SECTION_BYTES).body()


def mkdocs_yml(n: int, seed: int, style: str) -> str:
    """The wiki shape's mkdocs.yml, with the caps one ``.bib`` of 2N records needs."""
    text = g.MKDOCS_YML.format(n=n, seed=seed, version=g.GENERATOR_VERSION)
    text = text.replace("# Settings copied", f"# Shape: export ({style}, v{EXPORT_VERSION}).\n# Settings copied", 1)
    caps = "".join(f"    {name}: {value}\n" for name, value in CAPS.items())
    return text.replace("    citations_dir: citations\n", "    citations_dir: citations\n" + caps, 1)


def generate_export(n: int, outdir: Path, seed: int = 0, style: str = "betterbibtex") -> dict[str, int]:
    """Write the export-shaped corpus of ``n`` entries into ``outdir``
    (replacing its content/ and citations/); returns counts as
    :func:`generate.generate` does."""
    if n < 1:
        raise ValueError("N must be at least 1")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}")
    rng = random.Random(f"ossref-bench-export:{g.GENERATOR_VERSION}:{EXPORT_VERSION}:{n}:{seed}:{style}")
    conditions, aliases = g._names(n, rng)
    entries = [g._Entry(i, c, g._slugify(c)) for i, c in enumerate(conditions)]
    for entry, mine in zip(entries, aliases):
        entry.aliases = mine
        entry.summary = f"{g._sentence(rng)}."
        entry.tags = sorted(set(rng.sample(g.TAGS, rng.randrange(1, 5))))
        entry.updated = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
    for entry, neighbours in zip(entries, _one_way_differentials(n, rng)):
        entry.differentials = neighbours
    n_refs = 2 * n
    records = _records(n_refs, rng, style)
    keys = [r.key for r in records]
    for entry in entries:  # a random 2-6 of the library each: ~13% of the records no entry lists
        entry.refs = rng.sample(range(n_refs), min(n_refs, rng.randrange(2, 7)))

    outdir.mkdir(parents=True, exist_ok=True)
    for sub in ("content", "citations"):
        if (outdir / sub).exists():
            shutil.rmtree(outdir / sub)
        (outdir / sub).mkdir()
    g._write(outdir / "mkdocs.yml", mkdocs_yml(n, seed, style))
    g._write(outdir / "content" / "index.md",
             g.INDEX_MD.format(n=n, refs=n_refs, seed=seed, first=entries[0].slug))
    page_bytes = 0
    for entry in entries:
        text = _page(entry, entries, keys, rng)
        page_bytes += len(text.encode())
        g._write(outdir / "content" / f"{entry.slug}.md", text)
    bib = _bib_file(records, style)
    g._write(outdir / "citations" / "library.bib", bib)
    return {"entries": n, "references": n_refs, "bib_files": 1, "page_bytes": page_bytes,
            "bib_bytes": len(bib.encode())}
