"""The relay directory: servers.yaml → validated relay records, and the public servers.json."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from chatmail_site.core.errors import Diagnostic, Diagnostics, Severity
from chatmail_site.load.servers import Relay, load_servers, servers_json
from tests.support import REPO_ROOT

ROOT = REPO_ROOT
BUNDLED = ROOT / "content" / "servers.yaml"
REFERENCE = ROOT.parent / "shared" / "reference" / "relays-2026-07.tsv"
SCHEMA = json.loads((ROOT / "schemas" / "servers.schema.json").read_text(encoding="utf-8"))
TODAY = date(2025, 3, 15)


def load(tmp_path: Path, text: str, *, today: date = TODAY) -> tuple[tuple[Relay, ...], Diagnostics]:
    path = tmp_path / "servers.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    diagnostics = Diagnostics()
    return load_servers(path, diagnostics, today=today), diagnostics


def only(diagnostics: Diagnostics) -> Diagnostic:
    assert len(diagnostics) == 1, [d.format() for d in diagnostics]
    return diagnostics.items[0]


def by_domain(relays: tuple[Relay, ...]) -> dict[str, Relay]:
    return {relay.domain: relay for relay in relays}


# --- the bundled directory --------------------------------------------------------------


def test_bundled_directory_loads_without_any_diagnostic() -> None:
    diagnostics = Diagnostics()
    relays = load_servers(BUNDLED, diagnostics, today=date.today())
    assert [d.format() for d in diagnostics] == []
    assert relays[0].domain == "nine.testrun.org"
    assert relays[0].default


def reference_relays() -> list[dict[str, object]]:
    """The relays of the public directory's July 2026 state, as the shared reference lists them."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    header, *records = rows
    assert header[:3] == ["domain", "hosted_in", "community_language"]
    relays = []
    for domain, hosted, language, *_ in records:
        place, _, codes = hosted.rpartition(", ")
        relays.append(
            {
                "domain": domain,
                "hosted_in": None if place in ("", "-") else place,
                "countries": tuple(codes.split()) if hosted != "-" else (),
                "languages": () if language == "-" else (language,),
            }
        )
    return relays


def test_bundled_directory_is_the_reference_directory_in_its_order() -> None:
    relays = load_servers(BUNDLED, Diagnostics(), today=date.today())
    expected = reference_relays()
    assert len(relays) == len(expected) == 26
    shown = [
        {"domain": r.domain, "hosted_in": r.hosted_in, "countries": r.countries, "languages": r.languages}
        for r in relays
    ]
    assert shown == expected
    assert [r.domain for r in relays if r.default] == ["nine.testrun.org"]
    assert by_domain(relays)["chat.sus.fr"].countries == ("IS", "JP", "KE", "ZA")
    # Nothing beyond the reference is recorded, and the relay that left is gone.
    assert all(r.since is None and r.operator is None and r.listed for r in relays)
    assert "bcc.chat" not in by_domain(relays)


def test_a_full_relay_is_read_into_its_record(tmp_path: Path) -> None:
    relays, diagnostics = load(
        tmp_path,
        """
        - domain: Example.ORG
          languages: [de, pt_BR, en-US]
          country: de
          since: 2024-02
          operator: A small association
          default: yes
          listed: true
          website: https://example.org/about
          invite: short
          retention_days: 20
          notes:
            en: Run by volunteers.
            de: Von Freiwilligen betrieben.
        """,
    )
    assert list(diagnostics) == []
    (relay,) = relays
    assert relay == Relay(
        domain="example.org",
        ascii_domain="example.org",
        languages=("de", "pt-BR", "en-US"),
        countries=("DE",),
        since=date(2024, 2, 1),
        operator="A small association",
        default=True,
        listed=True,
        website="https://example.org/about",
        invite="short",
        retention_days=20,
        notes={"en": "Run by volunteers.", "de": "Von Freiwilligen betrieben."},
    )
    assert relay.line == 1
    assert relay.since_text == "2024-02"


