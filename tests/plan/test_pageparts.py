"""A page's Markdown as blocks, each with its file line, links, anchors, markup and numbers."""

from __future__ import annotations

import pytest

from chatmail_site.plan.pageparts import Block, named_host, page_blocks, plain_number, url_host

BODY = """# Title {#top}

Intro with [a link](https://example.org/x) and
a second line with <https://auto.example/>.

- [nine.testrun.org](https://nine.testrun.org/) a relay
- second item

  still the second item

```
# not a heading
```

{% relays %}

Setext
------

Costs 1.000,50 euros ![logo](assets/logo.png){: .cta-button}
"""


def blocks() -> list[Block]:
    return page_blocks(BODY, 5)  # the body starts on line 5 of its file, after the front matter


def test_blocks_have_their_kind_and_file_line() -> None:
    assert [(b.signature, b.line) for b in blocks()] == [
        ("h1", 5),
        ("paragraph", 7),
        ("item", 10),
        ("item", 11),  # the indented paragraph after a blank line belongs to the item
        ("code", 15),  # a heading inside a fence is code
        ("directive:relays", 19),
        ("h2", 21),  # underlined with dashes
        ("paragraph", 24),
    ]
    assert "still the second item" in blocks()[3].text


def test_links_in_reading_order_each_on_its_own_line() -> None:
    intro = blocks()[1]
    assert [(link.text, link.url, link.line) for link in intro.links] == [
        ("a link", "https://example.org/x", 7),
        ("https://auto.example/", "https://auto.example/", 8),
    ]
    assert blocks()[7].links == ()  # an image is not a link


def test_a_relay_listed_as_the_first_link_of_an_item_is_listed_like() -> None:
    item = blocks()[2]
    [(link, host, listed_like)] = item.hosted_links
    assert (link.url, host, listed_like) == ("https://nine.testrun.org/", "nine.testrun.org", True)
    [(_, host, listed_like)] = blocks()[1].hosted_links[:1]
    assert (host, listed_like) == ("example.org", False)  # in a paragraph, to a deeper page


def test_anchor_markup_and_prose() -> None:
    heading, intro, *_, last = blocks()
    assert heading.anchor == "top" and intro.anchor is None
    assert heading.prose == "Title"
    assert "https" not in intro.prose and "a link" in intro.prose
    assert last.markup == ((".cta-button", 24), ("assets/logo.png", 24))
    assert blocks()[5].markup == (("{% relays %}", 19),)
    assert blocks()[4].prose == ""  # code is not read as prose


def test_numbers_are_read_in_the_pages_language() -> None:
    last = blocks()[-1]
    assert last.numbers("de") == (("1000.50", 24),)
    assert last.numbers("en") == (("1.000,50", 24),)  # not a number an English reader would write
    assert page_blocks("Visit nine.testrun.org for e2e and H2.\n", 1)[0].numbers("en") == ()


@pytest.mark.parametrize(
    ("token", "lang", "plain"),
    [
        ("1.000", "de", "1000"),
        ("1,000", "en", "1000"),
        ("3,5", "de", "3.5"),
        ("007", "en", "7"),
        ("1\u202f000", "fr", "1000"),
    ],
)
def test_plain_number(token: str, lang: str, plain: str) -> None:
    assert plain_number(token, lang) == plain


def test_named_host_and_url_host() -> None:
    assert named_host("www.Example.org") == "example.org"
    assert named_host("https://nine.testrun.org/") == "nine.testrun.org"
    assert named_host("README.md") is None  # a file name, not a host
    assert named_host("click here") is None
    assert url_host("https://WWW.Example.org:8080/a") == "example.org"
    assert url_host("//cdn.example.net/x.js") == "cdn.example.net"
    assert url_host("mailto:a@example.org") is None
    assert url_host("../de/") is None
