"""The pages ossref generates: home (topics and the A-Z), references, tags.

:class:`GeneratedPages` is a part of the renderer (:mod:`ossref.site.render`),
kept apart because these pages list the whole wiki while every other staged
page is about one page: the incremental build renders them again only when a
list they show changed.
"""

from __future__ import annotations

import html

from markdown.extensions.toc import slugify

from ossref.model import Page
from ossref.site.markup import _a, _front_matter, _link, md_text
from ossref.site.pagemeta import staged_meta
from ossref.site.resolve import ResolvedPage, relative_href, topics

__all__ = ["GeneratedPages"]


class GeneratedPages:
    """The generated pages' half of the renderer: methods of ``_Renderer``."""

    def _home(self, home: ResolvedPage | None) -> str:
        if home is not None:
            text = self._page(home).rstrip("\n")
            return text + "\n\n" + "\n".join(self._topics() + self._az(home.page)) + "\n"
        entries = sum(1 for rp in self.site.pages if rp.page.entry is not None)
        tags = relative_href("index.md", self._source("tags/index"))
        references = relative_href("index.md", self._source("references"))
        lines = [
            f"# {md_text(self.config.site_name)}", "",
            f"A reference wiki of {entries} condition{'' if entries == 1 else 's'}. "
            f"Find one by name or synonym below, browse by [tag]({tags}), "
            f"or see every [reference]({references}) cited.", "",
        ]
        return _front_matter({"title": "Home"}) + "\n".join(lines + self._topics() + self._az(None)) + "\n"

    def _topics(self) -> list[str]:
        """The "Topics" part of the home page's index: every page that is not
        an entry (no ``condition``), by title; nothing when there is none."""
        pages = topics([rp.page for rp in self.site.pages])
        if not pages:
            return []
        items = "".join(f"<li>{_a(p.title, self._href('index', p))}</li>" for p in pages)
        return ["## Topics", "", self._block(f'<ul class="ossref-topics">{items}</ul>'), ""]

    def _az(self, home: Page | None) -> list[str]:
        """The A-Z index: one heading per letter, one line per condition or alias."""
        groups: dict[str, list[str]] = {}
        for item in self.site.az:
            link = _a(item.page.title, self._href("index", item.page))
            line = f"<li>{html.escape(item.name, quote=False)} \u2192 {link}</li>" if item.alias else f"<li>{link}</li>"
            groups.setdefault(item.letter, []).append(line)
        taken = {h.anchor for h in home.scan.headings} if home is not None else set()
        lines = ["## Conditions A\u2013Z", ""]
        jump = []
        for letter in groups:
            anchor = slugify(letter, "-")
            if anchor and anchor not in taken:
                taken.add(anchor)
                jump.append(_link(md_text(letter), "#" + anchor))
        if jump:
            lines += [" \u00b7 ".join(jump), ""]
        for letter, rows in groups.items():
            heading = "Other" if letter == "#" else letter
            lines += [f"### {md_text(heading)}", "", self._block("<ul>" + "".join(rows) + "</ul>"), ""]
        return lines

    def _references_page(self) -> str:
        total = len(self.site.references_index)
        lines = ["# References", "", f"Every work cited in this wiki, {total} in all, by first author.", ""]
        blocks = []
        for n, (ref, pages) in enumerate(self.site.references_index, 1):
            formatted, _ = self.refs.get(ref)
            ident = html.escape("ref-" + ref.key, quote=True)
            links = ", ".join(_a(p.title, self._href("references", p)) for p in pages)
            blocks.append(f'<p class="ossref-reference" id="{ident}"><span class="ossref-number">{n}.</span> '
                          f"{formatted.html}</p>\n<p>Cited in: {links}</p>")
        lines += [self._block("\n".join(blocks)), ""]
        return _front_matter({"title": "References"}) + "\n".join(lines)

    def _tags_index(self) -> str:
        lines = ["# Tags", ""]
        for tag, pages in self.site.tags.items():
            href = relative_href("tags/index.md", self._source(f"tags/{self.tag_slug[tag]}"))
            lines.append(f"- {_link(md_text(tag), href)} ({len(pages)})")
        return _front_matter({"title": "Tags"}) + "\n".join(lines) + "\n"

    def _tag_page(self, tag: str, slug: str) -> str:
        pages = self.site.tags[tag]
        here = f"tags/{slug}.md"
        count = f"{len(pages)} {'page' if len(pages) == 1 else 'pages'}"
        index = relative_href(here, self._source("tags/index"))
        lines = [f"# Tag: {md_text(tag)}", "", f"{count}. [All tags]({index})", ""]
        items = []
        for page in pages:
            # A topic page has no summary; its description stands in.
            description = page.meta.get("description") if isinstance(page.meta, dict) else None
            summary = page.entry.summary if page.entry else " ".join(description.split()) if isinstance(
                description, str) else ""
            link = _a(page.title, self._href(here.removesuffix(".md"), page))
            items.append(f"<li>{link}{': ' + html.escape(summary, quote=False) if summary else ''}</li>")
        lines.append(self._block("<ul>" + "".join(items) + "</ul>"))
        return _front_matter(staged_meta(f"Tag: {tag}")) + "\n".join(lines) + "\n"
