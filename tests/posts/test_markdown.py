"""The Markdown renderer: Markdown in, the exact sanitized HTML out. No database involved."""

import asyncio
import re
import threading
import time
from pathlib import Path

import pytest

from inkwell.posts.markdown import (
    COMMENT,
    RENDERING_THREADS,
    MarkdownRenderer,
    Rendered,
    excerpt,
    highlight_stylesheet,
    word_count,
)
from tests.web.browser.accessibility import contrast_ratio

CSS = Path(__file__).parents[2] / "src/inkwell/static"
STYLESHEET = CSS / "css/pygments.css"
DARK = "@media (prefers-color-scheme: dark) {"
S3_MEDIA = "https://cdn.example.net/bucket/"
REL = 'rel="nofollow ugc noopener"'


def anchor(section: str) -> str:
    return (
        f'<a class="heading-anchor" href="#section-{section}" '
        f'aria-label="Link to this section" {REL}>#</a>'
    )


CASES = [
    # What writers write.
    (
        "**bold** _em_ ~~gone~~ `code`",
        "<p><strong>bold</strong> <em>em</em> <s>gone</s> <code>code</code></p>\n",
    ),
    (
        '[a link](https://example.com/a?b=1&c=2 "Title")',
        f'<p><a href="https://example.com/a?b=1&amp;c=2" title="Title" {REL}>a link</a></p>\n',
    ),
    (
        "see https://example.com/x and www.example.org, not main.py or README.md",
        f'<p>see <a href="https://example.com/x" {REL}>https://example.com/x</a> and '
        f'<a href="http://www.example.org" {REL}>www.example.org</a>, '
        "not main.py or README.md</p>\n",
    ),
    (
        "mail me@example.com",
        f'<p>mail <a href="mailto:me@example.com" {REL}>me@example.com</a></p>\n',
    ),
    # A bare name links under a generic domain, named in any case, whatever comes after it.
    (
        "example.com, docs.python.org/3/ and Example.COM?q=1",
        f'<p><a href="http://example.com" {REL}>example.com</a>, '
        f'<a href="http://docs.python.org/3/" {REL}>docs.python.org/3/</a> and '
        f'<a href="http://Example.COM?q=1" {REL}>Example.COM?q=1</a></p>\n',
    ),
    # `www.` names and addresses link under a country's domain too; bare names do not.
    (
        "www.example.de, jane@example.co.uk and bbc.co.uk",
        f'<p><a href="http://www.example.de" {REL}>www.example.de</a>, '
        f'<a href="mailto:jane@example.co.uk" {REL}>jane@example.co.uk</a> and bbc.co.uk</p>\n',
    ),
    (
        "| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |",
        '<table tabindex="0">\n<thead>\n<tr>\n'
        '<th class="text-start">a</th>\n<th class="text-end">b</th>\n'
        '<th class="text-center">c</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n'
        '<td class="text-start">1</td>\n<td class="text-end">2</td>\n'
        '<td class="text-center">3</td>\n</tr>\n</tbody>\n</table>\n',
    ),
    # A task's checkbox, disabled, is named by its text: the label around both.
    (
        "- [ ] todo\n- [x] done",
        '<ul class="contains-task-list">\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'disabled="disabled" type="checkbox"> todo</label></li>\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'checked="checked" disabled="disabled" type="checkbox"> done</label></li>\n</ul>\n',
    ),
    (
        "- [x] read [the `docs`](https://example.com)\n  - [ ] nested",
        '<ul class="contains-task-list">\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'checked="checked" disabled="disabled" type="checkbox"> read '
        f'<a href="https://example.com" {REL}>the <code>docs</code></a></label>\n'
        '<ul class="contains-task-list">\n'
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'disabled="disabled" type="checkbox"> nested</label></li>\n</ul>\n</li>\n</ul>\n',
    ),
    ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'),
    ("> quoted\n\n---", "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr>\n"),
    ("hard  \nbreak", "<p>hard<br>\nbreak</p>\n"),
    # Code: highlighted into classes, never inline styles; unknown languages stay plain.
    (
        '```python\nprint("hi")\n```',
        '<pre class="highlight" tabindex="0"><code><span class="nb">print</span>'
        '<span class="p">(</span>'
        '<span class="s2">"hi"</span><span class="p">)</span>\n</code></pre>\n',
    ),
    (
        "```\n<b>raw</b>\n```",
        '<pre class="highlight" tabindex="0"><code>&lt;b&gt;raw&lt;/b&gt;\n</code></pre>\n',
    ),
    (
        "```not-a-language\nx < y\n```",
        '<pre class="highlight" tabindex="0"><code>x &lt; y\n</code></pre>\n',
    ),
    # The language is the info string's first word, whatever follows it.
    (
        '```python exec="on" title="demo"\nx = 1\n```',
        '<pre class="highlight" tabindex="0"><code><span class="n">x</span> '
        '<span class="o">=</span> '
        '<span class="mi">1</span>\n</code></pre>\n',
    ),
    # Blank lines around the code are kept, as written.
    (
        "```python\n\nx = 1\n\n```",
        '<pre class="highlight" tabindex="0"><code>\n<span class="n">x</span> '
        '<span class="o">=</span> '
        '<span class="mi">1</span>\n\n</code></pre>\n',
    ),
    ("    indented", '<pre class="highlight" tabindex="0"><code>indented\n</code></pre>\n'),
    # Headings: one level under the page's title, unique anchors, any script.
    (
        "# Title\n## Title\n### Ünïcode & <b>\n# !!!",
        f'<h2 id="section-title">Title {anchor("title")}</h2>\n'
        f'<h3 id="section-title-1">Title {anchor("title-1")}</h3>\n'
        f'<h4 id="section-ünïcode--b">Ünïcode &amp; &lt;b&gt; {anchor("ünïcode--b")}</h4>\n'
        f'<h2 id="section-heading">!!! {anchor("heading")}</h2>\n',
    ),
    ("###### Deep", f'<h6 id="section-deep">Deep {anchor("deep")}</h6>\n'),  # no h7
    (
        "# A\n# A-1\n# A",
        f'<h2 id="section-a">A {anchor("a")}</h2>\n'
        f'<h2 id="section-a-1">A-1 {anchor("a-1")}</h2>\n'
        f'<h2 id="section-a-2">A {anchor("a-2")}</h2>\n',
    ),
    # Footnotes: numbered at the end, each with its way back; ids no heading's slug can take.
    (
        "Fast[^speed], safe^[Mostly.] and fast again[^speed].\n\n[^speed]: See *the benchmark*.",
        '<p>Fast<sup class="footnote-ref"><a href="#section-fn:1" id="section-fnref:1" '
        f'aria-label="Note 1" {REL}>1</a></sup>, '
        'safe<sup class="footnote-ref"><a href="#section-fn:2" id="section-fnref:2" '
        f'aria-label="Note 2" {REL}>2</a></sup> and fast again'
        '<sup class="footnote-ref"><a href="#section-fn:1" id="section-fnref:1:1" '
        f'aria-label="Note 1" {REL}>1</a></sup>.</p>\n'
        '<hr class="footnotes-sep">\n<section class="footnotes">\n<ol class="footnotes-list">\n'
        '<li id="section-fn:1" class="footnote-item"><p>See <em>the benchmark</em>. '
        '<a href="#section-fnref:1" class="footnote-backref" '
        f'aria-label="Back to note 1\'s reference" {REL}>\u21a9\ufe0e</a> '
        '<a href="#section-fnref:1:1" class="footnote-backref" '
        f'aria-label="Back to note 1\'s reference 2" {REL}>\u21a9\ufe0e</a></p>\n</li>\n'
        '<li id="section-fn:2" class="footnote-item"><p>Mostly. '
        '<a href="#section-fnref:2" class="footnote-backref" '
        f'aria-label="Back to note 2\'s reference" {REL}>\u21a9\ufe0e</a></p>\n</li>\n'
        "</ol>\n</section>\n",
    ),
    ("Not a note[^missing].", "<p>Not a note[^missing].</p>\n"),
    # Pictures: only the site's own are pictures; others become links, data: URLs text.
    (
        "![a cat](/media/posts/0123abcd.webp)",
        '<p><img src="/media/posts/0123abcd.webp" alt="a cat" loading="lazy"></p>\n',
    ),
    (
        '![a cat](/media/posts/0123abcd.webp "Cat")',
        '<p><img src="/media/posts/0123abcd.webp" alt="a cat" title="Cat" loading="lazy"></p>\n',
    ),
    (
        f"![a cat]({S3_MEDIA}posts/0123abcd.webp)",
        f'<p><img src="{S3_MEDIA}posts/0123abcd.webp" alt="a cat" loading="lazy"></p>\n',
    ),
    (
        "![tracker](https://evil.example/pixel.gif)",
        f'<p><a href="https://evil.example/pixel.gif" {REL}>tracker</a></p>\n',
    ),
    (
        "![](https://evil.example/pixel.gif)",
        f'<p><a href="https://evil.example/pixel.gif" {REL}>https://evil.example/pixel.gif</a></p>\n',
    ),
    (
        f"![lookalike]({S3_MEDIA[:-1]}-evil/x.webp)",
        f'<p><a href="{S3_MEDIA[:-1]}-evil/x.webp" {REL}>lookalike</a></p>\n',
    ),
    ("![up](/media/../secrets.png)", f'<p><a href="/media/../secrets.png" {REL}>up</a></p>\n'),
    ("![x](data:image/png;base64,iVBORw0KGgo=)", "<p>x</p>\n"),
    ("![empty]()", f'<p><a href="" {REL}>empty</a></p>\n'),
    # XSS through links: markdown-it refuses the schemes, entity-encoded or not.
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"),
    ("[x](&#106;avascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](&#x6A;avascript&colon;alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>\n"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n"),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
    ("![x](javascript:alert(1))", "<p>![x](javascript:alert(1))</p>\n"),
    # A percent-encoded break makes no scheme: a relative link, harmless.
    ("[x](java%0Ascript:alert(1))", f'<p><a href="java%0Ascript:alert(1)" {REL}>x</a></p>\n'),
    # Raw HTML is text, event handlers and all.
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
    (
        '<a href="javascript:alert(1)">x</a>',
        '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>\n',
    ),
    (
        '<div onclick="alert(1)">x</div>',
        '<p>&lt;div onclick="alert(1)"&gt;x&lt;/div&gt;</p>\n',
    ),
    # Breaking out of an attribute: quotes stay inside it.
    (
        '[t](https://example.com "a\\" onmouseover=\\"alert(1)")',
        '<p><a href="https://example.com" title="a&quot; onmouseover=&quot;alert(1)" '
        f"{REL}>t</a></p>\n",
    ),
    (
        '![x](https://example.com/x.png" onerror="alert(1))',
        f'<p>![x](<a href="https://example.com/x.png" {REL}>https://example.com/x.png</a>'
        '" onerror="alert(1))</p>\n',
    ),
]


@pytest.fixture
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(own_media=(S3_MEDIA,))


@pytest.mark.parametrize(("markdown", "expected"), CASES)
def test_markdown_renders_to_exactly_this_sanitized_html(
    renderer: MarkdownRenderer, markdown: str, expected: str
) -> None:
    assert renderer.render(markdown).html == expected


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        ('<img src="https://evil.example/x.png" onerror="alert(1)">', "<img>"),
        ('<img src="/media/posts/a.webp" loading="eager">', '<img src="/media/posts/a.webp">'),
        ('<a href="javascript:alert(1)" onclick="x()">x</a>', f"<a {REL}>x</a>"),
        ('<a href="ftp://example.com/f">x</a><a href="tel:+15550100">y</a>',
         f"<a {REL}>x</a><a {REL}>y</a>"),
        ('<a href="https://example.com" rel="opener" target="_blank">x</a>',
         f'<a href="https://example.com" {REL}>x</a>'),
        ('<p style="color:red" class="btn">x</p>', "<p>x</p>"),
        ('<span class="k evil">x</span>', '<span class="k">x</span>'),
        ('<table tabindex="-1"></table><p tabindex="0">x</p>', "<table></table><p>x</p>"),
        ('<h2 id="load-more">x</h2>', '<h2 id="section-load-more">x</h2>'),
        ('<input type="text" name="csrf" value="x">', "<input>"),
        ('<label for="sign-out" onclick="x()" class="btn">x</label>', "<label>x</label>"),
        ('<section id="x" class="footnotes x"><sup class="footnote-ref y">1</sup></section>',
         '<section class="footnotes"><sup class="footnote-ref">1</sup></section>'),
        ('<li id="fn:1" class="footnote-item x">x</li>',
         '<li id="section-fn:1" class="footnote-item">x</li>'),
        ("<iframe src=https://evil.example></iframe><form><svg><math><style>", ""),
        ("<script>alert(1)</script><!-- hidden -->", ""),
    ],
)  # fmt: skip
def test_the_allowlist_holds_whatever_made_the_html(
    renderer: MarkdownRenderer, made: str, expected: str
) -> None:
    """If markdown-it or a plugin ever let something through, nh3 still removes it."""
    assert renderer.sanitize(made) == expected


