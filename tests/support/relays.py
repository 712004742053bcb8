"""The bundled site's relays and languages, read as the build reads them, for relay tests."""

from __future__ import annotations

from datetime import date

from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.config import load_config
from chatmail_site.load.servers import Relay, load_servers
from tests.support import REPO_ROOT


def bundled_relays() -> tuple[Relay, ...]:
    """Every relay of the bundled content/servers.yaml, default first."""
    diagnostics = Diagnostics()
    relays = load_servers(REPO_ROOT / "content" / "servers.yaml", diagnostics, today=date.today())
    assert list(diagnostics) == [], diagnostics.sorted()
    return relays


def bundled_languages() -> tuple[str, ...]:
    """The languages the bundled site offers, from its site.yaml."""
    config = load_config(REPO_ROOT, Diagnostics())
    assert config is not None
    return tuple(config.languages)
