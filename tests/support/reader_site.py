"""The bundled site as readers meet it, for browser and accessibility tests.

`build_reader_site` builds a copy of the bundled site with one right-to-left language added
(Arabic, with only its home page written), so one build holds every kind of page: the root
language chooser, home, chatmail, donate, relay, 404, a right-to-left page and a fallback page
(the Arabic chatmail page, shown in the original language).

`build_relay_front_site` builds examples/relay-site, the example of a site that fronts a relay,
so the same checks also see the relay's home, info and privacy pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chatmail_site.commands.cli import main
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import load_config
from chatmail_site.load.servers import Relay, load_servers
from tests.support import REPO_ROOT
from tests.support.sites import copy_bundled_site, page

RELAY_FRONT_SITE = REPO_ROOT / "examples" / "relay-site"
# The pages of the fronted relay, by kind, as slugs below each language folder.
RELAY_FRONT_PAGES = {"relay-home": "relay", "relay-info": "relay/info", "relay-privacy": "relay/privacy"}

RTL_LANGUAGE = "ar"
# A translation of the English home page, block for block, so the strict build's page checks
# find nothing to report.
RTL_HOME = page(
    "ما هو chatmail؟",
    RTL_LANGUAGE,
    "خوادم chatmail هي خوادم بريد إلكتروني صغيرة مصنوعة لتطبيق Delta Chat.\n\n"
    "[اختر خادم chatmail](chatmail){: .cta-button}\n\n"
    "## ما الذي تجده هنا {#start}\n\n"
    "- اقرأ [ما هي خوادم chatmail وكيف تختار واحدًا](chatmail).\n"
    "- اعرف [كيف تدعم chatmail](donate) بتبرع.\n"
    "- تعلّم كيف [تشغّل خادمًا بنفسك](chatmail#selfhosted).\n",
)

# The theme's words a reader sees first, so the header and footer speak Arabic right to left.
RTL_CATALOG = """\
msgid ""
msgstr ""
"Language: ar\\n"
"Plural-Forms: nplurals=6; "
"plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Skip to content"
msgstr "انتقل إلى المحتوى"

msgid "Main menu"
msgstr "القائمة الرئيسية"

msgid "Donate"
msgstr "تبرع"

msgid "Made with chatmail-site"
msgstr "صُنع باستخدام chatmail-site"

msgid "Languages"
msgstr "اللغات"

msgid "This page in other languages"
msgstr "هذه الصفحة بلغات أخرى"
"""


@dataclass(frozen=True)
class ReaderSite:
    """A built site and what the tests need to know about it."""

    site_dir: Path
    out_dir: Path
    default_language: str
    relays: tuple[Relay, ...]  # every relay of servers.yaml (maybe none), the default first

    def relay_path(self, lang: str, relay: Relay | None = None) -> str:
        """The URL path of a relay's page in `lang`; the first relay's unless one is given."""
        return f"/{lang}/servers/{(relay or self.relays[0]).ascii_domain}/"

    def page_paths(self, lang: str) -> dict[str, str]:
        """URL paths of every kind of page, by kind; `lang` picks the language of most."""
        return {
            "root": "/index.html",
            "index": f"/{lang}/",
            "chatmail": f"/{lang}/chatmail/",
            "donate": f"/{lang}/donate/",
            "relay": self.relay_path(lang),
            "404": f"/{lang}/no-such-page",
            "fallback": f"/{RTL_LANGUAGE}/chatmail/",
            "rtl": f"/{RTL_LANGUAGE}/",
        }

    def relay_front_paths(self, lang: str) -> dict[str, str]:
        """URL paths of the fronted relay's pages in `lang`, by kind (a site that fronts a relay)."""
        return {kind: f"/{lang}/{slug}/" for kind, slug in RELAY_FRONT_PAGES.items()}


def add_rtl_language(site_dir: Path) -> None:
    """Offer Arabic on the site: a home page and the theme's main words, nothing else translated."""
    config = site_dir / "site.yaml"
    text, count = re.subn(
        r"^languages:\s*\[([^\]]*)\]", rf"languages: [\1, {RTL_LANGUAGE}]", config.read_text(), flags=re.M
    )
    assert count == 1, "site.yaml lists no languages in [brackets]"
    config.write_text(text, encoding="utf-8")
    home = site_dir / "content" / RTL_LANGUAGE / "index.md"
    home.parent.mkdir(parents=True)
    home.write_text(RTL_HOME, encoding="utf-8")
    catalog = site_dir / "locales" / RTL_LANGUAGE / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(RTL_CATALOG, encoding="utf-8")


def build_reader_site(root: Path) -> ReaderSite:
    """Copy the bundled site into `root`, add the right-to-left language and build it once."""
    site_dir = copy_bundled_site(root / "site")
    add_rtl_language(site_dir)
    return build_once(site_dir, root / "out")


def build_relay_front_site(root: Path) -> ReaderSite:
    """Build examples/relay-site into `root` (the example itself is only read)."""
    return build_once(RELAY_FRONT_SITE, root / "out")


def build_once(site_dir: Path, out_dir: Path) -> ReaderSite:
    """Build the site in `site_dir` into `out_dir`, strictly: readers must meet no known flaw."""
    status = main(["build", "--site", str(site_dir), "--out", str(out_dir), "--strict"])
    assert status == 0, f"{site_dir} does not build (exit status {status})"
    diagnostics = Diagnostics()
    config = load_config(site_dir, diagnostics)
    assert config is not None and not diagnostics.errors, f"{site_dir}/site.yaml cannot be read"
    relays = load_servers(config.servers_file, diagnostics, today=date.today(), missing_ok=True)
    assert not diagnostics.errors, f"{config.servers_file} has errors"
    return ReaderSite(site_dir, out_dir, config.default_language, relays)
