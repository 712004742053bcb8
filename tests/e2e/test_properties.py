"""Property tests: whatever pages, front matter and relay entries hold, the build either
succeeds or reports diagnostics, never crashes, and never publishes script.

The default run tries 1,300 examples in all; `python -m pytest -m nightly` tries many more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatmail_site.build import build_site
from chatmail_site.core.errors import find_control_character
from chatmail_site.render.markdown import MarkdownRenderer
from tests.core.test_safety import EVIL_TEMPLATE
from tests.e2e.test_security import ATTACK_SNIPPETS, unsafe_markup, unsafe_outputs
from tests.support import REPO_ROOT
from tests.support.sites import MINIMAL_CONFIG, page

MARKDOWN_SYNTAX = (
    "# ", "## ", "- ", "1. ", "> ", "    ", "[", "]", "(", ")", "](", "![", "`", "```\n", "*", "_",
    "{: ", "{#x}", " }", "<", ">", "&", "&#106;", "\n", "\n\n", "|a|b|\n|-|-|\n", "{% relays %}", "%}",
    "javascript:", "http://", "dcaccount:", '"', "'", "=", "on", "style=",
)  # fmt: skip
DOMAINS = ("nine.testrun.org", "example.org", "xn--bcher-kva.example", "bücher.example", "a.b.c.example")

markdown_text = st.lists(
    st.one_of(st.sampled_from(ATTACK_SNIPPETS), st.sampled_from(MARKDOWN_SYNTAX), st.text(max_size=20)),
    max_size=25,
).map("".join)

yaml_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(ATTACK_SNIPPETS), st.dates(),
)  # fmt: skip
yaml_value = st.recursive(
    yaml_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
)
front_matter_mapping = st.dictionaries(
    st.sampled_from(["title", "lang", "description", "short_title", "nav", "titel"]) | st.text(max_size=10),
    yaml_value,
    max_size=6,
).map(lambda meta: {"lang": "en", **meta})
front_matter_text = st.one_of(
    front_matter_mapping.map(lambda meta: yaml.safe_dump(meta, allow_unicode=True)),
    st.text(max_size=80),  # mostly invalid YAML
    st.sampled_from(["a: &x 1\nb: *x\n", "title: [", "- a\n- b\n", "lang: no\n", "title: 'x\n"]),
)
relay_entry = st.fixed_dictionaries(
    {"domain": st.sampled_from(DOMAINS) | st.text(max_size=20) | st.sampled_from(ATTACK_SNIPPETS)},
    optional={
        "operator": yaml_scalar,
        "notes": st.dictionaries(st.sampled_from(["en", "de", "xx", "../"]), yaml_scalar, max_size=2),
        "since": st.sampled_from(["2023-01", "2999-12", "2020-13", "soon"]) | yaml_scalar,
        "languages": st.lists(st.sampled_from(["en", "de", "pt-BR", "klingon", "<b>"]), max_size=3),
        "country": st.sampled_from(["DE", "NO", "ZZ", "<i>"]) | yaml_scalar,
        "countries": st.lists(st.sampled_from(["DE", "IS", "ZZ", "<i>", "no"]) | yaml_scalar, max_size=4)
        | yaml_scalar,
        "hosted_in": st.sampled_from(["Falkenstein", "Santa Clara (California)", "Zug, CH"])
        | st.sampled_from(ATTACK_SNIPPETS)
        | yaml_scalar,
        "default": yaml_scalar,
        "listed": yaml_scalar,
        "invite": st.sampled_from(["legacy", "short", "javascript:alert(1)"]),
        "website": st.sampled_from(["https://nine.testrun.org/", "javascript:alert(1)", "//evil"]),
        "retention_days": yaml_scalar,
    },
)
servers_text = st.one_of(
    st.lists(relay_entry, max_size=4).map(lambda entries: yaml.safe_dump(entries, allow_unicode=True)),
    st.text(max_size=60),
)


# Paths and names a hostile site.yaml may give for `theme` and `fronts`; OUTSIDE and SITE stand
# for the folder beside the site and the site folder itself.
PATH_PARTS = ("..", ".", "content", "t", "themes", "default", "chatmail.ini", "pipe.ini", "link.ini", "")
HOSTILE_PATHS = (
    "../content/t", "content/t", "..", ".", "./default", "default/", "/etc/passwd", "/dev/zero",
    "/proc/self/pagemap", "OUTSIDE", "OUTSIDE/chatmail.ini", "SITE/content/t", "\\..\\content\\t", "~",
    "default\x00", "pipe.ini", "link.ini", "zero.ini", "chatmail.ini", "content", "themes/default",
)  # fmt: skip
path_text = st.one_of(
    st.sampled_from(HOSTILE_PATHS),
    st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=5).map("/".join),
    st.text(max_size=20),
)
theme_value = st.one_of(path_text, yaml_scalar)
fronts_value = st.one_of(
    path_text,
    st.sampled_from(["chat.example.org", "nine.testrun.org", "x.ini", "a/b"]),
    st.fixed_dictionaries({}, optional={"domain": path_text | yaml_scalar, "ini": path_text | yaml_value}),
    yaml_value,
)


def assert_markdown_is_safe(text: str) -> None:
    rendered = MarkdownRenderer({"relays"}).render(text)
    assert unsafe_markup(rendered.html) == [], text


def write(site: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate is written as the bytes an editor would save: not valid UTF-8.
        (site / name).write_text(text, encoding="utf-8", errors="surrogatepass")


def assert_site_builds_safely(site: Path, front: str, body: str, servers: str) -> None:
    write(
        site,
        {
            "site.yaml": MINIMAL_CONFIG,
            "content/en/index.md": page("Home", "en", "{% relays %}\n"),
            "content/en/generated.md": f"---\n{front}\n---\n{body}\n",
            "content/servers.yaml": servers,
        },
    )
    result = build_site(site)  # any exception fails the test: hostile input must not crash
    assert unsafe_outputs(result.files) == {}
    if not result.diagnostics.failed():
        json.loads(result.files.get("servers.json", b"{}"))
    for diagnostic in result.diagnostics:
        assert diagnostic.message and "Traceback" not in diagnostic.message


def assert_settings_stay_in_the_site(root: Path, theme: Any, fronts: Any) -> None:
    """Whatever `theme` and `fronts` say, no template from content/ or from outside the site
    runs, and no file from outside the site (or a pipe, or /dev/zero) is read."""
    site, outside, marker = root / "site", root / "outside", root / "template-ran"
    if not site.exists():
        evil = EVIL_TEMPLATE.replace("{marker}", str(marker))
        for folder in (site / "content/t", outside):
            write(folder, {f"templates/{name}": evil for name in ("page.html", "base.html", "root.html")})
        write(
            site,
            {
                "content/en/index.md": page("Home", "en"),
                "chatmail.ini": "[params]\nmail_domain = chat.example.org\n",
            },
        )
        write(outside, {"chatmail.ini": "[params]\nmail_domain = root.example.org\n"})
        (site / "themes/default/templates").mkdir(parents=True)
        os.mkfifo(site / "pipe.ini")
        (site / "link.ini").symlink_to("/etc/passwd")
        (site / "zero.ini").symlink_to("/dev/zero")

    def placed(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("OUTSIDE", str(outside)).replace("SITE", str(site))
        if isinstance(value, dict):
            return {key: placed(item) for key, item in value.items()}
        return value

    settings = {"title": "T", "default_language": "en", "theme": placed(theme), "fronts": placed(fronts)}
    write(site, {"site.yaml": yaml.safe_dump(settings, allow_unicode=True)})
    result = build_site(site)  # any exception fails the test
    assert not marker.exists(), "a template from outside themes/ ran"
    assert not any(b"EVIL49" in data or b"root:x:" in data for data in result.files.values())
    assert not any("root:x:" in d.format() for d in result.diagnostics)
    assert not any(b"root.example.org" in data for data in result.files.values())


def property_test(examples: int, strategies: dict[str, st.SearchStrategy[Any]], check: Callable[..., None]):
    """One hypothesis test of `check` with `examples` examples; the site folder is reused."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(**strategies)
    def test(tmp_path: Path, **drawn: Any) -> None:
        check(tmp_path, **drawn)

    return test


