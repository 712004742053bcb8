"""The home page of a relay without a domain name, in real Chromium: its script asks `/new`
for an account, as the relay software answers it, and shows the dclogin: link as the button
and as a QR code that a real decoder reads back. The page is served with the deploy config's
Content-Security-Policy, so the script runs under `script-src 'self'`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chatmail_site.commands.cli import main
from chatmail_site.core.urls import page_output, page_url
from chatmail_site.deploy.nginx import CONTENT_SECURITY_POLICY
from tests.support.axe import format_violations, serious_violations
from tests.support.browser import save_screenshot
from tests.support.qr import decode_png
from tests.support.sites import write_site
from tests.support.vnu import check_html

pytest_plugins = ("tests.support.fixtures",)
pytestmark = pytest.mark.browser

ADDRESS = "203.0.113.7"
# What the relay software's account script answers for a relay with a self-signed certificate.
ACCOUNT = {
    "email": f"k3x9q2m7a@[{ADDRESS}]",
    "password": "p4ss-Word_12",
    "dclogin_url": f"dclogin:k3x9q2m7a@[{ADDRESS}]?p=p4ss-Word_12&v=1&ih={ADDRESS}&sh={ADDRESS}&ic=3",
}


class RelayHandler(SimpleHTTPRequestHandler):
    """The built site as the relay's nginx serves it (a folder by its index.html), plus `/new`
    answering like the relay."""

    new_status = 200
    new_requests = 0

    def do_GET(self) -> None:
        if self.path == "/new":
            type(self).new_requests += 1
            body = json.dumps(ACCOUNT).encode() if self.new_status == 200 else b"error"
            self.send_response(self.new_status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        super().end_headers()

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@contextmanager
def relay_server(web_root: Path) -> Iterator[str]:
    def handler(*args, **kwargs):
        return RelayHandler(*args, directory=str(web_root), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ipv4-relay")
    ini = f"[params]\nmail_domain = {ADDRESS}\nprivacy_mail = p@example.org\nprivacy_postal = Operator\n"
    site = write_site(
        root / "site",
        {
            "site.yaml": "title: Relay\ndefault_language: en\nlanguages: [en, de]\nfronts: chatmail.ini\n",
            "chatmail.ini": ini,
        },
    )
    assert main(["build", "--site", str(site), "--out", str(root / "out")]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    with relay_server(built) as base:
        yield base


@pytest.fixture
def relay_answers():
    RelayHandler.new_status, RelayHandler.new_requests = 200, 0
    yield RelayHandler
    RelayHandler.new_status = 200


def test_the_button_and_a_drawn_qr_code_carry_a_fresh_dclogin_account(
    served: str, chromium_browser, relay_answers, request
):
    context = chromium_browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{served}/{page_url('en', 'relay')}")
        button = page.locator("#dclogin-link")
        button.wait_for(state="visible")
        assert button.get_attribute("href") == ACCOUNT["dclogin_url"]
        assert page.locator("#dclogin-qr").get_attribute("href") == ACCOUNT["dclogin_url"]
        assert page.locator("#dclogin-qr svg").count() == 1
        assert not page.locator("#dclogin-status").is_visible()
        assert not page.locator("#dclogin-manual").is_visible()
        drawn = page.locator("#dclogin-qr").screenshot()
        save_screenshot(page, request.node.name)
        assert decode_png(drawn) == ACCOUNT["dclogin_url"]
        assert relay_answers.new_requests == 1
        assert not problems, problems  # a CSP violation would be reported here
        context.close()
        # axe's script is injected, which the page's CSP forbids; read the drawn page without it.
        context = chromium_browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(f"{served}/{page_url('en', 'relay')}")
        page.locator("#dclogin-link").wait_for(state="visible")
        violations = serious_violations(page)
        assert not violations, format_violations(violations)
    finally:
        context.close()


def test_without_javascript_the_page_says_what_to_do(served: str, chromium_browser, relay_answers):
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{served}/{page_url('de', 'relay')}")
        assert page.locator("#dclogin-status").is_visible()
        assert "JavaScript" in page.locator("#dclogin-status").inner_text()
        manual = page.locator("#dclogin-manual").inner_text()
        assert f"Ohne JavaScript: Öffnen Sie https://{ADDRESS}/new" in manual
        assert not page.locator("#dclogin-link").is_visible()
        assert relay_answers.new_requests == 0
    finally:
        context.close()


def test_a_failing_relay_leaves_a_plain_message_and_the_manual_way(
    served: str, chromium_browser, relay_answers
):
    relay_answers.new_status = 500
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{served}/{page_url('en', 'relay')}")
        status = page.locator("#dclogin-status")
        page.wait_for_function("() => document.getElementById('dclogin-status').textContent.includes('not')")
        assert "Reload the page to try again" in status.inner_text()
        assert page.locator("#dclogin-manual").is_visible()
        assert not page.locator("#dclogin-link").is_visible()
    finally:
        context.close()


def test_the_relay_pages_without_a_domain_name_are_valid_html(built: Path):
    pages = [built / page_output(lang, slug) for lang in ("en", "de") for slug in ("relay", "relay/info")]
    report = check_html(pages)
    assert not report.all_errors(), report.format_errors()
