"""The operator's own texts: values filled in, mistakes reported at their file line, links
made to start from the site root."""

from __future__ import annotations

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.relay_own import OwnText
from chatmail_site.render.markdown import MarkdownRenderer
from chatmail_site.render.own_texts import fill_in, render_own

PATH = "content/relay/en/info.md"
VALUES = {
    "relay": {"mail_domain": "chat.example.org", "delete_mails_after": "20"},
    "page": {"privacy": "en/relay/privacy/"},
}


def own_text(body: str, title: str | None = None, body_line: int = 5) -> OwnText:
    return OwnText("info", "en", PATH, title, 2, "replace", body, body_line)


def messages(diagnostics: Diagnostics) -> list[tuple[str, int, str, str]]:
    return [(d.path, d.line, d.message, d.hint) for d in diagnostics.errors]


def test_fill_in_replaces_relay_and_page_values_and_leaves_other_braces() -> None:
    diagnostics = Diagnostics()
    text = (
        "Mail on {relay.mail_domain} is kept {relay.delete_mails_after} days.\n## See {page.privacy} {#rules}"
    )
    assert fill_in(text, 5, PATH, VALUES, diagnostics) == (
        "Mail on chat.example.org is kept 20 days.\n## See en/relay/privacy/ {#rules}"
    )
    assert len(diagnostics) == 0


def test_an_unknown_name_is_an_error_on_its_line_with_the_closest_name() -> None:
    diagnostics = Diagnostics()
    text = "First line.\n\nKept {relay.delete_mail_after} days."
    assert fill_in(text, 5, PATH, VALUES, diagnostics) == text  # left as written
    assert messages(diagnostics) == [
        (
            PATH,
            7,
            "`{relay.delete_mail_after}` names no relay value",
            "did you mean `{relay.delete_mails_after}`?",
        )
    ]


def test_an_unknown_name_with_nothing_close_lists_the_known_ones() -> None:
    diagnostics = Diagnostics()
    fill_in("{page.xyz}", 1, PATH, VALUES, diagnostics)
    [(_, line, message, hint)] = messages(diagnostics)
    assert (line, message, hint) == (1, "`{page.xyz}` names no page value", "known names: {page.privacy}")


def test_template_code_is_an_error_on_each_line_that_has_it() -> None:
    diagnostics = Diagnostics()
    text = "{{ 7 * 7 }}\nplain\n{% if true %}x{% endif %}"
    assert fill_in(text, 10, PATH, VALUES, diagnostics) == text  # never run
    assert [(line, message) for _, line, message, _ in messages(diagnostics)] == [
        (10, "template code does not run in an own text"),
        (12, "template code does not run in an own text"),
    ]


def test_render_own_starts_relative_links_from_the_site_root() -> None:
    text = own_text(
        "[privacy]({page.privacy}) [mail](mailto:a@b.org) [top](#top)\n"
        "[web](https://x.org/) ![](assets/a.png)\n",
        title="About {relay.mail_domain}",
    )
    rendered = render_own(text, VALUES, "../../", MarkdownRenderer(), Diagnostics())
    assert (rendered.mode, rendered.title) == ("replace", "About chat.example.org")
    assert 'href="../../en/relay/privacy/"' in rendered.html
    assert 'src="../../assets/a.png"' in rendered.html
    for untouched in ('href="mailto:a@b.org"', 'href="#top"', 'href="https://x.org/"'):
        assert untouched in rendered.html


def test_render_own_reports_markdown_problems_at_their_file_line() -> None:
    diagnostics = Diagnostics()
    body = "Text.\n\n## A {#x}\n\n## B {#x}\n\nc &#1; d\n"
    render_own(own_text(body, body_line=5), VALUES, "", MarkdownRenderer(), diagnostics)
    assert [(d.path, d.line, d.message) for d in diagnostics.warnings] == [
        (PATH, 7, "the anchor `#x` is used 2 times on this page")
    ]
    assert [(path, line) for path, line, *_ in messages(diagnostics)] == [(PATH, 11)]
