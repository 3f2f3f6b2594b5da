"""The bot's HTTP endpoint (app/http.py) under oversized posts and many clients at once.

Issue 12, items 7 and 11. The endpoint runs in this process with a real Bolt app (HTTP mode,
signing secret set) and answers on a free port of 127.0.0.1; the clients are threads here.

1. Oversized posts: `--big-clients` (4) clients at once each POST `--big-mb` (200) MB to
   /slack/events with an honest Content-Length, streamed from one 1 MB buffer. Prints each
   answer's status, how much each client got to send before the server answered and closed,
   and the process's resident memory: VmRSS before and after, and the growth of the peak
   (VmHWM). Before the fix the server read every body whole (the issue measured +900 MB).
2. Many clients: `--clients` (20, then 64) clients at once each make `--requests` (200)
   requests, GET /healthz on a new connection each, with a connect timeout of 1 s. Prints
   requests, failures and the kernel's TcpExt ListenOverflows/ListenDrops growth during the
   run (from /proc/net/netstat; other programs on the machine count there too).
   `--backlog N` runs the endpoint with another listen backlog: 5 is socketserver's default,
   what the endpoint had before.

Run: .venv/bin/python bench/http_endpoint.py [--backlog 5]
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

from slack_bolt import App

from app.http import LISTEN_BACKLOG, HttpEndpoint

HOST = "127.0.0.1"
MB = 1_000_000


def memory_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def listen_drops() -> int:
    """TcpExt ListenOverflows + ListenDrops of the whole machine."""
    lines = [ln.split() for ln in Path("/proc/net/netstat").read_text().splitlines()]
    for names, values in zip(lines[::2], lines[1::2], strict=True):
        if names[0] == "TcpExt:":
            row = dict(zip(names[1:], map(int, values[1:]), strict=True))
            return row.get("ListenOverflows", 0) + row.get("ListenDrops", 0)
    return 0


def big_post(port: int, size: int, results: list[tuple[int, int]]) -> None:
    """POST `size` bytes to /slack/events; appends (status, bytes sent)."""
    chunk = b" " * MB
    sent = 0
    with socket.create_connection((HOST, port), timeout=60) as sock:
        sock.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
        )
        try:
            while sent < size:
                sock.sendall(chunk[: min(MB, size - sent)])
                sent += min(MB, size - sent)
        except OSError:
            pass  # the server answered and closed: the rest is not wanted
        data = b""
        try:
            while part := sock.recv(65536):
                data += part
        except OSError:
            pass
    status = int(data.split()[1]) if data.startswith(b"HTTP/") else 0
    results.append((status, sent))


def oversized(port: int, clients: int, size_mb: int) -> None:
    rss, peak = memory_kb("VmRSS"), memory_kb("VmHWM")
    results: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=big_post, args=(port, size_mb * MB, results))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{clients} x {size_mb} MB POST /slack/events:")
    for status, sent in results:
        print(f"  answer {status or 'none'}, sent {sent / MB:.1f} MB before the server answered")
    print(
        f"  VmRSS {rss / 1000:.0f} -> {memory_kb('VmRSS') / 1000:.0f} MB, "
        f"peak grew by {(memory_kb('VmHWM') - peak) / 1000:.0f} MB"
    )


def healthz(port: int, requests: int, failures: list[str]) -> None:
    for _ in range(requests):
        try:
            with socket.create_connection((HOST, port), timeout=1.0) as sock:
                sock.settimeout(10)
                sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
                data = b""
                while part := sock.recv(4096):
                    data += part
            if not data.startswith(b"HTTP/1.0 200"):
                failures.append(f"answer {data[:20]!r}")
        except OSError as exc:
            failures.append(type(exc).__name__)


def many_clients(port: int, clients: int, requests: int) -> None:
    failures: list[str] = []
    before = listen_drops()
    threads = [
        threading.Thread(target=healthz, args=(port, requests, failures)) for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = clients * requests
    kinds = ", ".join(sorted({f"{k} x{failures.count(k)}" for k in failures})) or "none"
    print(
        f"{clients} clients x {requests} GET /healthz: {len(failures)} of {total} failed "
        f"({100 * len(failures) / total:.2f} %: {kinds}); "
        f"ListenOverflows+ListenDrops +{listen_drops() - before}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=LISTEN_BACKLOG)
    parser.add_argument("--big-clients", type=int, default=4)
    parser.add_argument("--big-mb", type=int, default=200)
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 64])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    # Each refused request logs one warning line; thousands of them say nothing here.
    logging.basicConfig(level=logging.ERROR)
    app = App(signing_secret="bench-secret", token="xoxb-bench", token_verification_enabled=False)
    endpoint = HttpEndpoint(
        app,
        None,
        None,
        clock=lambda: datetime.now(UTC),
        signing_secret="bench-secret",
        listen_backlog=args.backlog,
    )
    port = endpoint.serve(HOST, 0)
    print(f"listen backlog {args.backlog}, /slack/events limit {endpoint.max_slack_bytes:,} bytes")
    try:
        oversized(port, args.big_clients, args.big_mb)
        for clients in args.clients:
            many_clients(port, clients, args.requests)
    finally:
        endpoint.close()


if __name__ == "__main__":
    main()
