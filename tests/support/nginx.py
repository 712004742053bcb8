"""Run the emitted nginx config in a real nginx on 127.0.0.1, and answer its FastCGI calls.

`running_nginx(plan, runtime_dir)` writes the config as a relay operator would include it,
wraps it in a minimal nginx.conf whose pid, logs and temp files all live in `runtime_dir`,
starts nginx in the foreground and stops it when the context closes. Nothing under /etc or
/var is written.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from chatmail_site.deploy.nginx import DeployPlan, config_file_name, nginx_config

INSTALL_HINT = "nginx is not installed; run scripts/install-test-deps.sh to install the test dependencies"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


def nginx_binary() -> str:
    """The nginx executable, or a test failure that says how to install it."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )
    if found is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrapper_config(site_config: Path, runtime_dir: Path) -> str:
    """A whole nginx.conf around the emitted site config, confined to `runtime_dir`."""
    return main_config_text(runtime_dir, f"    include {site_config};")


def main_config_text(runtime_dir: Path, http_body: str) -> str:
    """A whole nginx.conf with `http_body` in its http block, confined to `runtime_dir`."""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {runtime_dir / (kind + '_temp')};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Without a master process nginx stays one process as the invoking user, so it can read
    # the test's private temporary directories.
    return f"""\
daemon off;
master_process off;
pid {runtime_dir / "nginx.pid"};
error_log {runtime_dir / "error.log"} info;
events {{}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {runtime_dir / "access.log"};
{temp_paths}
{http_body}
}}
"""


def write_config(plan: DeployPlan, runtime_dir: Path) -> Path:
    """Write the emitted config and its wrapper into `runtime_dir`; return the wrapper path."""
    runtime_dir.mkdir(parents=True, exist_ok=True)
    site_config = runtime_dir / config_file_name(plan)
    site_config.write_text(nginx_config(plan), encoding="utf-8")
    main_config = runtime_dir / "nginx.conf"
    main_config.write_text(wrapper_config(site_config, runtime_dir), encoding="utf-8")
    return main_config


def nginx_command(main_config: Path, *extra: str) -> list[str]:
    prefix = main_config.parent
    return [
        nginx_binary(),
        "-p",
        f"{prefix}/",
        "-e",
        str(prefix / "error.log"),
        "-c",
        str(main_config),
        *extra,
    ]


def check_config(main_config: Path) -> subprocess.CompletedProcess[str]:
    """Run `nginx -t` on a config; the result carries nginx's own messages."""
    return subprocess.run(nginx_command(main_config, "-t"), capture_output=True, text=True, timeout=30)


@dataclass
class RunningNginx:
    port: int
    runtime_dir: Path
    tls: bool = False  # with a self-signed certificate, which requests do not verify

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request, redirects not followed; returns the response and its whole body."""
        connection = (
            http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=_unverified_context())
            if self.tls
            else http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def error_log(self) -> str:
        path = self.runtime_dir / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, runtime_dir: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (runtime_dir / "error.log").read_text(errors="replace")
            pytest.fail(f"nginx exited with {process.returncode}:\n{log}", pytrace=False)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    pytest.fail(f"nginx did not listen on 127.0.0.1:{port} within {_START_TIMEOUT}s", pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGQUIT)  # graceful: finish open requests, then exit
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_nginx(plan: DeployPlan, runtime_dir: Path) -> Iterator[RunningNginx]:
    """Serve `plan` (which must listen on 127.0.0.1 without TLS) until the context closes."""
    assert plan.listen_address == "127.0.0.1" and not plan.tls, "test servers listen on loopback, no TLS"
    with running_config(write_config(plan, runtime_dir), plan.listen_port) as server:
        yield server


@contextlib.contextmanager
def running_config(main_config: Path, port: int, tls: bool = False) -> Iterator[RunningNginx]:
    """Check a whole nginx.conf with `nginx -t`, then serve it on 127.0.0.1:`port` until closed."""
    runtime_dir = main_config.parent
    checked = check_config(main_config)
    if checked.returncode != 0:
        pytest.fail(f"nginx -t rejected the config:\n{checked.stderr}", pytrace=False)
    process = subprocess.Popen(
        nginx_command(main_config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_listening(process, port, runtime_dir)
        yield RunningNginx(port, runtime_dir, tls)
    finally:
        _stop(process)


def _unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def self_signed_certificate(directory: Path, domain: str) -> tuple[Path, Path]:
    """A certificate and key for `domain`, made with openssl, valid for a day."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", f"/CN={domain}", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key


