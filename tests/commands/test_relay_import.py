"""`relay import-www`: a relay's www/src pages turned into own texts, what cannot be carried
over left out with a warning at its line, and nothing overwritten without --force."""

from __future__ import annotations

from pathlib import Path

from chatmail_site.commands.relay_import import convert_page, import_www
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import SiteConfig, load_config
from tests.support.sites import MINIMAL_CONFIG, write_site

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)


def www_folder(root: Path, files: dict[str, str | bytes]) -> Path:
    folder = root / "www" / "src"
    folder.mkdir(parents=True)
    for name, data in files.items():
        if isinstance(data, bytes):
            (folder / name).write_bytes(data)
        else:
            (folder / name).write_text(data, encoding="utf-8")
    return folder


def site_config(root: Path, site_yaml: str = MINIMAL_CONFIG) -> SiteConfig:
    config = load_config(write_site(root / "site", {"site.yaml": site_yaml}), Diagnostics())
    assert config is not None
    return config


def test_values_and_links_become_names_and_the_first_heading_the_title(tmp_path: Path) -> None:
    source = www_folder(tmp_path, {"banner.png": PNG})
    path = source / "index.md"
    path.write_text(
        '<img src="banner.png"/>\n\n# Welcome to {{ config.mail_domain }}\n\n'
        "Mail stays {{config.delete_mails_after}} days, see [info](info.html#limits).\n",
        encoding="utf-8",
    )
    diagnostics = Diagnostics()
    page = convert_page(path, "home", source, None, diagnostics)
    assert list(diagnostics) == [] and page is not None
    assert page.title == "Welcome to {relay.mail_domain}"
    assert page.body == (
        '<img src="assets/relay/banner.png"/>\n\n\n'  # the blank lines around the heading stay
        "Mail stays {relay.delete_mails_after} days, see [info]({page.info}#limits).\n"
    )
    assert page.images == {"banner.png"}


def test_a_value_chatmail_ini_does_not_hold_is_left_out_with_a_warning_at_its_line(tmp_path: Path) -> None:
    source = www_folder(
        tmp_path, {"info.md": "Intro.\n\nWe run {{ config.future_thing }} and {{ 7 * 7 }}.\n"}
    )
    diagnostics = Diagnostics()
    page = convert_page(source / "info.md", "info", source, None, diagnostics)
    assert page is not None and page.body == "Intro.\n\nWe run  and .\n"
    assert [(d.line, d.message) for d in diagnostics.warnings] == [
        (3, "left out: `{{ config.future_thing }}`, which chatmail.ini does not hold"),
        (3, "left out: the template expression `{{ 7 * 7 }}`"),
    ]


CONDITIONS = """\
{% if config.mail_domain == "chat.example.org" %}
Ours.
{% else %}
Someone else's.
{% endif %}
{% if config.privacy_mail %}
Write to us.
{% else %}
No contact.
{% endif %}
"""


def test_conditions_are_decided_by_the_relay_s_values_or_keep_their_first_branch(tmp_path: Path) -> None:
    source = www_folder(tmp_path, {"privacy.md": CONDITIONS})
    diagnostics = Diagnostics()
    values = {"mail_domain": "chat.example.org"}
    page = convert_page(source / "privacy.md", "privacy", source, values, diagnostics)
    assert page is not None and page.body == "Ours.\nWrite to us.\n"
    assert [d.line for d in diagnostics.warnings] == [6, 8]
    other = convert_page(source / "privacy.md", "privacy", source, {"mail_domain": "x.org"}, Diagnostics())
    assert other is not None and other.body.startswith("Someone else's.\n")


def test_the_join_button_is_left_out_whichever_branch(tmp_path: Path) -> None:
    text = (
        '{% if config.tls_cert_mode == "self" %}\n<a id="dclogin-link">Join</a>\n'
        "{% else %}\nJoin us\n{% endif %}\nEnd.\n"
    )
    source = www_folder(tmp_path, {"index.md": text})
    diagnostics = Diagnostics()
    page = convert_page(source / "index.md", "home", source, None, diagnostics)
    assert page is not None and page.body == "End.\n"
    assert [(d.line, d.message) for d in diagnostics.warnings] == [
        (1, "left out: the join button and QR code")
    ]


def test_import_writes_own_texts_and_images_and_warns_about_the_rest(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    source = www_folder(
        tmp_path,
        {
            "index.md": '# Say "hi"\n\n![logo](logo.png)\n',
            "logo.png": PNG,
            "main.css": "body {}\n",
            "notes.txt": "x\n",
        },
    )
    diagnostics = Diagnostics()
    written = import_www(config, source, diagnostics)
    home = config.content_dir / "relay" / "en" / "home.md"
    image = config.content_dir / "assets" / "relay" / "logo.png"
    assert written == [home, image] and image.read_bytes() == PNG
    assert home.read_text(encoding="utf-8") == (
        '---\nlang: en\ntitle: "Say \\"hi\\""\nmode: replace\n---\n![logo](assets/relay/logo.png)\n'
    )
    assert not diagnostics.errors
    assert [(Path(d.path).name, d.line) for d in diagnostics.warnings] == [("main.css", 0), ("notes.txt", 0)]


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    source = www_folder(tmp_path, {"info.md": "New text.\n"})
    target = config.content_dir / "relay" / "en" / "info.md"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n", encoding="utf-8")
    diagnostics = Diagnostics()
    assert import_www(config, source, diagnostics) == []
    assert [(d.path, d.message) for d in diagnostics.errors] == [(str(target), "this file exists already")]
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert import_www(config, source, Diagnostics(), force=True) == [target]
    assert target.read_text(encoding="utf-8").endswith("New text.\n")


def test_nothing_is_imported_from_a_folder_without_pages_or_into_a_site_without_english(
    tmp_path: Path,
) -> None:
    empty = www_folder(tmp_path, {"main.css": "body {}\n"})
    diagnostics = Diagnostics()
    assert import_www(site_config(tmp_path), empty, diagnostics) == []
    assert [d.message for d in diagnostics.errors] == ["there is no index.md, info.md or privacy.md here"]

    german = site_config(tmp_path / "de", "title: T\ndefault_language: de\nlanguages: [de]\n")
    diagnostics = Diagnostics()
    assert import_www(german, empty, diagnostics) == []
    assert "no `en` language" in diagnostics.errors[0].message
    diagnostics = Diagnostics()
    assert import_www(german, tmp_path / "missing", diagnostics) == []
    assert diagnostics.errors[0].message == "this folder does not exist"
