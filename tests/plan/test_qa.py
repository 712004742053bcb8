"""Quality checks of pages: the seeds as a maintainer places them, small pages for each check,
deliberate-difference marks, and where the findings go (build, status, CI, preview)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.commands.serve import Preview
from chatmail_site.core.errors import Diagnostic
from chatmail_site.incremental.buildcache import cache_dir_for
from chatmail_site.plan import language_id
from chatmail_site.plan.qa import RelayDirectory
from tests.support import REPO_ROOT
from tests.support.sites import page, seed

STATUS_SCHEMA = json.loads((REPO_ROOT / "schemas" / "status.schema.json").read_text(encoding="utf-8"))
WOODPECKERS_TYPO = "chatmail.woodpeckersnet.space"


def place_seeds(site: Path) -> None:
    """As a maintainer would: the nl, de and fr seeds over the bundled pages, 40 days for 20
    in the German one, and the German donation page filed as the Dutch one."""
    content = site / "content"
    for number, lang in (("000", "nl"), ("002", "de"), ("004", "fr")):
        (content / lang / "chatmail.md").write_text(seed(number), encoding="utf-8")
    german = content / "de" / "chatmail.md"
    text = german.read_text(encoding="utf-8")
    assert "höchstens 20 Tagen" in text
    german.write_text(text.replace("höchstens 20 Tagen", "höchstens 40 Tagen"), encoding="utf-8")
    donate = (content / "de" / "donate.md").read_text(encoding="utf-8")
    (content / "nl" / "donate.md").write_text(donate.replace("lang: de", "lang: nl"), encoding="utf-8")


def warnings_of(site: Path, path: str) -> list[Diagnostic]:
    return [d for d in build_site(site).diagnostics.warnings if d.path == path]


def line_of(site: Path, path: str, needle: str) -> int:
    lines = (site / path).read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


@pytest.fixture
def seeded_site(bundled_site: Path) -> Path:
    place_seeds(bundled_site)
    return bundled_site


@pytest.fixture
def seeded_warnings(seeded_site: Path) -> list[Diagnostic]:
    return build_site(seeded_site).diagnostics.warnings


# ---- the seeds -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "de", "fr"])
def test_seeds_report_the_typo_in_the_link_text_at_its_line(
    seeded_site: Path, seeded_warnings: list[Diagnostic], lang: str
) -> None:
    path = f"content/{lang}/chatmail.md"
    found = [d for d in seeded_warnings if d.path == path and WOODPECKERS_TYPO in d.message]
    assert len(found) == 1
    assert found[0].line == line_of(seeded_site, path, f"[{WOODPECKERS_TYPO}]")
    assert "goes to chatmail.woodpeckersnest.space" in found[0].message
    assert "did you mean `chatmail.woodpeckersnest.space`?" in found[0].hint


def test_german_seed_reports_the_drifted_number_at_its_line(
    seeded_site: Path, seeded_warnings: list[Diagnostic]
) -> None:
    path = "content/de/chatmail.md"
    found = [d for d in seeded_warnings if d.path == path and "40" in d.message]
    assert len(found) == 1
    assert found[0].line == line_of(seeded_site, path, "höchstens 40 Tagen")
    original_line = line_of(seeded_site, "content/en/chatmail.md", "at most 20 days")
    assert found[0].message == f"40 here, where the original has 20 (content/en/chatmail.md:{original_line})"


@pytest.mark.parametrize("lang", ["nl", "de", "fr"])
def test_seeds_report_the_hand_made_relay_list_against_servers_yaml(
    seeded_site: Path, seeded_warnings: list[Diagnostic], lang: str
) -> None:
    path = f"content/{lang}/chatmail.md"
    found = [d for d in seeded_warnings if d.path == path and "relays by hand" in d.message]
    assert len(found) == 1
    assert found[0].line == line_of(seeded_site, path, "- [nine.testrun.org]")
    assert "{% relays %}" in found[0].hint
    page_text = (seeded_site / path).read_text(encoding="utf-8")
    servers = (seeded_site / "content/servers.yaml").read_text(encoding="utf-8")
    listed = re.findall(r"^- domain: (\S+)", servers, re.MULTILINE)
    lacking_here = [domain for domain in listed if f"https://{domain}" not in page_text]
    lacking_there = [
        host
        for host in re.findall(r"^- \[[^]]+\]\(https://([^/)]+)", page_text, re.MULTILINE)
        if host not in listed
    ]
    # Whatever servers.yaml says: the message names exactly the relays one side lacks.
    for domain in lacking_here:
        assert domain in found[0].message.split("the page lacks")[1]
    for host in lacking_there:
        assert host in found[0].message.split("content/servers.yaml lacks")[1]
    assert ("the page lacks" in found[0].message) == bool(lacking_here)
    assert ("content/servers.yaml lacks" in found[0].message) == bool(lacking_there)


def test_german_text_filed_as_dutch_is_reported(seeded_site: Path, seeded_warnings: list[Diagnostic]) -> None:
    path = "content/nl/donate.md"
    found = [d for d in seeded_warnings if d.path == path and "the text is in" in d.message]
    assert len(found) == 1
    assert found[0].line == line_of(seeded_site, path, "lang: nl")
    assert found[0].message == "the text is in German (de), not Dutch (nl) as `lang` says"


def test_everything_reported_about_the_seeds_is_true(
    seeded_site: Path, seeded_warnings: list[Diagnostic]
) -> None:
    """Each link or number a finding calls missing or extra really is, at the line it names."""
    original = (seeded_site / "content/en/chatmail.md").read_text(encoding="utf-8")
    checked = 0
    for finding in seeded_warnings:
        if not finding.path.endswith("/chatmail.md"):
            continue
        text = (seeded_site / finding.path).read_text(encoding="utf-8")
        line = text.split("\n")[finding.line - 1]
        if match := re.match(
            r"the original's link to (\S+) \(content/en/chatmail.md:(\d+)\)", finding.message
        ):
            assert match[1] not in text and match[1] in original.split("\n")[int(match[2]) - 1]
        elif match := re.match(r"the link to (\S+) is not in the original", finding.message):
            assert match[1] in line and match[1] not in original
        elif match := re.match(r"the original's (\d+) \(content/en/chatmail.md:(\d+)\)", finding.message):
            assert match[1] in original.split("\n")[int(match[2]) - 1]
            assert not re.search(rf"\b{match[1]}\b", text.split("---", 2)[2])
        elif "heading id `{#selfhosted}`" in finding.message:
            assert "{#selfhosted}" not in text
        elif "the headings differ" in finding.message:
            assert text.count("\n#") != original.count("\n#")
        else:
            continue
        checked += 1
    assert checked > 10
    german = [d.message for d in seeded_warnings if d.path == "content/de/chatmail.md"]
    assert len(german) == 3, german  # the typo, the number, the hand-made list: nothing else


def test_the_bundled_site_is_clean_under_strict(bundled_site: Path) -> None:
    assert main(["build", "--strict", "--site", str(bundled_site), "--out", str(bundled_site / "out")]) == 0


def test_an_untranslated_copy_of_a_third_language_original(make_site) -> None:
    """The English seed as a Slovak page of a German site: no copy of its original, but not Slovak."""
    german = seed("002").replace("lang: de", "lang: de")
    site = make_site(
        {
            "site.yaml": "title: T\ndefault_language: de\nlanguages: [de, en, sk]\n",
            "content/de/index.md": page("Start", "de"),
            "content/de/chatmail.md": german,
            "content/sk/chatmail.md": seed("001"),
        }
    )
    found = [d for d in warnings_of(site, "content/sk/chatmail.md") if "the text is in" in d.message]
    assert [d.message for d in found] == ["the text is in English (en), not Slovak (sk) as `lang` says"]


# ---- small pages -----------------------------------------------------------------------


def pair(make_site, original_body: str, translation_body: str, **extra: str) -> list[Diagnostic]:
    """The findings on a German translation of a short English page."""
    site = make_site(
        {
            "site.yaml": "title: T\nlanguages: [en, de]\n",
            "content/en/page.md": page("Page", "en", original_body),
            "content/de/page.md": page("Seite", "de", translation_body, **extra),
        }
    )
    return warnings_of(site, "content/de/page.md")


def test_numbers_are_compared_the_way_each_language_writes_them(make_site) -> None:
    original = "## Limits\n\nUp to 1,000 messages in 2.5 seconds, kept 20 days.\n"
    same = "## Grenzen\n\nBis zu 1.000 Nachrichten in 2,5 Sekunden, 20. Tag.\n"
    assert pair(make_site, original, same) == []
    drifted = "## Grenzen\n\nBis zu 100 Nachrichten in 2,5 Sekunden, 20 Tage.\n"
    [finding] = pair(make_site, original, drifted)
    assert finding.line == 7 and finding.message.startswith("100 here, where the original has 1000")
    assert "`qa: {numbers: [100, 1000]}`" in finding.hint


def test_links_missing_or_added_but_not_the_own_language_version(make_site) -> None:
    original = "Read [the news](https://delta.chat/en/news) and [the code](https://github.com/x).\n"
    own_language = "Lies [die News](https://delta.chat/de/news) und [den Code](https://github.com/x).\n"
    assert pair(make_site, original, own_language) == []
    drifted = "Lies [die News](https://delta.chat/de/news) und [mehr](https://example.org/).\n"
    messages = sorted(d.message for d in pair(make_site, original, drifted))
    assert messages == [
        "the link to https://example.org/ is not in the original (content/en/page.md:5)",
        "the original's link to https://github.com/x (content/en/page.md:5) is missing here",
    ]


def test_anchors_missing_or_different(make_site) -> None:
    original = "## One {#one}\n\nText.\n\n## Two {#two}\n\nText.\n"
    translation = "## Eins {#one}\n\nText.\n\n## Zwei {#zwei}\n\nText.\n"
    messages = sorted(d.message for d in pair(make_site, original, translation))
    assert messages == [
        "the heading id `{#zwei}` is not in the original (content/en/page.md:9)",
        "the original's heading id `{#two}` (content/en/page.md:9) is missing here; "
        "links from other pages and the language switcher lead to it",
    ]


def test_markup_that_does_something_missing_or_extra(make_site) -> None:
    original = '<img alt="x" src="../assets/a.svg">\n\n{% relays %}\n\n[Give](donate){: .cta-button}\n'
    translation = '<img alt="x" src="../assets/b.svg">\n\n{% relays %}\n\n[Geben](donate)\n'
    messages = sorted(d.message for d in pair(make_site, original, translation))
    assert messages == [
        "`../assets/b.svg` is not in the original (content/en/page.md:5)",
        "the original's `../assets/a.svg` (content/en/page.md:5) is missing here",
        "the original's `.cta-button` (content/en/page.md:9) is missing here",
    ]
    without_list = '<img alt="x" src="../assets/a.svg">\n\nText.\n\n[Geben](donate){: .cta-button}\n'
    found = pair(make_site, original, without_list)
    assert any("shaped differently" in d.message for d in found)
    assert any(d.message.startswith("the original's `{% relays %}`") for d in found)


def test_different_headings_are_a_structure_finding(make_site) -> None:
    original = "## One\n\nText.\n\n## Two\n\nMore text.\n"
    [finding] = pair(make_site, original, "## Eins\n\nText und mehr Text.\n")
    assert finding.line == 5
    assert finding.message.startswith("the headings differ from the original's: 1 heading here, 2 headings")


def test_link_text_naming_another_host_on_any_page(make_site) -> None:
    body = (
        "- [delta.chat](https://delta.chat/en/) is fine\n"
        "- [README.md](https://github.com/x/README.md) is a file name\n"
        "- [exmaple.org](https://example.org/) is a typo\n"
    )
    site = make_site({"content/en/index.md": page("Home", "en", body)})
    [finding] = warnings_of(site, "content/en/index.md")
    assert finding.line == 7
    assert (
        finding.message == "the link text `exmaple.org` names exmaple.org, but the link goes to example.org"
    )
    assert finding.hint.startswith("did you mean `example.org`?")


SERVERS = "- domain: one.example\n- domain: two.example\n- domain: three.example\n- domain: four.example\n"


def test_a_hand_made_relay_list_names_what_servers_yaml_lacks_and_has(make_site) -> None:
    body = (
        "Relays:\n\n"
        "- [one.example](https://one.example) in one place\n"
        "- [two.example](https://two.example/) in another\n"
        "- [five.example](https://five.example) is new\n"
    )
    site = make_site({"content/servers.yaml": SERVERS, "content/en/index.md": page("Home", "en", body)})
    [finding] = warnings_of(site, "content/en/index.md")
    assert finding.line == 7
    assert finding.message == (
        "this page lists 3 relays by hand (lines 7–9); content/servers.yaml lacks five.example; "
        "the page lacks four.example, three.example of content/servers.yaml"
    )
    two = page(
        "Home", "en", "See [one.example](https://one.example) and [two.example](https://two.example).\n"
    )
    site = make_site({"content/servers.yaml": SERVERS, "content/en/index.md": two})
    assert warnings_of(site, "content/en/index.md") == []  # two links are no list


@pytest.mark.parametrize(
    "path",
    [
        "content/en/index.md",
        "content/servers.yaml",
        "locales/de/LC_MESSAGES/messages.po",
        "site.yaml",
        "themes/default/templates/page.html",
    ],
)
def test_merge_conflict_markers_are_errors_at_their_lines(bundled_site: Path, path: str) -> None:
    source = bundled_site / path
    text = source.read_text(encoding="utf-8")
    lines = text.split("\n")
    at = len(lines) - 1
    conflicted = [*lines[:at], "<<<<<<< HEAD", "ours", "=======", "theirs", ">>>>>>> branch", *lines[at:]]
    source.write_text("\n".join(conflicted), encoding="utf-8")
    errors = [d for d in build_site(bundled_site).diagnostics.errors if "merge-conflict" in d.message]
    assert [(d.path, d.line) for d in errors] == [(path, at + 1), (path, at + 3), (path, at + 5)]


def test_a_setext_underline_is_no_conflict_marker(make_site) -> None:
    site = make_site({"content/en/index.md": page("Home", "en", "Title\n=======\n\nText.\n")})
    assert build_site(site).diagnostics.errors == []


def test_short_pages_are_not_judged_for_their_language(make_site) -> None:
    german = "Chatmail-Relays sind günstig im Betrieb, und die meisten werden selbst bezahlt.\n"
    site = make_site(
        {
            "site.yaml": "title: T\nlanguages: [en, nl]\n",
            "content/en/index.md": page(
                "Home", "en", "Relays are cheap, and most are paid by their operators.\n"
            ),
            "content/nl/index.md": page("Start", "nl", german),
        }
    )
    assert warnings_of(site, "content/nl/index.md") == []


# ---- marks -----------------------------------------------------------------------------

THREE_WEEKS = (
    "## Löschen\n\nNachrichten werden nach drei Wochen gelöscht.\n",
    "## Deletion\n\nMessages go after 21 days.\n",
)


def test_a_mark_allows_one_deliberate_difference(make_site) -> None:
    translation, original = THREE_WEEKS
    [finding] = pair(make_site, original, translation)
    assert "the original's 21" in finding.message
    assert pair(make_site, original, translation, qa="{numbers: [21]}") == []
    drifted = translation.replace("gelöscht", "nach 30 Tagen gelöscht")
    [finding] = pair(make_site, original, drifted, qa="{numbers: [21]}")  # the mark hides 21 only
    assert finding.message.startswith("30 is not in the original")


def test_a_mark_that_matches_nothing_is_reported(make_site) -> None:
    translation, original = THREE_WEEKS
    current = translation.replace("drei Wochen", "21 Tagen")
    [finding] = pair(make_site, original, current, qa="{numbers: [21]}")
    assert finding.line == 4  # the qa line of the front matter
    assert finding.message == "the mark `numbers: 21` in `qa` matches nothing on this page any more"


def test_a_mark_naming_an_unknown_check(make_site) -> None:
    translation, original = THREE_WEEKS
    found = pair(make_site, original, translation, qa="{number: [21]}")
    unknown = next(d for d in found if "unknown check" in d.message)
    assert unknown.hint == "did you mean `numbers`?"


# ---- where the findings go -------------------------------------------------------------


def test_findings_are_kept_by_content_hash_and_the_model_loads_only_when_needed(seeded_site: Path) -> None:
    out = seeded_site / "out"
    assert main(["build", "--site", str(seeded_site), "--out", str(out)]) == 0
    first = json.loads((cache_dir_for(out) / "state.json").read_text(encoding="utf-8"))
    assert first["derived"]["qa-language"] and first["derived"]["qa-pair"]
    language_id._model.cache_clear()
    report = seeded_site / "report.json"
    assert main(["build", "--site", str(seeded_site), "--out", str(out), "--report", str(report)]) == 0
    assert language_id._model.cache_info().currsize == 0  # every page was judged already
    messages = {d["message"] for d in json.loads(report.read_text())["diagnostics"]}
    assert "the text is in German (de), not Dutch (nl) as `lang` says" in messages


def test_a_page_edited_below_the_text_the_model_reads_is_judged_without_it(seeded_site: Path) -> None:
    out = seeded_site / "out"
    report = seeded_site / "report.json"
    command = ["build", "--site", str(seeded_site), "--out", str(out), "--report", str(report)]
    wrong_language = "the text is in German (de), not Dutch (nl) as `lang` says"
    assert main(command) == 0
    dutch = seeded_site / "content/nl/donate.md"
    text = dutch.read_text(encoding="utf-8")
    dutch.write_text(text + "\nNoch ein Satz am Ende der Seite.\n", encoding="utf-8")
    language_id._model.cache_clear()
    assert main(command) == 0
    assert language_id._model.cache_info().currsize == 0  # the same sample: its answer was kept
    assert wrong_language in {d["message"] for d in json.loads(report.read_text())["diagnostics"]}
    body = text.index("\n---\n") + len("\n---\n")
    dutch.write_text(text[:body] + "\nEin neuer erster Satz.\n" + text[body:], encoding="utf-8")
    assert main(command) == 0
    assert language_id._model.cache_info().currsize == 1  # a new sample: the model judged it
    assert wrong_language in {d["message"] for d in json.loads(report.read_text())["diagnostics"]}


def test_strict_build_fails_and_ci_annotates_each_finding_on_its_line(seeded_site: Path, capsys) -> None:
    report = seeded_site / "report.json"
    out = seeded_site / "out"
    assert (
        main(["build", "--strict", "--site", str(seeded_site), "--out", str(out), "--report", str(report)])
        == 1
    )
    capsys.readouterr()
    assert main(["annotate", str(report)]) == 0
    annotations = capsys.readouterr().out.splitlines()
    line = line_of(seeded_site, "content/de/chatmail.md", "höchstens 40 Tagen")
    assert any(a.startswith(f"::error file=content/de/chatmail.md,line={line},") for a in annotations)


def test_status_counts_and_lists_findings(seeded_site: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["status", "--json", "--site", str(seeded_site)]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, STATUS_SCHEMA)
    german = next(p for p in data["pages"] if p["slug"] == "chatmail")["languages"]["de"]
    assert len(german["findings"]) == 3
    counts = {entry["code"]: entry["findings"] for entry in data["languages"]}
    assert counts["en"] == 0 and counts["de"] == 3 and counts["nl"] > counts["de"]
    assert main(["status", "--site", str(seeded_site)]) == 0
    table = capsys.readouterr().out
    chatmail_row = next(row.split() for row in table.splitlines() if row.startswith("chatmail "))
    assert chatmail_row[2] == "outdated*(3)"
    assert "content/de/chatmail.md:14: warning: this page lists 6 relays by hand" in table


def test_the_preview_shows_the_findings_of_the_saved_page(bundled_site: Path) -> None:
    preview = Preview(bundled_site, log=io.StringIO())
    assert preview.rebuild().ok
    assert preview.state.findings == ""
    source = bundled_site / "content/de/chatmail.md"
    good = source.read_text(encoding="utf-8")
    source.write_text(good.replace("höchstens 20 Tagen", "höchstens 40 Tagen"), encoding="utf-8")
    assert preview.rebuild(["content/de/chatmail.md"]).ok
    assert "content/de/chatmail.md:" in preview.state.findings and "40 here" in preview.state.findings
    source.write_text(good, encoding="utf-8")
    assert preview.rebuild(["content/de/chatmail.md"]).ok
    assert preview.state.findings == ""
    source.write_text(good.replace("\n## ", "\n<<<<<<< HEAD\n## ", 1), encoding="utf-8")
    outcome = preview.rebuild(["content/de/chatmail.md"])
    assert not outcome.ok
    assert any(
        "merge-conflict" in d.message and d.path == "content/de/chatmail.md" for d in outcome.diagnostics
    )


def test_the_relay_key_of_the_findings_is_a_digest_whatever_the_number_of_relays() -> None:
    # Every page's cached findings carry this key, and the build cache writes each one out.
    one = RelayDirectory({"a.example": "a.example"}, ("a.example",))
    many = RelayDirectory({f"r{n}.example": f"r{n}.example" for n in range(200)}, ())
    unlisted = RelayDirectory({"a.example": "a.example"}, ())
    assert len(one.key()) == len(many.key()) == 64
    assert "a.example" not in one.key()
    assert one.key() != unlisted.key()  # whether a relay is listed still counts