def _markdown_check(_: Path, text: str) -> None:
    assert_markdown_is_safe(text)


def _build_check(tmp_path: Path, front: str, body: str, servers: str) -> None:
    assert_site_builds_safely(tmp_path / "site", front, body, servers)


def _settings_check(tmp_path: Path, theme: Any, fronts: Any) -> None:
    assert_settings_stay_in_the_site(tmp_path, theme, fronts)


SETTINGS_STRATEGIES = {"theme": theme_value, "fronts": fronts_value}
BUILD_STRATEGIES = {"front": front_matter_text, "body": markdown_text, "servers": servers_text}

test_markdown_never_publishes_script = property_test(1000, {"text": markdown_text}, _markdown_check)
test_builds_never_crash_or_publish_script = pytest.mark.timeout(300)(
    property_test(300, BUILD_STRATEGIES, _build_check)
)
test_markdown_never_publishes_script_nightly = pytest.mark.nightly(
    property_test(50_000, {"text": markdown_text}, _markdown_check)
)
test_builds_never_crash_or_publish_script_nightly = pytest.mark.nightly(
    pytest.mark.timeout(7200)(property_test(5_000, BUILD_STRATEGIES, _build_check))
)
test_theme_and_fronts_never_leave_the_site = pytest.mark.timeout(300)(
    property_test(150, SETTINGS_STRATEGIES, _settings_check)
)
test_theme_and_fronts_never_leave_the_site_nightly = pytest.mark.nightly(
    pytest.mark.timeout(7200)(property_test(5_000, SETTINGS_STRATEGIES, _settings_check))
)


