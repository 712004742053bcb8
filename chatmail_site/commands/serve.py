"""`chatmail-site serve`: a live preview with incremental rebuilds and an error overlay.

The server answers from an in-memory snapshot of the last good build (path → bytes), never
from the disk, so a reader never sees a half-written state, and nothing outside the build
can be served. It writes nothing either: build/ is left as `chatmail-site build` made it.

URLs follow the standalone nginx config: `/de/chatmail/` is de/chatmail/index.html,
`/de/chatmail` redirects to it, a missing page answers 404 with its language's 404 page, and `/`
redirects to the language the browser asks for. Nothing is rewritten, as on the plainest static
host. HTML responses (and only those of the preview) get a small script that listens on a
server-sent event stream: `reload` reloads the page, `error` shows the build's
diagnostics over it, `ok` clears them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import mimetypes
import queue
import re
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import MappingProxyType, TracebackType
from typing import TextIO
from urllib.parse import unquote, urlsplit

from watchdog.events import DirModifiedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from chatmail_site.commands.negotiate import negotiate
from chatmail_site.core.errors import Diagnostic, Severity
from chatmail_site.core.urls import INDEX_SLUG, not_found_output, output_of_url, page_of_output
from chatmail_site.incremental.preview import IncrementalBuilder, Outcome
from chatmail_site.load.theme import TemplateProblem

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PREVIEW_PREFIX = "/__chatmail_site/"
RELOAD_SCRIPT_URL = PREVIEW_PREFIX + "reload.js"
EVENTS_URL = PREVIEW_PREFIX + "events"
RELOAD_TAG = f'<script src="{RELOAD_SCRIPT_URL}"></script>'.encode()
# What the preview watches, relative to the site folder.
WATCHED_FOLDERS = frozenset({"content", "themes", "locales"})
WATCHED_FILES = frozenset({"site.yaml"})
# An editor's save is a burst of events (a temporary file written, renamed, its mode set)
# that arrive within a few milliseconds of each other; 30 ms of quiet covers such a burst
# and keeps the wait a small part of the time from saving to the reload.
DEBOUNCE_SECONDS = 0.03
KEEPALIVE_SECONDS = 10.0
SOCKET_TIMEOUT_SECONDS = 2 * KEEPALIVE_SECONDS
LISTEN_BACKLOG = 128

# Built with DOM APIs only (textContent): diagnostics quote the author's text, never markup.
RELOAD_SCRIPT = """\
(() => {
  "use strict";
  const overlayId = "chatmail-site-errors";
  const clear = () => document.getElementById(overlayId)?.remove();
  const show = (text) => {
    clear();
    const overlay = document.createElement("div");
    overlay.id = overlayId;
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;" +
      "padding:1.5rem;background:rgba(24,24,24,.94);color:#fff;font:14px/1.5 monospace";
    const heading = document.createElement("strong");
    heading.textContent = "chatmail-site: the last change has errors; showing the last good build";
    const details = document.createElement("pre");
    details.style.whiteSpace = "pre-wrap";
    details.textContent = text;
    overlay.append(heading, details);
    document.body.append(overlay);
  };
  // The quality findings of the page just saved: a panel at the bottom that hides nothing.
  const findingsId = "chatmail-site-findings";
  const showFindings = (text) => {
    document.getElementById(findingsId)?.remove();
    if (!text) return;
    const panel = document.createElement("aside");
    panel.id = findingsId;
    panel.setAttribute("role", "status");
    panel.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:2147483646;max-height:40vh;" +
      "overflow:auto;margin:0;padding:.75rem 1rem;background:#fff6cc;color:#1a1a1a;" +
      "border-top:2px solid #b38f00;font:13px/1.45 monospace;white-space:pre-wrap";
    const close = document.createElement("button");
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.style.float = "right";
    close.addEventListener("click", () => panel.remove());
    const details = document.createElement("div");
    details.textContent = text;
    panel.append(close, details);
    document.body.append(panel);
  };
  const events = new EventSource("/__chatmail_site/events");
  events.addEventListener("findings", (event) => showFindings(event.data));
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("ok", clear);
  // A lost connection also fires "error", without data; only the build's errors carry text.
  events.addEventListener("error", (event) => { if (event.data) show(event.data); });
})();
"""

# Shown while no build has succeeded yet, so the overlay has a page to sit on.
NO_BUILD_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>chatmail-site preview</title></head>"
    b"<body><p>The site has errors and has not been built yet.</p></body></html>"
)


def inject_reload_script(html: bytes) -> bytes:
    """Add the preview's script before the last </body> (or at the end)."""
    position = html.rfind(b"</body>")
    if position < 0:
        return html + RELOAD_TAG
    return html[:position] + RELOAD_TAG + html[position:]


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.format() for d in sorted(set(diagnostics), key=lambda d: (d.path, d.line)))


