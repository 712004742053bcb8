"""Preview latency: how long from saving one page to the browser's `reload` event.

Starts the real preview server on a generated corpus, listens on its event stream like a
browser tab, appends a sentence to one page several times and reports the median time from
the write to the `reload` event (debounce included). Run at 10 and 50 languages::

    python benchmarks/serve_latency.py --languages 10 50 --pages 20 --relays 10
"""

from __future__ import annotations

import argparse
import http.client
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCHMARKS), str(BENCHMARKS.parent)]

from corpus import edited_page, generate  # noqa: E402

from chatmail_site.commands.serve import PreviewServer  # noqa: E402

TIMEOUT = 30.0


def wait_for_reload(stream: http.client.HTTPResponse) -> None:
    for raw in stream:
        if raw.startswith(b"event: reload"):
            return
    raise RuntimeError("the event stream ended before a reload")


def measure(languages: int, pages: int, relays: int, edits: int) -> list[float]:
    """Save → reload latencies in seconds for `edits` one-page edits."""
    with tempfile.TemporaryDirectory(prefix="chatmail-preview-") as scratch:
        site = generate(Path(scratch), languages, pages, relays).ours
        page = edited_page(site)
        with PreviewServer(site, port=0, log=io.StringIO()) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
            connection.request("GET", "/__chatmail_site/events")
            stream = connection.getresponse()
            stream.readline()  # ": connected"
            latencies = []
            for number in range(edits):
                time.sleep(0.3)  # let the watcher settle, as between a person's saves
                started = time.perf_counter()
                with page.open("a", encoding="utf-8") as file:
                    file.write(f"\nOne more sentence, number {number}.\n")
                wait_for_reload(stream)
                latencies.append(time.perf_counter() - started)
            connection.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--relays", type=int, default=10)
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    print("| languages × pages | median save → reload | fastest | slowest |")
    print("|---|---|---|---|")
    for languages in args.languages:
        latencies = measure(languages, args.pages, args.relays, args.edits)
        print(
            f"| {languages} × {args.pages} | {statistics.median(latencies) * 1000:.0f} ms "
            f"| {min(latencies) * 1000:.0f} ms | {max(latencies) * 1000:.0f} ms |",
            flush=True,
        )


if __name__ == "__main__":
    main()