# ---- control characters and huge numbers, in every field -------------------------------

HUGE_NUMBER = "9" * 5000  # beyond Python's 4300-digit limit for turning numbers into text
hostile_text = st.one_of(
    st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1, max_size=12),
    st.lists(
        st.sampled_from(["a", " ", "\x00", "\x07", "\x1b[2J", "\r", "\ud800", "\u2028", "\x85"]), min_size=1
    ).map("".join),
)
hostile_value = st.one_of(hostile_text, st.just(HUGE_NUMBER), st.integers(min_value=10**18, max_value=10**60))


def yaml_value_text(value: str | int) -> str:
    """The value as YAML writes it: text double-quoted with escapes, numbers as digits."""
    if isinstance(value, int) or value == HUGE_NUMBER:
        return str(value) if isinstance(value, int) else value
    return json.dumps(value)  # JSON strings are YAML double-quoted strings, escapes and all


def po_text(value: str | int) -> str:
    return json.dumps(str(value)) if not isinstance(value, int) else f'"{value}"'


FIELDS: dict[str, Callable[[str], dict[str, str]]] = {
    "site title": lambda v: {"site.yaml": f"title: {v}\n"},
    "page title": lambda v: {"content/en/about.md": f"---\ntitle: {v}\nlang: en\n---\nText\n"},
    "description": lambda v: {"content/en/about.md": f"---\ntitle: A\nlang: en\ndescription: {v}\n---\nT\n"},
    "nav": lambda v: {"content/en/about.md": f"---\ntitle: A\nlang: en\nnav: {v}\n---\nT\n"},
    "operator": lambda v: {"content/servers.yaml": f"- domain: a.example.org\n  operator: {v}\n"},
    "note": lambda v: {"content/servers.yaml": f"- domain: a.example.org\n  notes:\n    en: {v}\n"},
    "retention_days": lambda v: {"content/servers.yaml": f"- domain: a.example.org\n  retention_days: {v}\n"},
}
INI_FIELDS = ("privacy_postal", "privacy_mail", "max_message_size", "max_user_send_per_minute")
# Fields read as text whatever they hold: digits there are text, not a number.
TEXT_ONLY_FIELDS = frozenset({"msgstr", "privacy_postal", "privacy_mail"})


def _field_check(tmp_path: Path, field: str, value: str | int) -> None:
    site = tmp_path / "site"
    if site.exists():
        shutil.rmtree(site)
    files = {"site.yaml": MINIMAL_CONFIG, "content/en/index.md": page("Home", "en", "{% relays %}\n")}
    if field in FIELDS:
        files.update(FIELDS[field](yaml_value_text(value)))
    elif field == "msgstr":
        files["site.yaml"] = "title: T\nlanguages: [en, de]\n"
        files["locales/de/LC_MESSAGES/messages.po"] = (
            f'msgid ""\nmsgstr ""\n"Language: de\\n"\n\nmsgid "Donate"\nmsgstr {po_text(value)}\n'
        )
    else:
        ini = (REPO_ROOT / "tests/fixtures/chatmail.ini").read_text(encoding="utf-8")
        ini = re.sub(rf"(?m)^{field} =.*$", lambda _: f"{field} = {str(value).replace(chr(10), ' ')}", ini)
        files.update({"site.yaml": "title: T\nfronts:\n  ini: chatmail.ini\n", "chatmail.ini": ini})
    write(site, files)
    result = build_site(site)  # any exception fails the test
    # Python counts \x1c-\x1f as whitespace, and the ini reader strips it like spaces.
    number = isinstance(value, int) or value == HUGE_NUMBER
    control = find_control_character(str(value).strip()) is not None
    hostile = (number and field not in TEXT_ONLY_FIELDS) or control
    if hostile:  # refused with an error, or (a catalog entry) left out with a warning
        assert result.diagnostics.items, (field, value)
    for name, data in result.files.items():
        if name.endswith((".html", ".xml", ".txt", ".json")):
            assert find_control_character(data.decode("utf-8")) is None, name
    for diagnostic in result.diagnostics:
        assert find_control_character(diagnostic.format().replace("\n", "")) is None


FIELD_STRATEGIES = {
    "field": st.sampled_from([*FIELDS, "msgstr", *INI_FIELDS]),
    "value": hostile_value,
}
test_no_field_lets_control_characters_or_huge_numbers_through = pytest.mark.timeout(300)(
    property_test(150, FIELD_STRATEGIES, _field_check)
)
test_no_field_lets_control_characters_or_huge_numbers_through_nightly = pytest.mark.nightly(
    pytest.mark.timeout(7200)(property_test(3_000, FIELD_STRATEGIES, _field_check))
)
