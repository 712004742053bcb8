"""The live preview: a real server and a real watcher on a copy of the bundled site."""

from __future__ import annotations

import http.client
import io
import os
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import make_parser
from chatmail_site.commands.serve import RELOAD_TAG, Event, PreviewHandler, PreviewServer
from tests.support import REPO_ROOT

TIMEOUT = 15.0


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def fetch(server: PreviewServer, path: str, **headers: str) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class EventStream:
    """Reads the preview's server-sent events in a thread, one (name, data) at a time."""

    def __init__(self, server: PreviewServer) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        self.connection.request("GET", "/__chatmail_site/events")
        self.response = self.connection.getresponse()
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        assert self.response.readline() == b": connected\n"
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = "", []
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: "):
                    data.append(line[len("data: ") :])
                elif not line and name:
                    self.events.put((name, "\n".join(data)))
                    name, data = "", []
        except (OSError, ValueError):
            pass  # closed at the end of the test

    def wait_for(self, wanted: str) -> str:
        """The data of the next event named `wanted`, skipping others."""
        deadline = time.monotonic() + TIMEOUT
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                break
            if name == wanted:
                return data
        raise AssertionError(f"no `{wanted}` event within {TIMEOUT} s")

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def server(bundled_site: Path) -> Iterator[PreviewServer]:
    with PreviewServer(bundled_site, port=0, debounce=0.05, log=io.StringIO()) as running:
        yield running


@pytest.fixture
def events(server: PreviewServer) -> Iterator[EventStream]:
    stream = EventStream(server)
    yield stream
    stream.close()


def test_localhost_is_the_default_address() -> None:
    args = make_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert PreviewServer(Path(".")).host == "127.0.0.1"


def test_pages_follow_the_deploy_url_rules(server: PreviewServer) -> None:
    page = fetch(server, "/de/chatmail/")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.body.count(RELOAD_TAG) == 1 and page.body.index(RELOAD_TAG) < page.body.rindex(b"</body>")
    assert fetch(server, "/de/").status == 200
    assert fetch(server, "/de").headers["Location"] == "/de/"
    slashless = fetch(server, "/de/chatmail")
    assert (slashless.status, slashless.headers["Location"]) == (301, "/de/chatmail/")
    # Nothing is rewritten: the file name without its folder's slash is no page.
    assert fetch(server, "/de/chatmail.html").status == 404
    missing = fetch(server, "/fr/no-such-page")
    assert missing.status == 404
    assert missing.body.startswith(RELOAD_TAG) is False and b'lang="fr"' in missing.body
    script = fetch(server, "/__chatmail_site/reload.js")
    assert script.status == 200 and b"EventSource" in script.body and b"innerHTML" not in script.body


def test_root_redirects_by_accept_language(server: PreviewServer) -> None:
    french = fetch(server, "/", Accept_Language="fr-CA, en;q=0.5")
    assert (french.status, french.headers["Location"]) == (302, "/fr/")
    assert french.headers["Vary"] == "Accept-Language"
    assert fetch(server, "/", Accept_Language="ja").headers["Location"] == "/en/"


@pytest.mark.parametrize(
    "path",
    [
        "/../site.yaml",
        "/de/../../site.yaml",
        "/%2e%2e/site.yaml",
        "/de/%2E%2E%2f%2e%2e%2fsite.yaml",
        "/%252e%252e/site.yaml",
        "/de/..%5c..%5csite.yaml",
        "/de\\..\\..\\site.yaml",
        "/content/en/index.md",
    ],
)
def test_nothing_outside_the_build_is_served(server: PreviewServer, path: str) -> None:
    response = fetch(server, path)
    assert response.status in (400, 404)
    assert b"default_language" not in response.body and b"lang: en" not in response.body


def test_symlink_in_the_output_folder_is_not_followed(server: PreviewServer, bundled_site: Path) -> None:
    output = bundled_site / "build"
    output.mkdir(exist_ok=True)
    (output / "leak.html").symlink_to(bundled_site / "site.yaml")
    (output / "de").mkdir(exist_ok=True)
    (output / "de" / "leak.html").symlink_to(bundled_site / "site.yaml")
    for path in ("/leak.html", "/leak", "/de/leak"):
        response = fetch(server, path)
        assert response.status == 404 and b"default_language" not in response.body


