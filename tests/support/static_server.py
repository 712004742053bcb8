"""A small HTTP server that serves a built site with the site's URL rules, for tests.

- `/de/chatmail` serves `de/chatmail.html`; `/de/` serves `de/index.html`; `/de` redirects
  to `/de/`; other existing files (assets) are served as they are.
- A missing page answers 404 with the body of its language's `<lang>/404.html` (falling back
  to the default language's), so tests see what readers see.
- `/` redirects to the language folder the Accept-Language header asks for, among the folders
  that have an index.html, else to the default language.
- Nothing outside the root is ever served: dot segments (also percent-encoded) are refused
  with 400, and a symlink whose target leaves the root counts as missing.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from chatmail_site.negotiate import negotiate


class StaticSite:
    """Serve `root` on a free port of 127.0.0.1 while the context is open.

    >>> with StaticSite(build_dir, default_lang="en") as site:
    ...     page.goto(site.url("/de/"))
    """

    def __init__(self, root: Path, default_lang: str) -> None:
        self.root = Path(root).resolve(strict=True)
        self.default_lang = default_lang
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StaticSite:
        handler = type("BoundSiteHandler", (_SiteHandler,), {"site": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="static-site", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    @property
    def port(self) -> int:
        """The port the server listens on; only valid inside the context."""
        if self._server is None:
            raise RuntimeError("StaticSite is not running; use it as a context manager")
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        """The absolute URL of `path` (which starts with `/`) on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def languages(self) -> list[str]:
        """Language folders that have an index.html, read afresh so rebuilt sites are seen."""
        return sorted(entry.name for entry in self.root.iterdir() if (entry / "index.html").is_file())

    def resolve(self, relative: str) -> Path | None:
        """The regular file at `relative` under the root, or None if absent or outside it."""
        candidate = self.root / relative
        real = Path(os.path.realpath(candidate))
        if not real.is_relative_to(self.root) or not real.is_file():
            return None
        return real

    def not_found_page(self, segments: list[str]) -> Path | None:
        """The 404 page for a missing URL: its language's, else the default language's."""
        languages = [segments[0], self.default_lang] if segments else [self.default_lang]
        for language in languages:
            page = self.resolve(f"{language}/404.html")
            if page is not None:
                return page
        return None


class _SiteHandler(BaseHTTPRequestHandler):
    site: StaticSite

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        # Test output stays readable; failing tests report what they fetched themselves.
        pass

    def _respond(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        # Empty segments (`//`) are dropped so no segment can make the path absolute.
        segments = [segment for segment in path.split("/") if segment]
        if any(segment in (".", "..") or "\\" in segment or "\x00" in segment for segment in segments):
            self._send_text(HTTPStatus.BAD_REQUEST, "path leaves the site root\n", send_body)
            return
        if not segments:
            self._redirect(HTTPStatus.FOUND, f"/{self._reader_language()}/")
            return
        relative = "/".join(segments)
        if path.endswith("/"):
            target = self.site.resolve(relative + "/index.html")
        else:
            target = self.site.resolve(relative) or self.site.resolve(relative + ".html")
            if target is None and self.site.resolve(relative + "/index.html") is not None:
                self._redirect(HTTPStatus.MOVED_PERMANENTLY, path + "/")
                return
        if target is not None:
            self._send_file(HTTPStatus.OK, target, send_body)
            return
        not_found = self.site.not_found_page(segments)
        if not_found is not None:
            self._send_file(HTTPStatus.NOT_FOUND, not_found, send_body)
        else:
            self._send_text(HTTPStatus.NOT_FOUND, "not found\n", send_body)

    def _reader_language(self) -> str:
        return negotiate(
            self.headers.get("Accept-Language", ""), self.site.languages(), self.site.default_lang
        )

    def _redirect(self, status: HTTPStatus, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Vary", "Accept-Language")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_file(self, status: HTTPStatus, file: Path, send_body: bool) -> None:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("image/svg+xml", "application/json"):
            content_type += "; charset=utf-8"
        self._send(status, content_type, file.read_bytes(), send_body)

    def _send_text(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode(), send_body)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
