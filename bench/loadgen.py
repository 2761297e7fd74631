#!/usr/bin/env python3
"""Load shapes wrk cannot make, for bench/scenarios: many idle connections, a burst of
concurrent requests each on its own connection. Loopback only: every
address it connects to or binds is checked to be in 127.0.0.0/8.

  loadgen.py idle  --proxy 127.0.0.1:PORT --count N [--sources 2-60] [--hold S] [--pid PID]
  loadgen.py burst --proxy 127.0.0.1:PORT --url URL --count N [--api] [--timeout S]
"""
import argparse
import asyncio
import ipaddress
import json
import os
import resource
import statistics
import sys
import time


def loopback(host: str) -> str:
    if not ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8"):
        sys.exit(f"refusing non-loopback address {host}")
    return host


def split(hostport: str):
    host, port = hostport.rsplit(":", 1)
    return loopback(host), int(port)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


async def one_request(host, port, raw: bytes, timeout: float):
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(raw)
        await writer.drain()
        head = await asyncio.wait_for(reader.readline(), timeout)
        status = int(head.split()[1]) if head.startswith(b"HTTP/1.") else -1
        await asyncio.wait_for(reader.read(), timeout)  # Connection: close: read to the end
        writer.close()
        return status, (time.perf_counter() - t0) * 1000
    except Exception as e:  # noqa: BLE001 - every failure is a result here
        return type(e).__name__, (time.perf_counter() - t0) * 1000


async def burst(args):
    host, port = split(args.proxy)
    if args.api:
        body = json.dumps({"url": args.url}).encode()
        raw = (
            f"POST /api/v1/fetch HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode() + body
    else:
        raw = f"GET {args.url} HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n".encode()
    t0 = time.perf_counter()
    results = await asyncio.gather(
        *(one_request(host, port, raw, args.timeout) for _ in range(args.count))
    )
    wall = time.perf_counter() - t0
    by = {}
    for status, ms in results:
        by.setdefault(str(status), []).append(ms)
    out = {
        "requests": args.count,
        "wallSeconds": round(wall, 2),
        "byStatus": {
            k: {"n": len(v), "p50ms": round(pct(v, 50), 1), "p99ms": round(pct(v, 99), 1),
                "maxms": round(max(v), 1)}
            for k, v in sorted(by.items())
        },
    }
    print(json.dumps(out))


async def idle(args):
    host, port = split(args.proxy)
    first, last = (int(x) for x in args.sources.split("-"))
    sources = [loopback(f"127.0.0.{i}") for i in range(first, last + 1)]
    before = rss_kib(args.pid) if args.pid else 0
    conns = []
    failed = 0
    for i in range(args.count):
        try:
            r, w = await asyncio.open_connection(host, port, local_addr=(sources[i % len(sources)], 0))
            conns.append(w)
        except OSError:
            failed += 1
        if i % 1000 == 999:
            await asyncio.sleep(0)  # let the proxy breathe between thousands
    await asyncio.sleep(2)
    held = sum(1 for w in conns if not w.is_closing())
    after = rss_kib(args.pid) if args.pid else 0
    fresh = []
    for _ in range(20):
        status, ms = await one_request(
            host, port, b"GET /health HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n", 5)
        fresh.append(ms if status == 200 else float("inf"))
    await asyncio.sleep(args.hold)
    still = sum(1 for w in conns if not w.is_closing())
    for w in conns:
        w.close()
    print(json.dumps({
        "opened": len(conns), "failedToOpen": failed, "heldAfter2s": held,
        "heldAtEnd": still, "freshRequestP50ms": round(statistics.median(fresh), 1),
        "freshRequestMaxms": round(max(fresh), 1), "proxyRssBeforeMiB": round(before / 1024, 1),
        "proxyRssAfterMiB": round(after / 1024, 1),
        "bytesPerConnection": round((after - before) * 1024 / max(1, held)) if args.pid else None,
    }))


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("burst")
    b.add_argument("--proxy", required=True)
    b.add_argument("--url", required=True)
    b.add_argument("--count", type=int, required=True)
    b.add_argument("--api", action="store_true")
    b.add_argument("--timeout", type=float, default=60)
    i = sub.add_parser("idle")
    i.add_argument("--proxy", required=True)
    i.add_argument("--count", type=int, required=True)
    i.add_argument("--sources", default="2-60")
    i.add_argument("--hold", type=float, default=5)
    i.add_argument("--pid", type=int, default=0)
    args = p.parse_args()
    asyncio.run({"burst": burst, "idle": idle}[args.cmd](args))


if __name__ == "__main__":
    main()