# ---- events ----------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Event:
    name: str
    data: str = ""

    def encode(self) -> bytes:
        """The event in the stream's format. Every line break of the data (LF, CR or CRLF:
        the stream ends a field at each of them) becomes a `data:` line of its own, so no
        text can end the event early or start another one."""
        lines = [f"event: {self.name}"] + [f"data: {line}" for line in _LINE_BREAK.split(self.data or "")]
        return ("\n".join(lines) + "\n\n").encode("utf-8", "backslashreplace")


class EventHub:
    """Fans events out to every open event stream."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[queue.Queue[Event | None]] = []

    @contextmanager
    def subscribe(self) -> Iterator[queue.Queue[Event | None]]:
        """A queue of events for one stream, for as long as the block runs."""
        inbox: queue.Queue[Event | None] = queue.Queue()
        with self._lock:
            self._subscribers.append(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                self._subscribers.remove(inbox)

    def publish(self, *events: Event) -> None:
        with self._lock:
            for inbox in self._subscribers:
                for event in events:
                    inbox.put(event)

    def close(self) -> None:
        """End every stream, so the server can shut down."""
        with self._lock:
            for inbox in self._subscribers:
                inbox.put(None)


# ---- state -----------------------------------------------------------------------------


@dataclass
class PreviewState:
    """The files being served and the errors of the latest rebuild; replaced whole, never edited."""

    files: MappingProxyType[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    default_language: str = "en"
    errors: str = ""  # formatted diagnostics of the latest rebuild when it failed
    findings: str = ""  # formatted warnings of the files the latest rebuild was for


class Preview:
    """Rebuilds on changes, keeps the served snapshot, and tells browsers what happened."""

    def __init__(self, site_dir: Path, log: TextIO = sys.stderr) -> None:
        self.builder = IncrementalBuilder(site_dir)
        self.hub = EventHub()
        self.state = PreviewState()
        self.log = log
        self._rebuild_lock = threading.Lock()
        self._after_failure = False

    def rebuild(self, changed: Iterable[str] | None = None) -> Outcome:
        """Rebuild (in full when `changed` is None), report in the terminal and the browser.

        The quality findings of the saved files follow the reload: worked out after it, they
        add nothing to the time until the page shows the change. Whatever goes wrong, the
        preview keeps serving the last good build, and the next save rebuilds again (in full,
        since the failed rebuild may have left anything half done).
        """
        changed = None if changed is None or self._after_failure else sorted(changed)
        with self._rebuild_lock:
            outcome = self._rebuild_safely(changed)
            current = None if self._after_failure else self.builder.current
            errors = format_diagnostics(d for d in outcome.diagnostics if d.severity is Severity.ERROR)
            # A build's files are never changed once it is made, so they are served as they are.
            files = current.files if current is not None else self.state.files
            language = current.site.config.default_language if current else self.state.default_language
            self.state = PreviewState(files, language, "" if outcome.ok else errors, self.state.findings)
            # The open tabs hear first; the terminal report and the findings follow.
            if outcome.ok:
                self.hub.publish(Event("ok"), Event("reload"))
            else:
                self.hub.publish(Event("error", format_diagnostics(outcome.diagnostics)))
            self._report(outcome, changed)
            if outcome.ok:
                self._publish_findings(changed or ())
        return outcome

    def _publish_findings(self, changed: Iterable[str]) -> None:
        """Show the findings of the saved files: in the terminal, and in every open tab (a tab
        that connects later gets them from the state)."""
        try:
            shown = _warnings_of(self.builder.findings(), changed)
        except Exception as exc:  # the checks fail, the page itself was rebuilt: say so, go on
            shown = [
                Diagnostic(
                    "chatmail-site",
                    0,
                    Severity.WARNING,
                    f"the quality checks failed unexpectedly ({type(exc).__name__}: {exc})",
                    "please report this; the page is rebuilt, only its findings are missing",
                )
            ]
        if shown:
            print(format_diagnostics(shown), file=self.log, flush=True)
        findings = format_diagnostics(shown)
        self.state = dataclasses.replace(self.state, findings=findings)
        self.hub.publish(Event("findings", findings))

    def _rebuild_safely(self, changed: list[str] | None) -> Outcome:
        started = time.perf_counter()
        try:
            outcome = self.builder.rebuild(changed)
        except TemplateProblem as failed:  # a site's own template that fails when filled in
            self._after_failure = True
            return Outcome(False, (failed.diagnostic,), changed is None, 0, time.perf_counter() - started)
        except Exception as exc:  # a bug, or input no check foresaw: shown, never fatal
            self._after_failure = True
            problem = Diagnostic(
                "chatmail-site",
                0,
                Severity.ERROR,
                f"the rebuild failed unexpectedly ({type(exc).__name__}: {exc})",
                "please report this; the next save rebuilds the whole site",
            )
            return Outcome(False, (problem,), changed is None, 0, time.perf_counter() - started)
        self._after_failure = False
        return outcome

    def _report(self, outcome: Outcome, changed: list[str] | None) -> None:
        shown = [
            d
            for d in outcome.diagnostics
            if changed is None or d.severity is Severity.ERROR or d.path in changed
        ]
        if shown:
            print(format_diagnostics(shown), file=self.log)
        kind = "full rebuild" if outcome.full else "rebuilt"
        result = "ok" if outcome.ok else "failed, still serving the last good build"
        print(
            f"{kind}: {outcome.rendered} pages, {outcome.seconds * 1000:.0f} ms, {result}",
            file=self.log,
            flush=True,
        )


def _warnings_of(diagnostics: Iterable[Diagnostic], changed: Iterable[str]) -> list[Diagnostic]:
    """The warnings about the files just saved: what the translator editing them should see."""
    saved = set(changed)
    return [d for d in diagnostics if d.severity is Severity.WARNING and d.path in saved]


# ---- HTTP ------------------------------------------------------------------------------


class PreviewHandler(BaseHTTPRequestHandler):
    preview: Preview
    # The address given with --host, which the Host header may also name.
    listen_host: str = "127.0.0.1"
    server_version = "chatmail-site-preview"
    # A connection that sends nothing (or stops reading) is dropped after this long, so
    # half-open connections cannot pile up; event streams write a keepalive more often.
    timeout = SOCKET_TIMEOUT_SECONDS

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _host_allowed(self) -> bool:
        """Whether the request names this preview: a loopback address or the --host address.

        A page on another site can make a browser send requests here under its own name
        (DNS rebinding); such requests carry that name in Host and are refused.
        """
        target = urlsplit(self.path)
        named = target.netloc if target.scheme else self.headers.get("Host", "")
        return host_is_allowed(named, self.listen_host)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows rebuilds and diagnostics, not every request

    def _respond(self, send_body: bool) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"unknown host\n", send_body)
            return
        raw_path = urlsplit(self.path).path
        if raw_path == EVENTS_URL:
            self._stream_events()
            return
        if raw_path == RELOAD_SCRIPT_URL:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", RELOAD_SCRIPT.encode(), send_body)
            return
        segments = request_segments(raw_path)
        if segments is None:
            self._send(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", b"bad path\n", send_body)
            return
        state = self.preview.state
        if not segments:
            self._redirect(HTTPStatus.FOUND, f"/{self._reader_language(state)}/")
            return
        relative = "/".join(segments)
        if raw_path.endswith("/"):
            found = lookup(state, output_of_url(relative + "/"))
        else:
            found = lookup(state, relative)
            if found is None and lookup(state, output_of_url(relative + "/")):
                # As every static server does: the page's relative links need the slash. Built
                # from the checked segments: `//en` must not become `//en/`, which a browser
                # reads as another host.
                self._redirect(HTTPStatus.MOVED_PERMANENTLY, f"/{relative}/")
                return
        if found is not None:
            self._send_file(HTTPStatus.OK, *found, send_body)
            return
        not_found = not_found_page(state, segments)
        if not_found is not None:
            self._send_file(HTTPStatus.NOT_FOUND, *not_found, send_body)
        elif not state.files:
            self._send_file(HTTPStatus.SERVICE_UNAVAILABLE, "index.html", NO_BUILD_PAGE, send_body)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", send_body)

    def _reader_language(self, state: PreviewState) -> str:
        homes = (page_of_output(name) for name in state.files)
        languages = sorted(home[0] for home in homes if home is not None and home[1] == INDEX_SLUG)
        return negotiate(self.headers.get("Accept-Language", ""), languages, state.default_language)

    def _redirect(self, status: HTTPStatus, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Vary", "Accept-Language")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_file(self, status: HTTPStatus, name: str, body: bytes, send_body: bool) -> None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type == "text/html":
            body = inject_reload_script(body)
        if content_type.startswith("text/") or content_type in ("image/svg+xml", "application/json"):
            content_type += "; charset=utf-8"
        self._send(status, content_type, body, send_body)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a preview is never cached
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with self.preview.hub.subscribe() as inbox:
            try:
                self.wfile.write(b": connected\n\n")
                if self.preview.state.errors:  # a tab opened after the error still shows it
                    self.wfile.write(Event("error", self.preview.state.errors).encode())
                if self.preview.state.findings:  # so does a tab reloaded after a save
                    self.wfile.write(Event("findings", self.preview.state.findings).encode())
                self.wfile.flush()
                self._forward(inbox)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the tab was closed

    def _forward(self, inbox: queue.Queue[Event | None]) -> None:
        while True:
            try:
                event = inbox.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                self.wfile.write(b": keepalive\n\n")  # also notices tabs that went away
            else:
                if event is None:
                    return
                self.wfile.write(event.encode())
            self.wfile.flush()


def request_segments(raw_path: str) -> list[str] | None:
    """The path's segments, or None when it tries to leave the site or hides how it is spelled.

    The snapshot holds only built files, so nothing else could be served anyway; refusing
    dot segments, backslashes, NUL and double encoding keeps the rules as strict as nginx's.
    """
    path = unquote(raw_path)
    if "%" in path or "\\" in path or "\x00" in path:
        return None
    segments = [segment for segment in path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        return None
    return segments


def lookup(state: PreviewState, name: str) -> tuple[str, bytes] | None:
    body = state.files.get(name)
    return None if body is None else (name, body)


def not_found_page(state: PreviewState, segments: list[str]) -> tuple[str, bytes] | None:
    """The 404 page for a missing URL: its language's, else the default language's."""
    for language in (*segments[:1], state.default_language):
        found = lookup(state, not_found_output(language))
        if found is not None:
            return found
    return lookup(state, "404.html")


def host_is_allowed(host_header: str, listen_host: str) -> bool:
    """Whether a Host value names a loopback address, `localhost`, or the listen address.

    When the preview listens on every address (0.0.0.0 or ::), any address written as
    digits is the machine's own; names other than localhost are still refused.
    """
    name = _host_name(host_header)
    if name is None:
        return False
    if name in ("localhost", listen_host.strip("[]").lower()):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    wildcard = listen_host.strip("[]") in ("0.0.0.0", "::")
    return address.is_loopback or wildcard


def _host_name(host_header: str) -> str | None:
    """The host of a Host value without its port (`[::1]:8000` → `::1`), or None if malformed."""
    value = host_header.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        return name if bracket and (not rest or (rest[1:].isdigit() and rest[0] == ":")) else None
    name, _, port = value.partition(":")
    if not name or (port and not port.isdigit()):
        return None
    return name.rstrip(".")


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive
    # Connections waiting to be accepted; the default of 5 refuses a browser's burst of
    # requests (a page, its styles, images and the event stream) while others are open.
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request: object, client_address: object) -> None:
        """A reader who closes the tab mid-answer is no error; anything else is one line."""
        problem = sys.exc_info()[1]
        if isinstance(problem, (ConnectionError, TimeoutError)):
            return
        print(
            f"chatmail-site: error: answering {client_address}: {type(problem).__name__}: {problem}",
            file=sys.stderr,
        )


def make_http_server(host: str, port: int, preview: Preview) -> PreviewHTTPServer:
    handler = type("BoundPreviewHandler", (PreviewHandler,), {"preview": preview, "listen_host": host})
    server_class = PreviewHTTPServer
    if ":" in host:
        server_class = type("PreviewHTTPServer6", (PreviewHTTPServer,), {"address_family": socket.AF_INET6})
    return server_class((host, port), handler)


# ---- watching --------------------------------------------------------------------------


def watched_path(site_dir: Path, path: str) -> str | None:
    """The site-relative path of a changed file when the preview cares about it."""
    try:
        # Events name paths below the watched (already resolved) folder.
        relative = PurePosixPath(Path(path).relative_to(site_dir).as_posix())
    except ValueError:
        return None
    parts = relative.parts
    if not parts or any(part.startswith(".") or part.endswith("~") for part in parts):
        return None  # editors' swap and backup files
    if parts[0] in WATCHED_FOLDERS or (len(parts) == 1 and parts[0] in WATCHED_FILES):
        return relative.as_posix()
    return None


class Debouncer:
    """Collects changed paths and hands them over once nothing changed for `quiet` seconds."""

    def __init__(self, quiet: float, callback: Callable[[set[str]], None]) -> None:
        self.quiet = quiet
        self.callback = callback
        self._pending: set[str] = set()
        self._deadline = 0.0
        self._stopped = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="preview-rebuild", daemon=True)
        self._thread.start()

    def add(self, paths: Iterable[str]) -> None:
        with self._condition:
            self._pending.update(paths)
            self._deadline = time.monotonic() + self.quiet
            self._condition.notify()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (
                    not self._pending or (remaining := self._deadline - time.monotonic()) > 0
                ):
                    self._condition.wait(None if not self._pending else remaining)
                if self._stopped:
                    return
                batch, self._pending = self._pending, set()
            self.callback(batch)


class ChangeHandler(FileSystemEventHandler):
    def __init__(self, site_dir: Path, debouncer: Debouncer) -> None:
        self.site_dir = site_dir
        self.debouncer = debouncer

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, DirModifiedEvent) or event.event_type in ("opened", "closed_no_write"):
            return  # a folder's listing time changes with every file written in it
        paths = [event.src_path, getattr(event, "dest_path", "")]
        changed = [p for path in paths if path and (p := watched_path(self.site_dir, str(path)))]
        if changed:
            self.debouncer.add(changed)


# ---- the server ------------------------------------------------------------------------


class PreviewServer:
    """Build, watch and serve a site until stopped; usable as a context manager.

    >>> with PreviewServer(site_dir) as server:
    ...     print(server.url)
    """

    def __init__(
        self,
        site_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        debounce: float = DEBOUNCE_SECONDS,
        log: TextIO = sys.stderr,
    ) -> None:
        self.site_dir = Path(site_dir).resolve()
        self.preview = Preview(self.site_dir, log)
        self.host = host
        self.port = port
        self.debounce = debounce
        self._http: PreviewHTTPServer | None = None
        self._observer: Observer | None = None
        self._debouncer: Debouncer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Build once, start watching, and listen (without answering yet; see serve_forever)."""
        self.preview.rebuild()
        self._http = make_http_server(self.host, self.port, self.preview)
        self.port = self._http.server_address[1]
        self._debouncer = Debouncer(self.debounce, self.preview.rebuild)
        self._observer = Observer()
        self._observer.schedule(
            ChangeHandler(self.site_dir, self._debouncer), str(self.site_dir), recursive=True
        )
        self._observer.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def serve_forever(self) -> None:
        assert self._http is not None
        self._http.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop answering, watching and streaming; safe to call more than once."""
        self.preview.hub.close()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._debouncer is not None:
            self._debouncer.stop()
            self._debouncer = None
        if self._http is not None:
            if self._thread is not None:
                self._http.shutdown()
                self._thread.join(timeout=5)
                self._thread = None
            self._http.server_close()
            self._http = None

    def __enter__(self) -> PreviewServer:
        self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="preview-http", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(site_dir: Path, host: str, port: int, open_browser: bool = False) -> int:
    """Run the preview until Ctrl-C; returns the exit code."""
    if host not in LOCAL_HOSTS:
        print(
            f"chatmail-site: warning: listening on {host}: other machines can reach this preview",
            file=sys.stderr,
        )
    server = PreviewServer(site_dir, host, port)
    try:
        server.start()
    except OSError as exc:
        print(f"chatmail-site: error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        server.stop()
        return 2
    print(f"Serving {server.url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.stop()
    return 0