def test_optional_fields_take_their_defaults(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n")
    assert list(diagnostics) == []
    assert relay.languages == ()
    assert relay.country is None
    assert relay.countries == ()
    assert relay.hosted_in is None
    assert relay.since is None
    assert relay.operator is None
    assert not relay.default
    assert relay.listed
    assert relay.website == "https://example.org/"
    assert relay.invite == "legacy"
    assert relay.retention_days is None
    assert dict(relay.notes) == {}


def test_relays_keep_the_order_of_the_file_with_the_default_first(tmp_path: Path) -> None:
    relays, diagnostics = load(
        tmp_path,
        """
        - domain: zeta.example
        - domain: undated.example
        - domain: late.example
          since: 2024-06
        - domain: alpha.example
          since: 2024-01
        - domain: main.example
          default: true
          since: 2024-09
        """,
    )
    assert list(diagnostics) == []
    assert [relay.domain for relay in relays] == [
        "main.example",
        "zeta.example",
        "undated.example",
        "late.example",
        "alpha.example",
    ]


@pytest.mark.parametrize(
    ("entry", "uri"),
    [
        ("- domain: nine.testrun.org", "DCACCOUNT:https://nine.testrun.org/new"),
        ("- domain: nine.testrun.org\n  invite: legacy", "DCACCOUNT:https://nine.testrun.org/new"),
        ("- domain: nine.testrun.org\n  invite: short", "dcaccount:nine.testrun.org"),
        ("- domain: bücher.example", "DCACCOUNT:https://xn--bcher-kva.example/new"),
        ("- domain: bücher.example\n  invite: short", "dcaccount:xn--bcher-kva.example"),
    ],
)
def test_invite_uri_uses_the_ascii_domain(tmp_path: Path, entry: str, uri: str) -> None:
    (relay,), diagnostics = load(tmp_path, entry + "\n")
    assert list(diagnostics) == []
    assert relay.invite_uri == uri


def test_unicode_domain_keeps_its_written_form_beside_the_ascii_form(tmp_path: Path) -> None:
    (relay,), _ = load(tmp_path, "- domain: Bücher.Example\n")
    assert relay.domain == "bücher.example"
    assert relay.ascii_domain == "xn--bcher-kva.example"
    assert relay.website == "https://xn--bcher-kva.example/"


# --- diagnostics: one per mistake, at its line, with a hint -----------------------------


def assert_error(diagnostic: Diagnostic, line: int, message: str, hint_part: str) -> None:
    assert diagnostic.severity is Severity.ERROR, diagnostic.format()
    assert diagnostic.line == line, diagnostic.format()
    assert diagnostic.message == message
    assert hint_part in diagnostic.hint


def test_duplicate_domain_names_both_lines(tmp_path: Path) -> None:
    relays, diagnostics = load(
        tmp_path,
        """
        - domain: mehl.cloud
          since: 2024-01
        - domain: nine.testrun.org
        - domain: MEHL.cloud
        """,
    )
    assert_error(
        only(diagnostics), 4, "the relay `mehl.cloud` is listed twice, at lines 1 and 4", "keep one entry"
    )
    assert [relay.domain for relay in relays].count("mehl.cloud") == 1


def test_unicode_and_ascii_spelling_of_one_domain_are_duplicates(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "- domain: bücher.example\n- domain: xn--bcher-kva.example\n")
    assert only(diagnostics).message == "the relay `xn--bcher-kva.example` is listed twice, at lines 1 and 2"


PARTS_RULE = "each dot-separated part may hold only letters, digits and inner hyphens"


@pytest.mark.parametrize(
    ("domain", "message", "hint_part"),
    [
        ("localhost", "`localhost` needs at least two labels, like `example.org`", "nine.testrun.org"),
        (
            "https://mehl.cloud/",
            f"`https://mehl.cloud/` is not a valid domain name: {PARTS_RULE}",
            "https://",
        ),
        ("admin@mehl.cloud", f"`admin@mehl.cloud` is not a valid domain name: {PARTS_RULE}", "only the host"),
        ("mehl.cloud.", f"`mehl.cloud.` is not a valid domain name: {PARTS_RULE}", "spelling"),
        ("mehl..cloud", "`mehl..cloud` is not a valid domain name", "spelling"),
        ("-mehl.cloud", f"`-mehl.cloud` is not a valid domain name: {PARTS_RULE}", "spelling"),
        ("mehl-.cloud", f"`mehl-.cloud` is not a valid domain name: {PARTS_RULE}", "spelling"),
        ("mehl_chat.cloud", f"`mehl_chat.cloud` is not a valid domain name: {PARTS_RULE}", "spelling"),
        ("a" * 64 + ".cloud", f"`{'a' * 64}.cloud` is not a valid domain name", "spelling"),
        (".".join(["a" * 60] * 5), f"`{'.'.join(['a' * 60] * 5)}` is longer than 253 characters", "spelling"),
        ("192.168.1.10", "`192.168.1.10` looks like an IP address, not a domain name", "spelling"),
    ],
)
def test_invalid_domain_is_reported_and_the_relay_left_out(
    tmp_path: Path, domain: str, message: str, hint_part: str
) -> None:
    relays, diagnostics = load(tmp_path, f"- domain: nine.testrun.org\n- domain: '{domain}'\n")
    assert_error(only(diagnostics), 2, message, hint_part)
    assert [relay.domain for relay in relays] == ["nine.testrun.org"]


def test_a_63_character_label_is_the_longest_allowed(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, f"- domain: {'a' * 63}.cloud\n")
    assert list(diagnostics) == []
    assert relay.ascii_domain == "a" * 63 + ".cloud"


def test_missing_domain_is_reported_at_the_relay(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "- domain: a.example\n- country: DE\n  since: 2024-01\n")
    assert_error(only(diagnostics), 2, "`domain` is missing", "domain:")
    assert len(relays) == 1


def test_website_host_differing_from_the_domain_is_a_warning(tmp_path: Path) -> None:
    (relay,), diagnostics = load(
        tmp_path,
        """
        - domain: chatmail.woodpeckersnest.space
          website: https://chatmail.woodpeckersnet.space/
        """,
    )
    diagnostic = only(diagnostics)
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.line == 2
    assert diagnostic.message == (
        "the website's host `chatmail.woodpeckersnet.space` differs from the relay's domain "
        "`chatmail.woodpeckersnest.space`"
    )
    assert "typo" in diagnostic.hint
    assert relay.website == "https://chatmail.woodpeckersnet.space/"


def test_website_with_the_unicode_host_of_the_domain_is_fine(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "- domain: xn--bcher-kva.example\n  website: https://bücher.example/\n")
    assert list(diagnostics) == []


@pytest.mark.parametrize("website", ["ftp://example.org/", "example.org", "mailto:admin@example.org"])
def test_website_that_is_not_http_is_an_error(tmp_path: Path, website: str) -> None:
    (relay,), diagnostics = load(tmp_path, f"- domain: example.org\n  website: '{website}'\n")
    assert_error(only(diagnostics), 2, f"`website: {website}` is not a web address", "https://example.org/")
    assert relay.website == "https://example.org/"


@pytest.mark.parametrize(
    ("entry", "line", "message", "hint_part"),
    [
        ("  languages: [de, xx]", 3, "unknown language `xx` in `languages`", "such as de, en or pt-BR"),
        ("  languages: [german]", 3, "unknown language `german` in `languages`", "`de`"),
        (
            "  languages: [germna]",
            3,
            "unknown language `germna` in `languages`",
            "did you mean `de` (german)?",
        ),
        (
            "  languages:\n    - de\n    - no",
            5,
            "a language in `languages` was read as the boolean false, not as a code",
            '"no"',
        ),
        ("  languages: de", 3, "`languages` must be a list, not text", "languages: [de]"),
        ("  languages: [42]", 3, "a language in `languages` must be a code like `de`, not a number", "code"),
        (
            "  notes:\n    klingonish: Hi",
            4,
            "unknown language `klingonish` in `notes`",
            "did you mean `tlh` (klingon)?",
        ),
        (
            "  notes:\n    no: Hei",
            4,
            "a language in `notes` was read as the boolean false, not as a code",
            '"no"',
        ),
        ("  notes: Hi", 3, "`notes` must be a mapping of language to text, not text", "en:"),
    ],
)
def test_unknown_or_mistyped_languages_are_errors(
    tmp_path: Path, entry: str, line: int, message: str, hint_part: str
) -> None:
    _, diagnostics = load(tmp_path, f"- domain: other.example\n- domain: example.org\n{entry}\n")
    assert_error(only(diagnostics), line, message, hint_part)


def test_language_tags_are_stored_in_canonical_form_without_repeats(tmp_path: Path) -> None:
    (relay,), _ = load(tmp_path, "- domain: example.org\n  languages: [DE, de, zh_hant, 'no']\n")
    assert relay.languages == ("de", "zh-Hant", "no")


@pytest.mark.parametrize(
    ("value", "message", "hint_part"),
    [
        ("no", "`country: no` was read as the boolean false, not as text", 'country: "no"'),
        ("Germany", "unknown country code `Germany`", "`DE` instead of the country's name"),
        ("UK", "unknown country code `UK`", "`GB`"),
        ("Grmany", "unknown country code `Grmany`", "did you mean `DE` (Germany)?"),
        ("EU", "unknown country code `EU`", "two-letter ISO 3166-1 code"),
        ("QQ", "unknown country code `QQ`", "two-letter ISO 3166-1 code"),
        ("[DE]", "`country` must be text, not a list", "country:"),
    ],
)
def test_unknown_or_mistyped_country_is_an_error(
    tmp_path: Path, value: str, message: str, hint_part: str
) -> None:
    (relay,), diagnostics = load(tmp_path, f"- domain: example.org\n  since: 2024-01\n  country: {value}\n")
    assert_error(only(diagnostics), 3, message, hint_part)
    assert relay.country is None


def test_quoted_norway_is_a_country(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, '- domain: example.no\n  country: "NO"\n')
    assert list(diagnostics) == []
    assert relay.country == "NO"


def test_a_relay_can_be_hosted_in_several_countries(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n  countries: [is, JP, KE, ZA]\n")
    assert list(diagnostics) == []
    assert relay.countries == ("IS", "JP", "KE", "ZA")
    assert relay.country == "IS"


def test_country_is_the_one_element_form_of_countries(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n  country: DE\n")
    assert list(diagnostics) == []
    assert relay.countries == ("DE",)


@pytest.mark.parametrize(
    ("value", "line", "message", "hint_part"),
    [
        ("[DE, Grmany]", 3, "unknown country code `Grmany`", "did you mean `DE` (Germany)?"),
        ("[DE, UK]", 3, "unknown country code `UK`", "`GB`"),
        ("[Japan]", 3, "unknown country code `Japan`", "`JP` instead of the country's name"),
        ("[DE, no]", 3, "a country in `countries` was read as the boolean false, not as a code", '"NO"'),
        ("[DE, 49]", 3, "a country in `countries` must be a two-letter code like `DE`, not a number", "ISO"),
        ("DE", 3, "`countries` must be a list, not text", "countries: [DE]"),
        ("\n    - DE\n    - XY", 5, "unknown country code `XY`", "two-letter ISO 3166-1 code"),
    ],
)
def test_wrong_countries_are_errors_at_their_line(
    tmp_path: Path, value: str, line: int, message: str, hint_part: str
) -> None:
    _, diagnostics = load(tmp_path, f"- domain: example.org\n  since: 2024-01\n  countries: {value}\n")
    assert_error(only(diagnostics), line, message, hint_part)


def test_a_country_listed_twice_is_a_warning(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n  countries: [DE, de]\n")
    diagnostic = only(diagnostics)
    assert diagnostic.severity is Severity.WARNING
    assert (diagnostic.line, diagnostic.message) == (2, "the country `DE` is listed twice")
    assert relay.countries == ("DE",)


def test_country_and_countries_together_are_an_error(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "- domain: example.org\n  country: DE\n  countries: [FR]\n")
    assert_error(only(diagnostics), 3, "`country` and `countries` are both given", "keep only `countries`")


def test_hosted_in_is_kept_as_written(tmp_path: Path) -> None:
    (relay,), diagnostics = load(
        tmp_path, "- domain: example.org\n  hosted_in: Santa Clara (California)\n  countries: [US]\n"
    )
    assert list(diagnostics) == []
    assert relay.hosted_in == "Santa Clara (California)"


@pytest.mark.parametrize(
    ("value", "message", "hint_part"),
    [
        ("[Falkenstein]", "`hosted_in` must be text, not a list", "hosted_in:"),
        ("yes", "`hosted_in: yes` was read as the boolean true, not as text", '"yes"'),
        ('""', "`hosted_in` must be a short place name on one line (at most 80 characters)", "Falkenstein"),
        ("x" * 81, "`hosted_in` must be a short place name on one line (at most 80 characters)", "countries"),
        (
            '"Zug\\nZurich"',
            "`hosted_in` must be a short place name on one line (at most 80 characters)",
            "city",
        ),
    ],
)
def test_wrong_hosted_in_is_an_error(tmp_path: Path, value: str, message: str, hint_part: str) -> None:
    (relay,), diagnostics = load(tmp_path, f"- domain: example.org\n  hosted_in: {value}\n")
    assert_error(only(diagnostics), 2, message, hint_part)
    assert relay.hosted_in is None


def test_a_country_code_written_into_hosted_in_is_a_warning(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n  hosted_in: Falkenstein, DE\n")
    diagnostic = only(diagnostics)
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.line == 2
    assert diagnostic.message == "`hosted_in: Falkenstein, DE` ends in the country code `DE`"
    assert "hosted_in: Falkenstein and the country as countries: [DE]" in diagnostic.hint
    assert relay.hosted_in == "Falkenstein, DE"


@pytest.mark.parametrize(
    ("value", "message", "hint_part"),
    [
        ("2025-04", "`since: 2025-04` lies in the future", "up to 2025-03"),
        ("2024-01-05", "`since: 2024-01-05` is a full date, not a year and month", "since: 2024-01"),
        ("2024-13", "`since: 2024-13` is not a year and month", "YYYY-MM"),
        ("2024-1", "`since: 2024-1` is not a year and month", "YYYY-MM"),
        ("2024", "`since: 2024` is not a year and month", "YYYY-MM"),
        ("January 2024", "`since: January 2024` is not a year and month", "YYYY-MM"),
    ],
)
def test_bad_since_is_an_error(tmp_path: Path, value: str, message: str, hint_part: str) -> None:
    (relay,), diagnostics = load(tmp_path, f"- domain: example.org\n  since: {value}\n")
    assert_error(only(diagnostics), 2, message, hint_part)
    assert relay.since is None


def test_since_in_the_current_month_is_fine(tmp_path: Path) -> None:
    (relay,), diagnostics = load(tmp_path, "- domain: example.org\n  since: 2025-03\n")
    assert list(diagnostics) == []
    assert relay.since == date(2025, 3, 1)


def test_more_than_one_default_names_both(tmp_path: Path) -> None:
    relays, diagnostics = load(
        tmp_path,
        """
        - domain: one.example
          default: true
        - domain: two.example
        - domain: three.example
          default: true
        """,
    )
    assert_error(
        only(diagnostics),
        4,
        "more than one default relay: `one.example` (line 1) and `three.example` (line 4)",
        "one relay only",
    )
    assert len(relays) == 3


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "- domain: example.org\n  langauges: [de]\n")
    assert_error(only(diagnostics), 2, "unknown key `langauges`", "did you mean `languages`?")


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "- domain: example.org\n  xyzzy: blue\n")
    assert_error(
        only(diagnostics), 2, "unknown key `xyzzy`", "known keys: countries, country, default, domain"
    )


@pytest.mark.parametrize(
    ("entry", "message", "hint_part"),
    [
        ('default: "true"', "`default` must be true or false, not text", "default: true"),
        ("listed: 1", "`listed` must be true or false, not a number", "listed: false"),
        ("retention_days: 0", "`retention_days` must be a whole number of days above zero, not 0", "20"),
        ("retention_days: 2.5", "`retention_days` must be a whole number of days above zero, not 2.5", "20"),
        ("retention_days: yes", "`retention_days` must be a whole number of days above zero, not yes", "20"),
        ("invite: shrot", "unknown invite form `shrot`", "did you mean `short`?"),
        ("invite: qr", "unknown invite form `qr`", "invite: legacy"),
        ("operator: [a, b]", "`operator` must be text, not a list", "operator:"),
        ("domain: yes", "`domain: yes` was read as the boolean true, not as text", 'domain: "yes"'),
    ],
)
def test_wrong_types_are_errors(tmp_path: Path, entry: str, message: str, hint_part: str) -> None:
    path = tmp_path / "servers.yaml"
    text = f"- domain: example.org\n  {entry}\n" if not entry.startswith("domain") else f"- {entry}\n"
    path.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    load_servers(path, diagnostics, today=TODAY)
    assert_error(only(diagnostics), text.count("\n"), message, hint_part)


def test_an_unlisted_relay_is_still_a_record(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "- domain: hidden.example\n  listed: false\n")
    assert list(diagnostics) == []
    assert [(relay.domain, relay.listed) for relay in relays] == [("hidden.example", False)]


# --- the shape of the file --------------------------------------------------------------


def test_a_relays_mapping_is_diagnosed_with_the_list_form_as_hint(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "# relays\nrelays:\n  - domain: example.org\n")
    assert_error(
        only(diagnostics), 2, "the file must be a list of relays, not a mapping", "remove the `relays:`"
    )
    assert relays == ()


def test_a_single_relay_without_a_dash_is_diagnosed(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "domain: example.org\n")
    assert_error(only(diagnostics), 1, "the file must be a list of relays, not a mapping", "- domain:")


def test_a_list_item_that_is_not_a_mapping_is_diagnosed(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "- domain: example.org\n- mehl.cloud\n")
    assert_error(only(diagnostics), 2, "a relay must be a mapping of keys, not text", "- domain: example.org")
    assert len(relays) == 1


def test_top_level_text_is_diagnosed(tmp_path: Path) -> None:
    _, diagnostics = load(tmp_path, "just some text\n")
    assert_error(only(diagnostics), 1, "the file must be a list of relays, not text", "- domain:")


def test_an_empty_file_holds_no_relays(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "# nothing yet\n")
    assert (relays, list(diagnostics)) == ((), [])


def test_yaml_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    relays, diagnostics = load(tmp_path, "- domain: example.org\n  notes: [unclosed\n- domain: b.example\n")
    (diagnostic,) = diagnostics.errors
    assert diagnostic.message.startswith("YAML syntax error")
    assert diagnostic.line == 3
    assert relays == ()


def test_a_file_that_is_not_utf8_is_reported_at_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "servers.yaml"
    path.write_bytes("- domain: example.org\n  operator: Müller\n".encode("latin-1"))
    diagnostics = Diagnostics()
    assert load_servers(path, diagnostics, today=TODAY) == ()
    assert_error(only(diagnostics), 2, "the file is not valid UTF-8 text", "UTF-8")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "servers.yaml"
    path.write_bytes("\ufeff- domain: example.org\n".encode())
    diagnostics = Diagnostics()
    assert [relay.domain for relay in load_servers(path, diagnostics, today=TODAY)] == ["example.org"]
    assert list(diagnostics) == []


def test_a_missing_file_is_an_error_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "servers.yaml"
    diagnostics = Diagnostics()
    assert load_servers(path, diagnostics, today=TODAY) == ()
    assert_error(only(diagnostics), 0, "the relay directory file does not exist", "docs/servers.md")

    allowed = Diagnostics()
    assert load_servers(path, allowed, today=TODAY, missing_ok=True) == ()
    assert list(allowed) == []


def test_a_directory_in_place_of_the_file_is_an_error(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    assert load_servers(tmp_path, diagnostics, today=TODAY) == ()
    assert only(diagnostics).message == "this is a folder, not a file"


def test_every_mistake_in_one_file_is_reported_at_once(tmp_path: Path) -> None:
    _, diagnostics = load(
        tmp_path,
        """
        - domain: example.org
          country: Germany
          since: 2099-01
          invite: long
        - domain: example.org
        """,
    )
    assert [(d.line, d.message.split(" ")[0]) for d in diagnostics.sorted()] == [
        (2, "unknown"),
        (3, "`since:"),
        (4, "unknown"),
        (5, "the"),
    ]


# --- servers.json -----------------------------------------------------------------------


def validate(document: dict[str, object]) -> None:
    jsonschema.validate(
        document,
        SCHEMA,
        cls=jsonschema.Draft202012Validator,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_servers_json_of_the_bundled_directory_matches_the_schema() -> None:
    relays = load_servers(BUNDLED, Diagnostics(), today=date.today())
    pages = {relay.domain: {"en": f"en/servers/{relay.ascii_domain}/"} for relay in relays}
    qr = {relay.domain: f"qr/{relay.ascii_domain}.png" for relay in relays}
    document = servers_json(relays, pages, qr, generated=TODAY)
    validate(document)
    assert document["version"] == 1
    assert document["generated"] == "2025-03-15"
    assert document["base_url"] is None
    assert [entry["domain"] for entry in document["relays"]] == [relay.domain for relay in relays]
    assert document["relays"][0] == {
        "domain": "nine.testrun.org",
        "default": True,
        "invite_uri": "DCACCOUNT:https://nine.testrun.org/new",
        "languages": [],
        "countries": [],
        "country": None,
        "hosted_in": None,
        "since": None,
        "pages": {"en": "en/servers/nine.testrun.org/"},
        "qr_png": "qr/nine.testrun.org.png",
        "page_urls": {},
        "qr_png_url": None,
    }
    sus = next(entry for entry in document["relays"] if entry["domain"] == "chat.sus.fr")
    assert sus["countries"] == ["IS", "JP", "KE", "ZA"]
    assert sus["country"] == "IS"
    assert sus["hosted_in"] is None
    adminforge = next(entry for entry in document["relays"] if entry["domain"] == "chat.adminforge.de")
    assert (adminforge["hosted_in"], adminforge["countries"], adminforge["languages"]) == (
        "Falkenstein",
        ["DE"],
        ["de"],
    )


def test_servers_json_gives_absolute_addresses_when_the_base_url_is_known(tmp_path: Path) -> None:
    relays, _ = load(tmp_path, "- domain: public.example\n  countries: [DE]\n")
    document = servers_json(
        relays,
        {"public.example": {"de": "de/servers/public.example/"}},
        {"public.example": "qr/public.example.png"},
        generated=TODAY,
        base_url="https://relays.example/site/",
    )
    validate(document)
    assert document["base_url"] == "https://relays.example/site/"
    (entry,) = document["relays"]
    assert entry["page_urls"] == {"de": "https://relays.example/site/de/servers/public.example/"}
    assert entry["qr_png_url"] == "https://relays.example/site/qr/public.example.png"
    assert entry["pages"] == {"de": "de/servers/public.example/"}


def test_servers_json_leaves_out_unlisted_relays(tmp_path: Path) -> None:
    relays, _ = load(
        tmp_path,
        """
        - domain: public.example
          languages: [de]
          country: DE
          since: 2024-01
          invite: short
        - domain: hidden.example
          listed: false
        """,
    )
    document = servers_json(relays, {"public.example": {"de": "de/relays/public.example/"}}, generated=TODAY)
    validate(document)
    assert [entry["domain"] for entry in document["relays"]] == ["public.example"]
    assert document["relays"][0]["invite_uri"] == "dcaccount:public.example"
    assert document["relays"][0]["pages"] == {"de": "de/relays/public.example/"}
    assert document["relays"][0]["countries"] == ["DE"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "de"),
        ("since", "2024-13"),
        ("invite_uri", "https://example.org/"),
        ("pages", {"en": "https://example.org/en/"}),
        ("pages", {"en": "/en/relays/example.org/"}),
        ("pages", {"en": "en/relays/example.org"}),  # a page is a folder address
        ("countries", ["DE", "DE"]),
        ("countries", ["Germany"]),
        ("hosted_in", ""),
        ("page_urls", {"en": "en/servers/example.org/"}),
        ("page_urls", {"en": "https://example.org/en/servers/example.org"}),
        ("qr_png_url", "qr/example.org.png"),
        ("extra", True),
    ],
)
def test_the_schema_refuses_malformed_relays(field: str, value: object) -> None:
    relay = Relay(domain="example.org", ascii_domain="example.org")
    document = servers_json([relay], {}, generated=TODAY)
    validate(document)
    document["relays"][0][field] = value
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", 2), ("generated", "2025-02-30"), ("generated", "yesterday"), ("base_url", "relays.example")],
)
def test_the_schema_refuses_a_malformed_document(field: str, value: object) -> None:
    document = servers_json([], {}, generated=TODAY)
    validate(document)
    document[field] = value
    with pytest.raises(jsonschema.ValidationError):
        validate(document)
