"""The Markdown features the seed pages use, and heading anchors for every script."""

from __future__ import annotations

from chatmail_site.render.markdown import MarkdownRenderer
from tests.support.sites import parse_html


def render(text: str, directives: tuple[str, ...] = ()):
    return MarkdownRenderer(directives).render(text)


def test_kramdown_class_on_a_link():
    html = render("[Donate Money](donate){: .cta-button}\n").html
    link = parse_html(html).find("a")
    assert link.attrs == {"class": "cta-button", "href": "donate"}
    assert link.text == "Donate Money"


def test_explicit_heading_id_is_kept():
    html = render("## How are chatmail servers run? Can i run one myself? {#selfhosted}\n").html
    heading = parse_html(html).find("h2")
    assert heading.attrs["id"] == "selfhosted"
    assert "{#" not in heading.text


def test_non_ascii_headings_get_readable_ids():
    html = render("## ما هو الشات ميل؟\n\n## Что такое chatmail?\n\n## Qu'est-ce qu'un serveur ?\n").html
    ids = [h.attrs["id"] for h in parse_html(html).find_all("h2")]
    assert ids == ["ما-هو-الشات-ميل", "что-такое-chatmail", "quest-ce-quun-serveur"]


def test_duplicate_ids_are_a_warning_at_the_second_heading_line():
    result = render("# One {#same}\n\nText\n\n# Two {#same}\n")
    assert [(p.line, p.is_error) for p in result.problems] == [(1, False)]
    assert "`#same` is used 2 times" in result.problems[0].message


def test_raw_logo_image_keeps_working_and_its_float_becomes_a_class():
    text = '<img alt="Chatmail logo" src="../assets/logos/chatmail.svg" width="80" style="float:right;" />\n'
    image = parse_html(render(text).html).find("img")
    assert image.attrs["src"] == "../assets/logos/chatmail.svg"
    assert image.attrs["alt"] == "Chatmail logo"
    assert image.attrs["class"] == "float-end"
    assert "style" not in image.attrs


def test_first_paragraph_skips_raw_html():
    text = '<img alt="logo" src="x.svg" />\n\nThe real   first\nparagraph.\n'
    assert render(text).first_paragraph == "The real first paragraph."


def test_known_directive_becomes_a_placeholder_and_unknown_is_an_error():
    result = render("Intro\n\n{% relays %}\n\n{% relay %}\n", directives=("relays",))
    assert [d.name for d in result.directives] == ["relays"]
    assert [(p.line, p.is_error) for p in result.problems] == [(5, True)]
    assert "unknown directive `relay`" in result.problems[0].message
    assert "{% relays %}" in result.problems[0].hint


def test_directive_inside_code_fence_is_text():
    result = render("```\n{% anything %}\n```\n")
    assert result.problems == () and "{% anything %}" in result.html