@pytest.mark.parametrize(
    ("alias", "language", "code"),
    [("kt", "kotlin", "val x = 1"), ("patch", "diff", "-old\n+new"),
     ("jsonc", "json", '{"a": 1}'), ("gql", "graphql", "query { me { id } }"),
     ("hbs", "handlebars", "{{#if x}}y{{/if}}"), ("svelte", "html", "<p>{x}</p>"),
     ("KT", "kotlin", "val x = 1")],
)  # fmt: skip
def test_a_fence_named_as_on_github_is_highlighted_as_its_language(
    renderer: MarkdownRenderer, alias: str, language: str, code: str
) -> None:
    highlighted = renderer.render(f"```{language}\n{code}\n```").html

    assert renderer.render(f"```{alias}\n{code}\n```").html == highlighted
    assert '<span class="' in highlighted


def test_comments_have_no_footnotes() -> None:
    """A page shows many comments: their notes' ids would repeat."""
    comments = MarkdownRenderer(COMMENT)
    assert comments.render("A claim.^[A note.]").html == "<p>A claim.^[A note.]</p>\n"
    assert comments.sanitize("<section><sup>1</sup></section>") == "1"


def test_comments_have_neither_headings_nor_pictures() -> None:
    comments = MarkdownRenderer(COMMENT)
    rendered = comments.render("# Not a heading\n\n![cat](/media/posts/0123abcd.webp)")
    assert rendered.html == (
        f'<p># Not a heading</p>\n<p><a href="/media/posts/0123abcd.webp" {REL}>cat</a></p>\n'
    )
    assert comments.sanitize('<h2 id="section-x">x</h2><img src="/media/a.webp">') == "x"


