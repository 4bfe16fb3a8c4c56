"""What ossref's staged Markdown costs MkDocs, against the editors' own pages.

    PYTHONPATH=. python benchmarks/staged_cost.py PROJECT

Stages PROJECT as ``ossref build`` does (check, resolve, render, generated
HTML as tokens), then, in this one process, times (CPU, ``time.process_time``)
what MkDocs and ossref's hooks do per page that a bare ``mkdocs build`` of
``content/`` does not, each with the project's ``markdown_extensions``:

* Python-Markdown on the editors' bodies, on the staged bodies, and on the
  staged bodies without the inline tokens (citation superscripts) and
  without any token: what the staged form adds and which part of it;
* the YAML reader MkDocs uses on the staged front matter and on the
  editors' own, and writing the staged front matter;
* the body sanitizer on the rendered staged bodies, and on the generated
  fragments (:meth:`ossref.site.deferred.Deferred.expand`).

Sizes are printed beside the times. The figures say where the difference
between ``ossref build``'s MkDocs step and a bare build goes; compare them
within one run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import markdown
import yaml

# MkDocs' own front-matter pattern (mkdocs.utils.meta.YAML_RE).
_YAML_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)
_TOKEN = re.compile(r"<!--ossref:[0-9a-f]+-->")
_INLINE_TOKEN = re.compile(r"(?<!\n)<!--ossref:[0-9a-f]+-->")


def _split(text: str) -> tuple[str, str]:
    found = _YAML_RE.match(text)
    return (found.group(1), text[found.end():]) if found else ("", text)


def _extensions(root: Path) -> tuple[list[str], dict]:
    from ossref.config import read_mkdocs_yml

    names, configs = [], {}
    for item in read_mkdocs_yml(root).get("markdown_extensions") or []:
        if isinstance(item, dict):
            for name, options in item.items():
                names.append(name)
                configs[name] = options or {}
        else:
            names.append(str(item))
    return names, configs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    args = parser.parse_args(argv)

    from ossref.config import load_config
    from ossref.pipeline import check
    from ossref.site import markup
    from ossref.site.deferred import Deferred
    from ossref.site.render import render_site
    from ossref.site.resolve import resolve
    from ossref.site.sanitize import sanitize_html

    config = load_config(args.project)
    staging = Path(tempfile.mkdtemp(prefix="ossref-staged-cost-"))
    try:
        deferred = Deferred()
        render_site(resolve(check(config).project, config), config, staging, deferred.token, {})
        staged = [_split(p.read_text(encoding="utf-8")) for p in sorted(staging.rglob("*.md"))]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    own = [_split(p.read_text(encoding="utf-8")) for p in sorted(config.docs_path.rglob("*.md"))]
    names, configs = _extensions(args.project)
    md = markdown.Markdown(extensions=names, extension_configs=configs)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def timed(label: str, fn, items: list) -> list:
        start = time.process_time()
        out = [fn(item) for item in items]
        size = sum(len(item) for item in items if isinstance(item, str)) / 1e6
        print(f"{label:58s} {time.process_time() - start:7.3f} s  {size:6.1f} MB", flush=True)
        return out

    def convert(body: str) -> str:
        md.reset()
        return md.convert(body)

    print(f"{len(own)} editors' pages, {len(staged)} staged pages")
    timed("Markdown: the editors' bodies (bare build)", convert, [b for _, b in own])
    html = timed("Markdown: the staged bodies", convert, [b for _, b in staged])
    timed("Markdown: staged, without inline tokens", convert, [_INLINE_TOKEN.sub("", b) for _, b in staged])
    timed("Markdown: staged, without any token", convert, [_TOKEN.sub("", b) for _, b in staged])
    timed("YAML read (MkDocs' loader): the editors' front matter", lambda t: yaml.load(t, loader),  # noqa: S506
          [f for f, _ in own])
    data = timed("YAML read (MkDocs' loader): the staged front matter", lambda t: yaml.load(t, loader),  # noqa: S506
                 [f for f, _ in staged])
    timed("staged front matter written (render)", markup._front_matter, [d or {} for d in data])
    timed("staged front matter written as block YAML (before)",
          lambda d: yaml.dump(d, Dumper=markup._DUMPER, allow_unicode=True, sort_keys=False,
                              default_flow_style=False, width=1 << 30), [d or {} for d in data])
    bodies = timed("sanitizer: the rendered staged bodies", lambda h: sanitize_html(h, keep_comments=True), html)
    timed("sanitizer: the generated fragments, a page at a time", lambda h: deferred.expand(h, sanitize_html),
          bodies)
    print(f"generated fragments: {len(deferred.fragments)}, "
          f"{sum(len(f) for f in deferred.fragments.values()) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