# --- a minimal FastCGI responder -----------------------------------------------------------

_FCGI_VERSION = 1
_BEGIN_REQUEST, _END_REQUEST, _PARAMS, _STDIN, _STDOUT = 1, 3, 4, 5, 6
_HEADER = struct.Struct("!BBHHBx")


@dataclass
class FastCgiCall:
    params: dict[str, str]
    body: bytes


@dataclass
class FastCgiResponder:
    """Answers FastCGI requests on a Unix socket with a fixed reply, recording each call."""

    socket_path: Path
    reply_status: str = "201 Created"
    reply_body: bytes = b"account created\n"
    calls: list[FastCgiCall] = field(default_factory=list)

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        request_id, params, stdin = 0, bytearray(), bytearray()
        stdin_done = False
        while not stdin_done:
            record_type, request_id, content = _read_record(connection)
            if record_type == _PARAMS:
                params += content
            elif record_type == _STDIN:
                stdin += content
                stdin_done = not content
        self.calls.append(FastCgiCall(_decode_params(bytes(params)), bytes(stdin)))
        reply = f"Status: {self.reply_status}\r\nContent-Type: text/plain\r\n\r\n".encode() + self.reply_body
        connection.sendall(
            _record(_STDOUT, request_id, reply)
            + _record(_STDOUT, request_id, b"")
            + _record(_END_REQUEST, request_id, bytes(8))
        )


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("FastCGI peer closed the connection early")
        data += chunk
    return bytes(data)


def _read_record(connection: socket.socket) -> tuple[int, int, bytes]:
    _, record_type, request_id, length, padding = _HEADER.unpack(_read_exactly(connection, _HEADER.size))
    content = _read_exactly(connection, length)
    _read_exactly(connection, padding)
    return record_type, request_id, content


def _record(record_type: int, request_id: int, content: bytes) -> bytes:
    return _HEADER.pack(_FCGI_VERSION, record_type, request_id, len(content), 0) + content


def _decode_length(data: bytes, offset: int) -> tuple[int, int]:
    if data[offset] < 0x80:
        return data[offset], offset + 1
    return struct.unpack_from("!I", data, offset)[0] & 0x7FFFFFFF, offset + 4


def _decode_params(data: bytes) -> dict[str, str]:
    params, offset = {}, 0
    while offset < len(data):
        name_length, offset = _decode_length(data, offset)
        value_length, offset = _decode_length(data, offset)
        name = data[offset : offset + name_length].decode("latin-1")
        offset += name_length
        params[name] = data[offset : offset + value_length].decode("latin-1")
        offset += value_length
    return params


@contextlib.contextmanager
def fastcgi_responder() -> Iterator[FastCgiResponder]:
    """A FastCGI responder on a fresh Unix socket, served from a thread while open."""
    # Unix socket paths are limited to about 100 bytes, so use a short directory.
    directory = Path(tempfile.mkdtemp(prefix="fcgi-", dir="/tmp"))
    responder = FastCgiResponder(directory / "newemail.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(responder.socket_path))
    listener.listen()
    thread = threading.Thread(target=responder.serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield responder
    finally:
        # shutdown() wakes the thread blocked in accept(); close() alone may not.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=5)
        shutil.rmtree(directory, ignore_errors=True)
