"""The fronted relay's home, info and privacy pages state what the relay software's own pages
state, from a 2026 chatmail.ini, in English and German; relays without a domain name build
and hand out dclogin accounts; operators bring their own text, also imported from www/src."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatmail_site.build import BuildResult, build_site
from chatmail_site.commands.check import check_links
from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Severity
from chatmail_site.core.urls import page_output
from tests.support import NODE_MODULES, REPO_ROOT
from tests.support.sites import page, write_site

FIXTURE_2026 = REPO_ROOT / "tests" / "fixtures" / "chatmail-2026.ini"
DOMAIN = "chat.example.org"
SITE_YAML = "title: Relay\ndefault_language: en\nlanguages: [en, de, fr, nl]\nfronts:\n  ini: chatmail.ini\n"
# Values unlike the defaults, so that each fact below can only come from the file.
CHANGED_VALUES = {
    "max_user_send_per_minute": "45",
    "max_user_send_burst_size": "12",
    "max_mailbox_size": "2G",
    "delete_mails_after": "17",
    "delete_large_after": "5",
    "delete_inactive_users_after": "61",
}


def ini_2026(**values: str) -> str:
    """The 2026-shaped chatmail.ini with some commented-out keys set."""
    text = FIXTURE_2026.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"^#{key} = .*$", f"{key} = {value}", text, flags=re.M)
        assert count == 1, key
    return text


def relay_site(root: Path, ini: str, **files: str) -> Path:
    return write_site(root, {"site.yaml": SITE_YAML, "chatmail.ini": ini, **files})


def text_of(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode("utf-8")).split())


def main_text(html: bytes) -> str:
    return text_of(re.search(rb"<main.*</main>", html, re.S).group(0))


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> dict[str, bytes]:
    result = build_site(relay_site(tmp_path_factory.mktemp("changed"), ini_2026(**CHANGED_VALUES)))
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    return result.files


# --- the 2026 template ---------------------------------------------------------------------


def test_a_strict_build_of_the_2026_template_with_privacy_fields_passes(tmp_path):
    site = relay_site(tmp_path / "site", FIXTURE_2026.read_text(encoding="utf-8"))
    assert main(["build", "--site", str(site), "--out", str(tmp_path / "out"), "--strict"]) == 0
    info = main_text((tmp_path / "out" / page_output("en", "relay/info")).read_bytes())
    # The software's 2026 defaults, none of them written in the file.
    for fact in (
        "Up to 60 messages per minute",
        "up to 10 messages at once",
        "500 MB per chat profile",
        "after 20 days",
        "larger than 200 kB are deleted sooner, after 7 days",
        "has not logged in for 90 days",
        "9 random characters",
        "At least 9 characters",
    ):
        assert fact in info, fact


def test_a_value_the_relay_software_refuses_is_an_error_at_its_line(tmp_path, capsys):
    site = relay_site(tmp_path / "site", ini_2026(max_mailbox_size="500K", delete_large_after="soon"))
    assert main(["build", "--site", str(site), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    lines = (site / "chatmail.ini").read_text(encoding="utf-8").splitlines()
    for key, value in (("max_mailbox_size", "500K"), ("delete_large_after", "soon")):
        line = lines.index(f"{key} = {value}") + 1
        assert f"chatmail.ini:{line}: error: `{key}`" in err


def test_unknown_keys_of_newer_relay_software_are_not_errors(tmp_path):
    ini = FIXTURE_2026.read_text(encoding="utf-8") + "feature_of_2027 = on\n"
    result = build_site(relay_site(tmp_path, ini))
    assert not list(result.diagnostics), [d.format() for d in result.diagnostics]


# --- the facts, in English and German --------------------------------------------------------

INFO_FACTS = {
    "en": [
        "Up to 45 messages per minute",
        "A burst of up to 12 messages at once",
        "2 GB per chat profile; when it fills up, the oldest messages are removed",
        f"Unencrypted messages to addresses outside {DOMAIN} are refused",
        "deleted from the relay after 17 days",
        "Messages larger than 200 kB are deleted sooner, after 5 days",
        "has not logged in for 61 days",
        f"When you remove a chat profile of {DOMAIN} from Delta Chat, the relay deletes its account "
        "and all data that belongs to it 61 days later",
        "remove it from each of them",
        "runs the chatmail relay software",
        f"{DOMAIN} is run by Example Relay Association e.V.",
        "Write to privacy@example.org with any question about this relay",
    ],
    "de": [
        "Bis zu 45 Nachrichten pro Minute",
        "Bis zu 12 Nachrichten auf einmal",
        "2 GB pro Chatprofil; wenn das Postfach voll ist, werden die ältesten Nachrichten entfernt",
        f"Unverschlüsselte Nachrichten an Adressen außerhalb von {DOMAIN} werden abgewiesen",
        "17 Tage nach ihrem Eingang vom Relay gelöscht",
        "Nachrichten über 200 kB werden früher gelöscht, schon 5 Tage nach ihrem Eingang",
        "61 Tage",
        f"Wenn Sie ein Chatprofil von {DOMAIN} aus Delta Chat entfernen, löscht das Relay dessen Konto "
        "und alle zugehörigen Daten 61 Tage später",
        "entfernen Sie es auf jedem davon",
        "läuft die Chatmail-Relay-Software",
        f"{DOMAIN} wird von Example Relay Association e.V. betrieben",
        "Schreiben Sie mit jeder Frage zu diesem Relay an privacy@example.org",
    ],
}
PRIVACY_FACTS = {
    "en": [
        "Summary: no personal data asked for or kept",
        "deletes every message after 17 days at the latest",
        "does not send unencrypted messages on to other servers",
        "does not store IP addresses",
        "does not link IP addresses to chat addresses",
        "General Data Protection Regulation (GDPR)",
        "1. Who is responsible",
        "Example Relay Association e.V. Beispielstraße 12 10115 Berlin, Germany",
        "E-mail: privacy@example.org",
        "appointed a data protection officer: Dana Schutz",
        "2. Processing when you use the chat service",
        "The legal basis is Art. 6 (1) lit. b GDPR",
        "2.1 Setting up a chat profile",
        "2.2 Processing of messages",
        "logs of messages on their way, kept for a short time",
        "limits: on the sending rate, on storage, on the size of messages",
        "rests on Art. 6 (1) lit. f GDPR",
        "3. Processing when you visit this website",
        "log file",
        "usually after seven days",
        "hosting provider",
        "4. Passing on data",
        "expressly agreed to it (Art. 6 (1) lit. a GDPR)",
        "legal claims",
        "the law requires it (Art. 6 (1) lit. c GDPR)",
        "5. Your rights",
        "(Art. 15 GDPR)",
        "(Art. 16 GDPR)",
        "(Art. 17 GDPR)",
        "(Art. 18 GDPR)",
        "(Art. 20 GDPR)",
        "(Art. 21 GDPR)",
        "complaint with a data protection supervisory authority",
        "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
        "6. Validity of this policy",
        "announces every change",
    ],
    "de": [
        "Zusammenfassung: Es werden keine personenbezogenen Daten abgefragt oder gespeichert",
        "jede Nachricht spätestens 17 Tage nach ihrem Eingang löscht",
        "keine unverschlüsselten Nachrichten an andere Server weiterleitet",
        "keine IP-Adressen speichert",
        "keine IP-Adressen mit Chatadressen verknüpft",
        "Datenschutz-Grundverordnung (DSGVO)",
        "1. Verantwortlicher",
        "Example Relay Association e.V. Beispielstraße 12 10115 Berlin, Germany",
        "E-Mail: privacy@example.org",
        "Datenschutzbeauftragten benannt: Dana Schutz",
        "2. Verarbeitung bei Nutzung des Chatdienstes",
        "Rechtsgrundlage ist Art. 6 Abs. 1 lit. b DSGVO",
        "2.1 Einrichtung eines Chatprofils",
        "2.2 Verarbeitung von Nachrichten",
        "Protokolle über Nachrichten während der Übermittlung",
        "für die Senderate, den Speicherplatz, die Größe von Nachrichten",
        "beruht auf Art. 6 Abs. 1 lit. f DSGVO",
        "3. Verarbeitung beim Besuch dieser Website",
        "Protokolldatei",
        "in der Regel nach sieben Tagen",
        "Hosting-Anbieter",
        "4. Weitergabe von Daten",
        "ausdrücklich eingewilligt haben (Art. 6 Abs. 1 lit. a DSGVO)",
        "Rechtsansprüchen",
        "das Gesetz es verlangt (Art. 6 Abs. 1 lit. c DSGVO)",
        "5. Ihre Rechte",
        "(Art. 15 DSGVO)",
        "(Art. 16 DSGVO)",
        "(Art. 17 DSGVO)",
        "(Art. 18 DSGVO)",
        "(Art. 20 DSGVO)",
        "(Art. 21 DSGVO)",
        "bei einer Datenschutz-Aufsichtsbehörde zu beschweren",
        "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
        "6. Gültigkeit dieser Datenschutzerklärung",
        "kündigt jede Änderung an",
    ],
}
HOME_FACTS = {
    "en": [
        "Welcome!",
        f"Get a chat profile on {DOMAIN}",
        f"Scan this code with Delta Chat to get a chat profile on {DOMAIN}",
        "Your first steps",
        "Choose a name and, if you like, an avatar",
        "exchange QR invite codes",
        "Privacy policy",
    ],
    "de": [
        "Willkommen!",
        f"Chatprofil auf {DOMAIN} erhalten",
        "Ihre ersten Schritte",
        "Wählen Sie einen Namen und, wenn Sie möchten, ein Profilbild",
        "Tauschen Sie QR-Einladungscodes",
        "Datenschutzerklärung",
    ],
}
FACTS = {"relay": HOME_FACTS, "relay/info": INFO_FACTS, "relay/privacy": PRIVACY_FACTS}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("slug", sorted(FACTS))
def test_every_fact_is_stated(changed: dict[str, bytes], slug: str, language: str):
    text = main_text(changed[page_output(language, slug)])
    missing = [fact for fact in FACTS[slug][language] if fact not in text]
    assert not missing, f"{language}/{slug} lacks {missing}"


@pytest.mark.parametrize(
    ("language", "law"), [("en", "GDPR"), ("de", "DSGVO"), ("fr", "RGPD"), ("nl", "AVG")]
)
def test_the_privacy_policy_names_the_law_as_its_readers_know_it_and_is_complete(
    changed: dict[str, bytes], language: str, law: str
):
    text = main_text(changed[page_output(language, "relay/privacy")])
    assert text.count(law) >= 15
    assert all(f"{number}." in text for number in range(1, 7))
    assert len(text.split()) > 900


def test_the_home_page_links_the_privacy_policy_and_carries_the_invite(changed: dict[str, bytes]):
    html = changed[page_output("en", "relay")].decode()
    assert f'href="DCACCOUNT:https://{DOMAIN}/new"' in html
    assert re.search(r'<a href="[^"]*privacy/?">Privacy policy</a>', html)


# --- relays without a domain name ------------------------------------------------------------


@pytest.fixture(scope="module")
def ipv4_build(tmp_path_factory) -> BuildResult:
    ini = ini_2026().replace(f"mail_domain = {DOMAIN}", "mail_domain = 203.0.113.7")
    # The header's donate link needs its page, so that every link of the build can resolve.
    donate = {"content/en/donate.md": page("Donate", "en")}
    result = build_site(relay_site(tmp_path_factory.mktemp("ipv4"), ini, **donate))
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    return result


@pytest.fixture(scope="module")
def ipv4(ipv4_build: BuildResult) -> dict[str, bytes]:
    return ipv4_build.files


def test_an_ipv4_relay_states_its_address_and_its_self_signed_certificate(ipv4: dict[str, bytes]):
    english = main_text(ipv4[page_output("en", "relay/info")])
    assert "reached at the IP address 203.0.113.7" in english
    assert "look like abc123xyz@[203.0.113.7]" in english
    assert "self-signed certificate" in english
    german = main_text(ipv4[page_output("de", "relay/info")])
    assert "unter der IP-Adresse 203.0.113.7 erreichbar" in german
    assert "selbst signierten Zertifikat" in german


def test_an_ipv4_relay_home_page_runs_the_dclogin_script_and_says_what_to_do_without_it(ipv4):
    html = ipv4[page_output("en", "relay")].decode()
    assert "DCACCOUNT" not in html and "<svg" not in html
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert [Path(src).name.split(".")[0] for src in scripts] == ["qrcode", "dclogin"]
    for src in scripts:
        assert f"assets/{src.split('assets/')[1]}" in ipv4
    assert 'data-new-url="/new"' in html
    assert "needs JavaScript" in main_text(ipv4[page_output("en", "relay")])
    english = main_text(ipv4[page_output("en", "relay")])
    assert "Without JavaScript: open https://203.0.113.7/new in this browser" in english
    german = main_text(ipv4[page_output("de", "relay")])
    assert "Ohne JavaScript: Öffnen Sie https://203.0.113.7/new" in german


def test_every_link_of_an_ipv4_relay_site_resolves(ipv4: dict[str, bytes]):
    assert check_links(ipv4) == []


def test_an_ipv4_relay_nginx_config_hands_get_on_new_to_the_account_script(ipv4_build: BuildResult):
    config = ipv4_build.deploy_files["nginx/203.0.113.7.conf"].decode()
    new_block = config.split("location = /new {", 1)[1].split("\n    }", 1)[0]
    assert "return 302" not in new_block and "fastcgi_pass" in new_block
    assert "/etc/ssl/certs/mailserver.pem" in config


def test_a_relay_named_with_a_leading_underscore_builds(tmp_path):
    ini = ini_2026().replace(f"mail_domain = {DOMAIN}", "mail_domain = _chat.internal")
    result = build_site(relay_site(tmp_path, ini))
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    assert "reached as _chat.internal" in main_text(result.files[page_output("en", "relay/info")])


def test_the_vendored_qr_library_is_the_pinned_npm_package_file():
    vendored = REPO_ROOT / "themes" / "default" / "static" / "vendor" / "qrcode-generator" / "qrcode.js"
    installed = NODE_MODULES / "qrcode-generator" / "dist" / "qrcode.js"
    assert installed.is_file(), "run `npm ci` to install the pinned QR library"
    assert vendored.read_bytes() == installed.read_bytes()
    lock = (REPO_ROOT / "package-lock.json").read_text(encoding="utf-8")
    version = re.search(r'"node_modules/qrcode-generator": \{\s*"version": "([^"]+)"', lock)[1]
    assert f"qrcode-generator {version}" in (vendored.parent / "LICENSE").read_text(encoding="utf-8")


# --- operators' own text ---------------------------------------------------------------------


def own(mode: str, body: str, lang: str = "en", title: str | None = None) -> str:
    return page(title, lang, body, mode=mode)


def test_an_own_text_replaces_a_page_with_the_ini_values_filled_in(tmp_path):
    body = (
        "## Our promise\n\nWe delete mail after {relay.delete_mails_after} days. See [limits]({page.info}).\n"
    )
    result = build_site(
        relay_site(
            tmp_path,
            ini_2026(delete_mails_after="17"),
            **{"content/relay/de/privacy.md": own("replace", body, "de", title="Unser Datenschutz")},
        )
    )
    assert not result.diagnostics.errors, [d.format() for d in result.diagnostics]
    html = result.files[page_output("de", "relay/privacy")].decode()
    assert "<h1>Unser Datenschutz</h1>" in html
    assert "We delete mail after 17 days." in main_text(result.files[page_output("de", "relay/privacy")])
    assert "DSGVO" not in main_text(result.files[page_output("de", "relay/privacy")])
    assert re.search(r'href="(?:\.\./)+de/relay/info/?"', html)
    # Other languages keep the theme's text.
    assert "DSGVO" not in main_text(result.files[page_output("en", "relay/privacy")])
    assert "GDPR" in main_text(result.files[page_output("en", "relay/privacy")])


def test_an_own_text_may_follow_the_theme_text(tmp_path):
    files = {"content/relay/en/info.md": own("append", "Ask us on {relay.privacy_mail}.\n")}
    result = build_site(relay_site(tmp_path, ini_2026(), **files))
    text = main_text(result.files[page_output("en", "relay/info")])
    assert text.index("Up to 60 messages per minute") < text.index("Ask us on privacy@example.org.")


def test_an_english_own_text_stands_in_for_untranslated_languages_as_a_fallback(tmp_path):
    files = {"content/relay/en/home.md": own("replace", "Hello from the operator.\n")}
    result = build_site(relay_site(tmp_path, ini_2026(), **files))
    html = result.files[page_output("de", "relay")].decode()
    assert '<div class="relay-own" lang="en">' in html
    assert "Diese Seite ist noch nicht auf Deutsch übersetzt" in html
    assert '<meta name="robots" content="noindex">' in html
    # The join button is the theme's and stays.
    assert f'href="DCACCOUNT:https://{DOMAIN}/new"' in html


def test_an_unknown_name_is_an_error_at_its_line_with_a_suggestion(tmp_path):
    body = "First line.\n\nMail is kept {relay.delete_mail_after} days.\n"
    result = build_site(
        relay_site(tmp_path, ini_2026(), **{"content/relay/en/info.md": own("replace", body)})
    )
    (error,) = result.diagnostics.errors
    assert (error.path, error.line) == ("content/relay/en/info.md", 7)
    assert "`{relay.delete_mail_after}` names no relay value" in error.message
    assert error.hint == "did you mean `{relay.delete_mails_after}`?"


def test_template_code_in_an_own_text_never_runs(tmp_path):
    body = "{{ config.mail_domain }} {{ 7 * 7 }}\n\n{% if true %}x{% endif %}\n"
    result = build_site(
        relay_site(tmp_path, ini_2026(), **{"content/relay/en/home.md": own("replace", body)})
    )
    assert [e.line for e in result.diagnostics.errors if "template code" in e.message] == [5, 7]
    assert all(
        "49" not in data.decode("utf-8", "replace")
        for name, data in result.files.items()
        if name == page_output("en", "relay")
    )


def test_own_texts_on_a_site_that_fronts_no_relay_are_a_warning(tmp_path):
    site = write_site(tmp_path, {"content/relay/en/home.md": own("replace", "x\n")})
    (warning,) = [d for d in build_site(site).diagnostics if d.severity is Severity.WARNING]
    assert warning.path == "content/relay" and "fronts no relay" in warning.message


def test_a_misnamed_own_text_is_a_warning(tmp_path):
    files = {"content/relay/en/privcy.md": own("replace", "x\n")}
    result = build_site(relay_site(tmp_path, ini_2026(), **files))
    (warning,) = [d for d in result.diagnostics if d.severity is Severity.WARNING]
    assert warning.path == "content/relay/en/privcy.md" and "privacy" in warning.hint


# --- importing a relay's www/src ---------------------------------------------------------------

WWW_INDEX = """\
<img class="banner" src="banner.png"/>

