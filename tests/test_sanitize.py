"""The sanitizer: XSS payloads are neutralised, the markup we produce survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ossref.site.sanitize import sanitize_html

PAYLOADS = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<img src="x" OnError="alert(1)">',
    '<svg onload=alert(1)><circle r="1"/></svg>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<style>body { display: none }</style>',
    '<details open ontoggle=alert(1)>x</details>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<th style="text-align: left;" onclick="alert(1)">x</th>',
    '<!--<img src=x onerror=alert(1)>-->',
    '<a href="https://ok.example/" target="_blank" formaction="javascript:alert(1)">x</a>',
]

_BAD_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input",
             "button", "base", "meta", "link", "noscript"}
_BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript)\s*:", re.I)


class _Tree(HTMLParser):
    """Parses HTML as a browser would enough to list tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple(sorted((k, v or "") for k, v in attrs))))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", self.events[-1][1] + data)
        else:
            self.events.append(("text", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))


def tree(html: str) -> list[tuple]:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.events


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload: str) -> None:
    clean = sanitize_html(payload)
    for event in tree(clean):
        assert event[0] != "comment", clean
        if event[0] != "start":
            continue
        _, tag, attrs = event
        assert tag not in _BAD_TAGS, clean
        for name, value in attrs:
            assert not name.startswith("on"), clean
            assert name not in ("style", "srcdoc", "formaction", "background", "target"), clean
            if name in ("href", "src"):
                assert not _BAD_SCHEME.match(value), clean
    assert sanitize_html(clean) == clean  # idempotent


def test_script_and_style_content_is_dropped_not_shown() -> None:
    assert sanitize_html("<p>a</p><script>alert(1)</script><style>p{}</style>") == "<p>a</p>"


# A page body as MkDocs and Material render it with this project's extensions
# (toc permalinks, admonition, details, footnotes, tables, def_list, Pygments
# highlighting), plus ossref's own citation markup.
PAGE = """\
<h1 id="myositis-ossificans">Myositis ossificans<a class="headerlink" href="#myositis-ossificans" title="Permanent link">&para;</a></h1>
<h2 id="imaging">Imaging<a class="headerlink" href="#imaging" title="Permanent link">&para;</a></h2>
<p>Zonal ossification is typical<sup class="ossref-cite" id="cite-1"><a href="#ref-1" title="Alpha A, Beta B. A study of ossification. J Test. 2020.">1</a></sup>.
See <a href="../ossified-intramuscular-hematoma/#histopathology">its histology</a>,
<a href="https://doi.org/10.1000/alpha.2020">the DOI</a>, <a href="mailto:editors@example.org">the editors</a>
and a note<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>. H<sub>2</sub>O, <abbr title="Magnetic resonance imaging">MRI</abbr>, <em>em</em>, <strong>strong</strong>, <code>code</code>.<br>
Next line.</p>
<div class="admonition warning">
<p class="admonition-title">Pitfall</p>
<p>An early biopsy can be misread as sarcoma.</p>
</div>
<details class="note" open="open">
<summary>More</summary>
<p>Hidden text.</p>
</details>
<table>
<thead>
<tr>
<th style="text-align: left;">Stage</th>
<th style="text-align: right;">Weeks</th>
<th>Finding</th>
</tr>
</thead>
<tbody>
<tr>
<td style="text-align: left;">Early</td>
<td style="text-align: right;">2</td>
<td>Edema</td>
</tr>
</tbody>
</table>
<div class="highlight"><pre><span></span><code><span class="k">def</span><span class="w"> </span><span class="nf">f</span><span class="p">(</span><span class="n">x</span><span class="p">):</span>
    <span class="k">return</span> <span class="n">x</span> <span class="o">+</span> <span class="mi">1</span>
</code></pre></div>
<dl>
<dt>Zonal pattern</dt>
<dd>Mature bone at the periphery.</dd>
</dl>
<p class="ossref-reference" id="ref-alpha2020"><span class="ossref-number">1.</span> Alpha A.</p>
<p><img alt="Radiograph" src="../img/mo.png" title="Lateral view"> <img alt="Remote" src="https://example.org/x.png"></p>
<blockquote>
<p>Quoted.</p>
</blockquote>
<ol start="3">
<li>three</li>
</ol>
<ul class="ossref-differentials">
<li id="diff-1"><a href="../heterotopic-ossification/">Heterotopic ossification</a></li>
</ul>
<hr>
<ol class="ossref-references">
<li id="ref-1">Alpha A, Beta B. A study of ossification. J Test. 2020. doi:<a href="https://doi.org/10.1000/alpha.2020" rel="noopener">10.1000/alpha.2020</a> <a class="ossref-backref" href="#cite-1" title="Back to the text">&#8617;</a></li>
</ol>
<div class="footnote">
<hr>
<ol>
<li id="fn:1">
<p>The footnote.&#160;<a class="footnote-backref" href="#fnref:1" title="Jump back to footnote 1 in the text">&#8617;</a></p>
</li>
</ol>
</div>
"""


def _align_as_attribute(events: list[tuple]) -> list[tuple]:
    """The one intended rewrite: table alignment moves from style to align."""
    out = []
    for event in events:
        if event[0] == "start" and event[1] in ("th", "td"):
            attrs = tuple(sorted(
                ("align", m.group(1)) if k == "style" and (m := re.fullmatch(r"text-align: (\w+);", v)) else (k, v)
                for k, v in event[2]
            ))
            event = ("start", event[1], attrs)
        out.append(event)
    return out


def test_real_page_keeps_its_meaning() -> None:
    clean = sanitize_html(PAGE)
    assert tree(clean) == _align_as_attribute(tree(PAGE))
    assert sanitize_html(clean) == clean


@pytest.mark.parametrize("fragment", [
    '<a href="#ref-1">1</a>',
    '<a href="../x/#a">x</a>',
    '<a href="x.md">x</a>',
    '<a href="?q=1">x</a>',
    '<a href="https://example.org/a?b=c#d">x</a>',
    '<a href="http://example.org/">x</a>',
    '<a href="mailto:a@example.org">x</a>',
])
def test_allowed_urls_are_kept(fragment: str) -> None:
    assert tree(sanitize_html(fragment)) == tree(fragment)


def test_never_raises_on_odd_input() -> None:
    for text in ["", "<", "<<>>", "</p>", "\x00", "<a href='\x00javascript:x'>x</a>", "&#0;", "<p" * 1000]:
        assert isinstance(sanitize_html(text), str)


def test_the_real_wiki_passes_through_unchanged(tmp_path) -> None:
    """Every page body of the wiki, as render and MkDocs produce it, keeps all
    its elements, attributes and text: the allow-list covers our own markup."""
    from conftest import REPO
    from ossref.config import load_config
    from ossref.mkdocs.adapter import build_html
    from ossref.pipeline import check
    from ossref.site.render import render_site
    from ossref.site.resolve import resolve

    config = load_config(REPO)
    result = check(config)
    assert result.errors == 0
    staging = tmp_path / "staging"
    assert [d for d in render_site(resolve(result.project, config), config, staging)
            if d.severity == "error"] == []
    changed: list[str] = []

    def probe(html: str) -> str:
        clean = sanitize_html(html)
        before, after = _align_as_attribute(tree(html)), tree(clean)
        if before != after:
            changed.append(next(f"{a} -> {b}" for a, b in zip(before + [None], after + [None]) if a != b))
        return clean

    build_html(REPO, staging, tmp_path / "site", probe)
    assert changed == []