@pytest.mark.parametrize(
    ("text", "words"),
    [("", 0), ("one", 1), ("  two\n\nwords\t", 2), ("# Title\n\n```\nx = 1\n```", 7)],
)
def test_the_word_count_is_of_the_text_as_written(text: str, words: int) -> None:
    assert word_count(text) == words
    assert MarkdownRenderer().render(text).word_count == words


def test_the_excerpt_is_the_rendered_text_without_code() -> None:
    rendered = MarkdownRenderer().render(
        "# Intro\n\nSome **bold** [link](https://example.com) and `code`.\n\n"
        "```python\nsecret = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "![a cat](/media/posts/0123abcd.webp) <b>raw</b>"
    )
    assert rendered.excerpt == "Intro Some bold link and code. a b 1 2 a cat <b>raw</b>"


def test_the_excerpt_reads_a_line_break_as_a_space() -> None:
    assert MarkdownRenderer().render("one\ntwo  \nthree").excerpt == "one two three"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("  spaced \n\n out  ", "spaced out"),
        ("word " * 39 + "end", "word " * 39 + "end"),  # 199 characters: whole
        ("word " * 39 + "ended", "word " * 39 + "ended"),  # 200 characters: whole
        ("abcdef " * 40, "abcdef " * 27 + "abcdef…"),  # not cut within the 29th word
        ("a" * 196 + " bcde more", "a" * 196 + "…"),  # "bcde" would end at the 201st
        ("TAX " * 60, "TAX " * 49 + "TAX…"),  # only punctuation goes before the ellipsis
        ("word " * 50, "word " * 39 + "word…"),
        ("a, " * 100, "a, " * 66 + "a…"),  # no dangling comma before the ellipsis
        ("x" * 250, "x" * 200 + "…"),  # one long word is cut
    ],
)
def test_an_excerpt_keeps_whole_words_within_200_characters(text: str, expected: str) -> None:
    assert excerpt(text) == expected
    assert len(excerpt(text)) <= 201


