"""The product's own preview server, serving a site to the reader-level tests.

Browser and accessibility tests meet the pages through `chatmail-site serve`'s server, so
they see the same URL rules (extensionless pages, per-language 404s, Accept-Language on
`/`) that readers get.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chatmail_site.commands.serve import PreviewServer


@dataclass(frozen=True)
class ServedSite:
    base: str  # e.g. http://127.0.0.1:40123

    def url(self, path: str = "/") -> str:
        """The absolute URL of `path` (which starts with `/`)."""
        return self.base + path


@contextmanager
def preview(site_dir: Path) -> Iterator[ServedSite]:
    """Serve a site folder with the preview server on a free loopback port."""
    with PreviewServer(site_dir, host="127.0.0.1", port=0, log=io.StringIO()) as server:
        yield ServedSite(server.url.rstrip("/"))