def test_edit_changes_the_page_and_sends_reload(
    server: PreviewServer, events: EventStream, bundled_site: Path
) -> None:
    source = bundled_site / "content/de/chatmail.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nEin frisch gespeicherter Satz.\n", "utf-8")
    events.wait_for("reload")
    assert b"Ein frisch gespeicherter Satz." in fetch(server, "/de/chatmail/").body


def test_error_shows_overlay_keeps_last_good_page_and_clears_when_fixed(
    server: PreviewServer, events: EventStream, bundled_site: Path
) -> None:
    source = bundled_site / "content/fr/donate.md"
    good_text = source.read_text(encoding="utf-8")
    good_page = fetch(server, "/fr/donate/").body
    source.write_text(good_text.replace("lang: fr", "lang: de"), encoding="utf-8")
    message = events.wait_for("error")
    assert message.startswith("content/fr/donate.md:") and ": error: " in message
    assert fetch(server, "/fr/donate/").body == good_page
    late_tab = EventStream(server)  # a tab opened while the error stands sees it at once
    assert late_tab.wait_for("error") == message
    late_tab.close()
    source.write_text(good_text + "\nCorrigé.\n", encoding="utf-8")
    events.wait_for("ok")
    events.wait_for("reload")
    assert b"Corrig" in fetch(server, "/fr/donate/").body


def test_build_output_has_no_preview_script(bundled_site: Path) -> None:
    result = build_site(bundled_site)
    assert result.files
    assert not [name for name, data in result.files.items() if b"__chatmail_site" in data]


def test_ctrl_c_stops_cleanly(bundled_site: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "chatmail_site", "serve", "--site", str(bundled_site), "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith("Serving http://127.0.0.1:"), first_line
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode in (0, 130)
    assert "Traceback" not in stderr
    assert not (bundled_site / "build").exists()  # the preview writes nothing


# ---- a rebuild that fails never stops the preview --------------------------------------


def test_a_failed_rebuild_becomes_an_overlay_and_the_next_save_works(
    server: PreviewServer, events: EventStream, bundled_site: Path
) -> None:
    builder = server.preview.builder
    real_rebuild = builder.rebuild
    failures = iter([RuntimeError("injected failure")])

    def fails_once(changed=None):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_rebuild(changed)

    builder.rebuild = fails_once  # type: ignore[method-assign]
    source = bundled_site / "content/de/chatmail.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\nErster Satz.\n", encoding="utf-8")
    message = events.wait_for("error")
    assert "the rebuild failed unexpectedly (RuntimeError: injected failure)" in message
    assert "injected failure" in server.preview.log.getvalue()  # type: ignore[attr-defined]
    assert fetch(server, "/de/chatmail/").status == 200  # the last good build is still served
    source.write_text(text + "\nZweiter Satz.\n", encoding="utf-8")
    events.wait_for("reload")
    assert b"Zweiter Satz." in fetch(server, "/de/chatmail/").body


def test_failing_quality_checks_are_shown_and_the_next_save_works(
    server: PreviewServer, events: EventStream, bundled_site: Path
) -> None:
    builder = server.preview.builder
    real_findings = builder.findings
    failures = iter([RuntimeError("injected check failure")])

    def fails_once():
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_findings()

    builder.findings = fails_once  # type: ignore[method-assign]
    source = bundled_site / "content/de/chatmail.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\nErster Satz.\n", encoding="utf-8")
    assert "the quality checks failed unexpectedly (RuntimeError: injected check failure)" in (
        events.wait_for("findings")
    )
    assert b"Erster Satz." in fetch(server, "/de/chatmail/").body  # the page itself was rebuilt
    source.write_text(text + "\nZweiter Satz.\n", encoding="utf-8")
    events.wait_for("reload")
    assert b"Zweiter Satz." in fetch(server, "/de/chatmail/").body