def test_the_committed_pygments_stylesheet_is_current() -> None:
    """Regenerate: `.venv/bin/python -c "from inkwell.posts.markdown import
    highlight_stylesheet as h; print(h(), end='')"` below the file's first line."""
    assert STYLESHEET.read_text().endswith(highlight_stylesheet())
    assert "style=" not in MarkdownRenderer().render("```python\nx = 1\n```").html


def _hex(colour: str) -> tuple[int, ...]:
    digits = colour.lstrip("#")
    digits = "".join(digit * 2 for digit in digits) if len(digits) == 3 else digits
    return tuple(int(digits[at : at + 2], 16) for at in (0, 2, 4))


def _property(css: str, name: str) -> str | None:
    found = re.search(rf"{name}:\s*(#[0-9a-fA-F]{{3,6}})\b", css)
    return found and found.group(1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_reads_at_4_5_to_1_inline_and_highlighted(scheme: str) -> None:
    """WCAG AA for text: inline code's colour on its background (inkwell.css over
    Bootstrap's), and each highlighted token's on the block's (pygments.css). Found by a UI
    audit: inline code was 4.05:1 in light mode. Whitespace tokens draw nothing."""
    ours = (CSS / "css/inkwell.css").read_text().split(DARK)
    bootstrap = (CSS / "vendor/bootstrap/bootstrap.min.css").read_text()
    inline = ours[0] if scheme == "light" else ours[1]
    colour = _property(inline, "--bs-code-color") or _property(bootstrap, "--bs-code-color")
    assert colour is not None
    background = _property(inline, "--code-bg")
    assert background is not None
    ratios = {"inline code": contrast_ratio(_hex(colour), _hex(background))}
    highlight = STYLESHEET.read_text().split(DARK)[0 if scheme == "light" else 1]
    block = re.search(r"\.highlight \{ background: (#\w+)", highlight)
    assert block is not None
    for token, colour in re.findall(r"\.highlight (\.\w+) \{ color: (#\w+)", highlight):
        if token != ".w":
            ratios[token] = contrast_ratio(_hex(colour), _hex(block.group(1)))
    assert {where: round(ratio, 2) for where, ratio in ratios.items() if ratio < 4.5} == {}


async def test_at_most_rendering_threads_texts_render_at_once() -> None:
    """A queue of long texts must leave the event loop's thread its share of the CPU."""
    renderer = MarkdownRenderer()
    render, lock = renderer.render, threading.Lock()
    rendering = most = 0

    def slow_render(source: str) -> Rendered:
        nonlocal rendering, most
        with lock:
            rendering += 1
            most = max(most, rendering)
        time.sleep(0.1)
        with lock:
            rendering -= 1
        return render(source)

    renderer.render = slow_render  # type: ignore[method-assign]
    texts = [f"text {number}" for number in range(3 * RENDERING_THREADS)]
    rendered = await asyncio.gather(*map(renderer.render_in_thread, texts))
    assert [text.excerpt for text in rendered] == texts
    assert most <= RENDERING_THREADS


def test_many_identical_headings_render_in_linear_time() -> None:
    """Finding a unique id must not search from 1 for every heading (12,000 took 43 s)."""
    rendered = MarkdownRenderer().render("# h\n" * 5_000)
    assert rendered.html.count('id="section-h-') == 4_999
    assert 'id="section-h-4999"' in rendered.html