## Hello there

{% if config.mail_domain == "other.example" %}
This text is for another relay.
{% else %}
Welcome to {{ config.mail_domain }}, read our [privacy policy](privacy.html).
{% endif %}

{% if config.tls_cert_mode == "self" %}
<a class="cta-button" id="dclogin-link" href="#">Get a profile</a>
{% else %}
<a class="cta-button" href="DCACCOUNT:https://{{ config.mail_domain }}/new">Get a profile</a>
{% endif %}

Mail stays {{ config.delete_mails_after }} days; see [the limits](info.html#account-deletion).
"""
WWW_PRIVACY = """\
# Our privacy policy for {{ config.mail_domain }}

Write to {{ config.privacy_mail }}. We run {{ config.some_future_setting }} too.
"""


def test_import_www_turns_a_www_src_folder_into_own_texts_published_in_place_of_ours(tmp_path, capsys):
    site = relay_site(tmp_path / "site", ini_2026(delete_mails_after="17"))
    www = tmp_path / "www" / "src"
    www.mkdir(parents=True)
    (www / "index.md").write_text(WWW_INDEX, encoding="utf-8")
    (www / "privacy.md").write_text(WWW_PRIVACY, encoding="utf-8")
    (www / "banner.png").write_bytes(b"\x89PNG\r\n\x1a\n banner")
    (www / "main.css").write_text("body { color: red }\n", encoding="utf-8")
    (www / "page-layout.html").write_text("<html></html>\n", encoding="utf-8")

    assert main(["relay", "import-www", "--site", str(site), str(www)]) == 0
    err = capsys.readouterr().err
    assert f"{www / 'main.css'}:0: warning: not carried over: main.css" in err
    assert f"{www / 'index.md'}:11: warning: left out: the join button and QR code" in err
    assert f"{www / 'privacy.md'}:3: warning: left out: `{{{{ config.some_future_setting }}}}`" in err
    home = (site / "content" / "relay" / "en" / "home.md").read_text(encoding="utf-8")
    assert (
        "{relay.mail_domain}" in home and "{page.privacy}" in home and "{page.info}#account-deletion" in home
    )
    assert "another relay" not in home and "DCACCOUNT" not in home
    assert (site / "content" / "assets" / "relay" / "banner.png").read_bytes().endswith(b"banner")

    assert main(["build", "--site", str(site), "--out", str(tmp_path / "out"), "--strict"]) == 0
    out = tmp_path / "out"
    text = main_text((out / page_output("en", "relay")).read_bytes())
    assert f"Welcome to {DOMAIN}, read our privacy policy" in text
    assert "Mail stays 17 days" in text
    assert "Welcome! Here you get" not in text  # the theme's text is replaced
    assert (out / "assets" / "relay" / "banner.png").is_file()
    assert (
        "<h1>Our privacy policy for chat.example.org</h1>"
        in (out / page_output("en", "relay/privacy")).read_text()
    )
    # Importing twice would overwrite the operator's files: refused without --force.
    assert main(["relay", "import-www", "--site", str(site), str(www)]) == 1
    assert "this file exists already" in capsys.readouterr().err
