"""The theme's gettext gives what Jinja's own newstyle gettext gives, however often it is asked."""

from __future__ import annotations

import gettext
from pathlib import Path

import jinja2
import pytest
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from chatmail_site.load.config import SiteConfig
from chatmail_site.load.i18n import Language, parse_locale
from chatmail_site.load.theme import Theme, _checked_translation


class DictTranslations(gettext.NullTranslations):
    """A catalog given as a dict: msgid → text, or (singular, plural) → (one, other)."""

    def __init__(self, messages: dict) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.messages.get((singular, plural))
        if forms is None:
            return singular if n == 1 else plural
        return forms[0] if n == 1 else forms[1]


GERMAN = {
    "Donate": "Spenden",
    "Join %(domain)s": "%(domain)s beitreten",
    "Broken %(domain)s": "Kaputt %(domian)s",
    "Markup in <b>text</b>": "Auszeichnung <i>& mehr</i>",
    "Fifty %% off": "Fünfzig %% weniger",
    ("%(num)d day", "%(num)d days"): ("%(num)d Tag", "%(num)d Tage"),
    ("Up to %(count)s message", "Up to %(count)s messages"): ("Bis %(count)s Nachricht", "Bis %(count)s"),
}

TEMPLATES = [
    "{{ _('Donate') }}|{{ gettext('Donate') }}|{{ _('Not in the catalog') }}",
    "{{ _('Join %(domain)s', domain='<x>.org') }}",
    "{{ _('Broken %(domain)s', domain='a&b') }}",
    "{{ _('Markup in <b>text</b>') }}",
    "{{ _('Fifty %% off') }}",
    "{% for n in [0, 1, 2, 5] %}{{ ngettext('%(num)d day', '%(num)d days', n) }};{% endfor %}",
    "{% for n in [1, 3] %}{{ ngettext('Up to %(count)s message', 'Up to %(count)s messages', n,"
    " count='<' ~ n) }};{% endfor %}",
    "{% trans %}Donate{% endtrans %}|{% trans domain='d<' %}Join {{ domain }}{% endtrans %}",
    "{% for n in [1, 2] %}{% trans count=n %}{{ count }} day{% pluralize %}{{ count }} days"
    "{% endtrans %};{% endfor %}",
    "{% autoescape false %}{{ _('Markup in <b>text</b>') }}{{ _('Join %(domain)s', domain='<y>') }}"
    "{% endautoescape %}",
]


@pass_context
def reference_gettext(context: Context, message: str) -> Markup:
    return _checked_translation(context["lang"].gettext(message), message)


@pass_context
def reference_ngettext(context: Context, singular: str, plural: str, count: int) -> Markup:
    english = singular if count == 1 else plural
    return _checked_translation(context["lang"].ngettext(singular, plural, count), english)


def reference_environment() -> jinja2.Environment:
    """Jinja's stock newstyle gettext around the unmemoised lookups: the specification."""
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(reference_gettext, reference_ngettext, newstyle=True)
    return env


def language(code: str, messages: dict) -> Language:
    locale = parse_locale(code)
    assert locale is not None
    return Language(code, locale, DictTranslations(messages), has_catalog=True)


@pytest.fixture
def theme_env(tmp_path: Path) -> jinja2.Environment:
    config = SiteConfig(root=tmp_path, title="Test", default_language="en", languages=("en", "de"))
    return Theme(config).env


@pytest.mark.parametrize("source", TEMPLATES)
def test_theme_gettext_matches_jinja_newstyle_gettext(theme_env: jinja2.Environment, source: str) -> None:
    spec = reference_environment().from_string(source)
    template = theme_env.from_string(source)
    for lang in (language("de", GERMAN), language("en", {})):
        expected = spec.render(lang=lang)
        # Twice: the second render is served from the language's memo.
        assert template.render(lang=lang) == expected
        assert template.render(lang=lang) == expected


def test_languages_keep_their_own_strings(theme_env: jinja2.Environment) -> None:
    template = theme_env.from_string("{{ _('Donate') }}")
    german, french = language("de", GERMAN), language("fr", {"Donate": "Faire un don"})
    assert [template.render(lang=lang) for lang in (german, french, german)] == [
        "Spenden",
        "Faire un don",
        "Spenden",
    ]


def test_a_new_catalog_of_the_same_language_gets_fresh_strings(theme_env: jinja2.Environment) -> None:
    template = theme_env.from_string("{{ _('Donate') }}")
    assert template.render(lang=language("de", GERMAN)) == "Spenden"
    assert template.render(lang=language("de", {"Donate": "Jetzt spenden"})) == "Jetzt spenden"


def test_a_translation_with_a_number_placeholder_is_shown() -> None:
    german = "Löscht Nachrichten nach höchstens %(num)d Tagen"
    assert _checked_translation(german, "Deletes messages after at most %(num)d days") == german
    # a variable the English text does not have still falls back to English
    assert _checked_translation("%(days)d Tage", "%(num)d days") == "%(num)d days"


def test_relay_pages_show_the_translated_retention_sentence(tmp_path: Path) -> None:
    from chatmail_site.build import build_site
    from tests.support.sites import copy_bundled_site

    site = copy_bundled_site(tmp_path / "site")
    servers = site / "content/servers.yaml"
    text = servers.read_text(encoding="utf-8")
    with_retention = text.replace("  default: true\n", "  default: true\n  retention_days: 20\n", 1)
    servers.write_text(with_retention, encoding="utf-8")
    page = build_site(site).files["de/servers/nine.testrun.org/index.html"].decode()
    assert "Löscht Nachrichten nach höchstens 20 Tagen" in page