def test_a_lone_surrogate_in_a_title_is_an_overlay_and_fixing_it_rebuilds(
    server: PreviewServer, events: EventStream, bundled_site: Path
) -> None:
    source = bundled_site / "content/de/chatmail.md"
    text = source.read_text(encoding="utf-8")
    title_line = next(line for line in text.splitlines() if line.startswith("title:"))
    source.write_text(text.replace(title_line, 'title: "\\ud800"'), encoding="utf-8")
    assert "lone surrogate (U+D800)" in events.wait_for("error")
    source.write_text(text + "\nWieder gut.\n", encoding="utf-8")
    events.wait_for("reload")
    assert b"Wieder gut." in fetch(server, "/de/chatmail/").body


def test_an_event_cannot_be_split_by_a_carriage_return() -> None:
    encoded = Event("error", "a.md:1: error: x\rreload\r\n\revent: reload\ndata: y").encode().decode()
    lines = re.split(r"\r\n|\r|\n", encoded)  # every line ending the event stream knows
    assert lines[0] == "event: error"
    assert all(line.startswith("data: ") for line in lines[1:-2]) and lines[-2:] == ["", ""]


# ---- the preview under load, and only for this machine ---------------------------------


def raw_request(server: PreviewServer, request: bytes) -> bytes:
    """Send bytes as they are and read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status_and_location(answer: bytes) -> tuple[int, str | None]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), headers.get("Location")


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "127.8.9.10", "[::1]:{port}"]
)
def test_loopback_host_names_are_answered(server: PreviewServer, host: str) -> None:
    answer = raw_request(
        server, f"GET /de/ HTTP/1.1\r\nHost: {host.format(port=server.port)}\r\n\r\n".encode()
    )
    assert status_and_location(answer)[0] == 200


@pytest.mark.parametrize(
    "request_head",
    [
        "GET /de/ HTTP/1.1\r\nHost: attacker.example\r\n",
        "GET /de/ HTTP/1.1\r\nHost: attacker.example:{port}\r\n",
        "GET /de/ HTTP/1.1\r\nHost: 127.0.0.1.attacker.example\r\n",
        "GET /de/ HTTP/1.1\r\nHost: 10.0.0.1\r\n",
        "GET /de/ HTTP/1.0\r\n",
        "GET http://attacker.example/de/ HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        "GET /__chatmail_site/events HTTP/1.1\r\nHost: attacker.example\r\n",
    ],
    ids=["name", "name-and-port", "lookalike", "other-address", "no-host", "absolute-form", "events"],
)
def test_other_host_names_are_refused(server: PreviewServer, request_head: str) -> None:
    """A page on another site that rebinds its name to 127.0.0.1 must not read the preview."""
    answer = raw_request(server, (request_head.format(port=server.port) + "\r\n").encode())
    assert status_and_location(answer)[0] == 403
    assert b"<html" not in answer


@pytest.mark.parametrize("target", ["http://127.0.0.1//de", "//de", "///de", "/de//"])
def test_a_redirect_never_names_another_host(server: PreviewServer, target: str) -> None:
    answer = raw_request(server, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    status, location = status_and_location(answer)
    if status in (301, 302):
        assert location is not None and location.startswith("/") and not location.startswith("//")


def test_aborted_connections_print_nothing(server: PreviewServer, capfd: pytest.CaptureFixture[str]) -> None:
    linger_zero = struct.pack("ii", 1, 0)  # close with a reset, as a browser does on a closed tab
    for path in ["/de/chatmail/", "/__chatmail_site/events"] * 10:
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        connection.close()
    server.preview.hub.publish(Event("reload"))  # the open streams now write to reset sockets
    assert fetch(server, "/de/chatmail/").status == 200
    time.sleep(0.5)  # let the handler threads of the reset connections finish their writes
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err and "Exception occurred" not in printed.err


def test_half_open_connections_neither_block_nor_stay(
    bundled_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PreviewHandler, "timeout", 1.0)
    with PreviewServer(bundled_site, port=0, log=io.StringIO()) as running:
        assert running._http is not None and running._http.request_queue_size >= 128
        idle = []
        for _ in range(300):
            connection = socket.create_connection(("127.0.0.1", running.port), timeout=TIMEOUT)
            connection.sendall(b"GET /de/ HTTP/1.1\r\n")  # a request that is never finished
            idle.append(connection)
        assert fetch(running, "/de/chatmail/").status == 200  # answered while 300 wait
        for connection in idle:  # each is closed by the server once its timeout passes
            assert connection.recv(1024) == b""
            connection.close()
