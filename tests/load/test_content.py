"""The page loader: every front-matter mistake becomes one diagnostic at the right line."""

from __future__ import annotations

from chatmail_site.build import build_site
from tests.support.diagnostics import diagnostics_of, only
from tests.support.sites import page, seed


def test_byte_order_mark_and_crlf_are_accepted(make_site):
    text = "\ufeff" + page("Hallo", "de", "# Titel\r\n\r\nText.\r\n").replace("\n", "\r\n")
    original = page("Home", "en", "# Title\n\nText.\n")
    site = make_site({"content/en/index.md": original, "content/de/index.md": text.encode("utf-8")})
    result = build_site(site)
    assert result.diagnostics.sorted() == []
    html = result.files["de/index.html"].decode()
    assert "<title>Hallo" in html and "\r" not in html


def test_missing_closing_delimiter(make_site):
    site = make_site({"content/en/index.md": "---\ntitle: Home\nlang: en\n\nText without a closing line.\n"})
    diagnostic = only(diagnostics_of(site), "content/en/index.md")
    assert (diagnostic.line, diagnostic.severity.value) == (1, "error")
    assert "never closed" in diagnostic.message
    assert "---" in diagnostic.hint


def test_yaml_syntax_error_points_at_its_line(make_site):
    site = make_site({"content/en/donate.md": "---\nlang: en\ntitle: Donate: now\n---\nText\n"})
    diagnostic = only(diagnostics_of(site), "content/en/donate.md")
    assert diagnostic.line == 3
    assert "YAML syntax error" in diagnostic.message
    assert 'title: "Donate: now"' in diagnostic.hint


def test_yaml_boolean_where_a_language_belongs(make_site):
    site = make_site(
        {
            "site.yaml": "title: T\ndefault_language: en\nlanguages: [en, nb]\n",
            "content/nb/index.md": "---\ntitle: Hjem\nlang: no\n---\nTekst\n",
        }
    )
    diagnostic = only(diagnostics_of(site), "content/nb/index.md")
    assert diagnostic.line == 3
    assert "`lang: no` was read as the boolean false" in diagnostic.message
    assert diagnostic.hint == 'put it in quotes: lang: "no"'


def test_file_that_is_not_utf8(make_site):
    site = make_site({"content/en/latin.md": page("Caf", "en").encode() + b"\nline two\ncaf\xe9\n"})
    diagnostic = only(diagnostics_of(site), "content/en/latin.md")
    assert diagnostic.line == 8  # lines: 5 of page, a blank one, "line two", then the bad byte
    assert "not valid UTF-8" in diagnostic.message
    assert "UTF-8" in diagnostic.hint


def test_lang_must_match_the_folder(make_site):
    site = make_site(
        {"site.yaml": "title: T\nlanguages: [en, de]\n", "content/de/index.md": page("Start", "fr")}
    )
    diagnostic = only(diagnostics_of(site), "content/de/index.md")
    assert diagnostic.line == 3
    assert "`lang: fr`" in diagnostic.message and "`de`" in diagnostic.message


def test_lang_must_be_a_known_language(make_site):
    site = make_site({"content/en/x.md": page("X", "english")})
    diagnostic = only(diagnostics_of(site), "content/en/x.md")
    assert "not a language tag Babel knows" in diagnostic.message
    assert "lang: en" in diagnostic.hint


def test_missing_lang(make_site):
    site = make_site({"content/en/x.md": "---\ntitle: X\n---\nText\n"})
    diagnostic = only(diagnostics_of(site), "content/en/x.md")
    assert diagnostic.message == "the front matter has no `lang`"


def test_translated_key_gets_did_you_mean_and_title_falls_back(make_site):
    french_seed = seed("004")
    site = make_site(
        {
            "site.yaml": "title: T\nlanguages: [en, fr]\n",
            "content/en/chatmail.md": page("Chatmail for messaging", "en"),
            "content/fr/chatmail.md": french_seed,
        }
    )
    result = build_site(site)
    # The front matter's findings; how the body differs from this stand-in original is
    # the quality checks' business (test_qa.py).
    found = [d for d in result.diagnostics.sorted() if d.path.endswith("fr/chatmail.md") and d.line < 4]
    assert [(d.line, d.severity.value) for d in found] == [(2, "warning"), (2, "warning")]
    unknown = next(d for d in found if "unknown" in d.message)
    assert unknown.message == "unknown front-matter key `titre`"
    assert unknown.hint == "did you mean `title`?"
    assert "using the en page's title" in next(d for d in found if "no `title`" in d.message).message
    assert "<title>Chatmail for messaging" in result.files["fr/chatmail/index.html"].decode()
    assert not result.diagnostics.failed() and result.diagnostics.failed(strict=True)


def test_every_seed_builds_as_it_is(make_site):
    languages = {"000": "nl", "001": "sk", "002": "de", "003": "id", "004": "fr"}
    files = {f"content/{lang}/chatmail.md": seed(number) for number, lang in languages.items()}
    files["content/en/chatmail.md"] = page("Chatmail", "en")
    files["site.yaml"] = "title: T\nlanguages: [en, nl, sk, de, id, fr]\n"
    result = build_site(make_site(files))
    assert result.diagnostics.errors == []
    # Only the French seed's front matter is wrong (test_qa.py reads the seeds' bodies).
    front_matter = [d for d in result.diagnostics.warnings if "title" in d.message]
    assert {d.path for d in front_matter} == {"content/fr/chatmail.md"}
    for lang in languages.values():
        assert f'<html lang="{lang}"' in result.files[f"{lang}/chatmail/index.html"].decode()


def test_all_problems_are_reported_at_once(make_site):
    site = make_site(
        {
            "content/en/a.md": "---\ntitle: A\n",
            "content/en/b.md": "---\ntitle: B: c\nlang: en\n---\n",
            "content/en/c.md": page("C", "de"),
        }
    )
    paths = {d.path for d in build_site(site).diagnostics.errors}
    assert paths == {"content/en/a.md", "content/en/b.md", "content/en/c.md"}


def test_unusable_file_name(make_site):
    site = make_site({"content/en/Read Me.md": page("R", "en")})
    diagnostic = only(diagnostics_of(site), "content/en/Read Me.md")
    assert "not a usable page name" in diagnostic.message
