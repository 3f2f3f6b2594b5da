"""Reading the bot's HTTP operations endpoints in tests: GET with status and body (also of an
error status), and /metrics parsed as Prometheus parses it."""

from __future__ import annotations

import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def get(base: str, path: str) -> tuple[int, str, bytes]:
    """GET `path`: status, Content-Type and body (also of a 503)."""
    try:
        with urllib.request.urlopen(base + path, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


def scrape(base: str) -> Samples:
    """Every sample of /metrics by name and labels, parsed as Prometheus parses it."""
    status, content_type, body = get(base, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }
