#!/usr/bin/env python3
"""Load shapes wrk cannot make, for bench/scenarios: many idle connections, a burst of
concurrent requests each on its own connection. Loopback only: every
address it connects to or binds is checked to be in 127.0.0.0/8.

  loadgen.py idle  --proxy 127.0.0.1:PORT --count N [--sources 2-60] [--hold S] [--pid PID]
  loadgen.py burst --proxy 127.0.0.1:PORT --url URL --count N [--api] [--timeout S]
  loadgen.py slowread --proxy 127.0.0.1:PORT --url URL --count N --rate B/s --duration S
             [--rcvbuf BYTES] [--ramp S] [--tsv FILE]
  loadgen.py upload --proxy 127.0.0.1:PORT --url URL --count N --size BYTES [--rate B/s]
             [--encoding length|chunked|mixed] [--timeout S] [--tsv FILE]
"""
import argparse
import asyncio
import ipaddress
import json
import os
import socket
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


def parse_head(head: bytes):
    """(status, content-length or None) of a response head (everything before the blank line)."""
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith(b"HTTP/1.") else -1
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, length


async def slow_reader(host, port, raw: bytes, rate: float, rcvbuf: int, start_at: float,
                      deadline: float):
    """One GET whose body is read at `rate` bytes/s at most, from a socket whose receive buffer
    is `rcvbuf` (so the kernel does not read ahead megabytes for us), until the body ends, the
    connection ends or `deadline` (monotonic) passes."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    r = {"status": None, "length": None, "body": 0, "end": "deadline", "ttfbMs": None,
         "endS": None}
    t0 = time.monotonic()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (host, port)), 10)
        await loop.sock_sendall(sock, raw)
        head = b""
        while b"\r\n\r\n" not in head:
            left = deadline - time.monotonic()
            if left <= 0:
                return r
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 16384), left)
            if not chunk:
                r["end"] = "eof-in-head"
                return r
            head += chunk
        t_body = time.monotonic()
        r["ttfbMs"] = round((t_body - t0) * 1000, 1)
        head, _, rest = head.partition(b"\r\n\r\n")
        r["status"], r["length"] = parse_head(head)
        r["body"] = len(rest)
        while r["length"] is None or r["body"] < r["length"]:
            wait = t_body + r["body"] / rate - time.monotonic()  # the read budget so far
            if wait > 0:
                await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))
            left = deadline - time.monotonic()
            if left <= 0:
                return r
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 16384), left)
            except asyncio.TimeoutError:
                return r
            if not chunk:
                r["end"] = "eof"
                return r
            r["body"] += len(chunk)
        r["end"] = "complete"
        return r
    except Exception as e:  # noqa: BLE001 - every failure is a result here
        r["end"] = type(e).__name__
        return r
    finally:
        if r["endS"] is None:
            r["endS"] = round(time.monotonic() - t0, 1)
        sock.close()


async def slowread(args):
    host, port = split(args.proxy)
    raw = f"GET {args.url} HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n".encode()
    t0 = time.monotonic()
    deadline = t0 + args.duration
    results = await asyncio.gather(*(
        slow_reader(host, port, raw, args.rate, args.rcvbuf,
                    t0 + args.ramp * i / max(1, args.count), deadline)
        for i in range(args.count)))
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("client\tstatus\tcontent_length\tbody_bytes\tend\tttfb_ms\tend_s\n")
            for i, r in enumerate(results):
                f.write(f"{i}\t{r['status']}\t{r['length']}\t{r['body']}\t{r['end']}\t"
                        f"{r['ttfbMs']}\t{r['endS']}\n")
    ends, statuses = {}, {}
    for r in results:
        ends[r["end"]] = ends.get(r["end"], 0) + 1
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    ttfb = [r["ttfbMs"] for r in results if r["ttfbMs"] is not None]
    early = [r["endS"] for r in results if r["end"] not in ("deadline", "complete")]
    body = [r["body"] for r in results]
    print(json.dumps({
        "clients": args.count, "ratePerClient": args.rate, "durationS": args.duration,
        "wallSeconds": round(time.monotonic() - t0, 1), "byStatus": statuses, "ends": ends,
        "bodyBytes": sum(body), "bodyBytesPerClientP50": pct(body, 50),
        "bodyBytesPerClientMin": min(body), "bodyBytesPerClientMax": max(body),
        "ttfbP50ms": pct(ttfb, 50), "ttfbP99ms": pct(ttfb, 99),
        "earlyEnds": len(early), "earlyEndP50s": pct(early, 50),
    }))


async def uploader(host, port, head: bytes, size: int, chunked: bool, rate: float,
                   deadline: float, piece: memoryview):
    """One POST of `size` bytes (Content-Length or chunked), at most `rate` bytes/s when rate > 0,
    stopping early when the proxy answers first; then its answer, read to the end."""
    r = {"status": None, "sent": 0, "received": None, "end": None, "seconds": None}
    t0 = time.monotonic()
    writer = got = None

    async def answer(reader):
        try:
            data = await reader.read()  # Connection: close: to the end
        except OSError:  # reset: no answer (the send side records the error)
            return None, b""
        h, _, body = data.partition(b"\r\n\r\n")
        status, _ = parse_head(h) if data else (None, None)
        return status, body

    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        writer.write(head)
        got = asyncio.ensure_future(answer(reader))
        while r["sent"] < size and not got.done() and time.monotonic() < deadline:
            n = min(len(piece), size - r["sent"])
            if chunked:
                writer.write(b"%x\r\n" % n)
                writer.write(piece[:n])
                writer.write(b"\r\n")
            else:
                writer.write(piece[:n])
            await asyncio.wait_for(writer.drain(), max(0.1, deadline - time.monotonic()))
            r["sent"] += n
            if rate > 0:
                wait = t0 + r["sent"] / rate - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
        if chunked and r["sent"] >= size and not got.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        r["status"], body = await asyncio.wait_for(got, max(0.1, deadline - time.monotonic()))
        try:
            r["received"] = json.loads(body)["received"]
        except (ValueError, KeyError, TypeError):
            pass
        r["end"] = "answered" if r["sent"] >= size else "answered-early"
    except Exception as e:  # noqa: BLE001 - every failure is a result here
        r["end"] = type(e).__name__
    finally:
        r["seconds"] = round(time.monotonic() - t0, 1)
        if got is not None and not got.done():
            got.cancel()
        if writer is not None:
            writer.close()
    return r


async def upload(args):
    host, port = split(args.proxy)
    piece = memoryview(b"u" * 262144)
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    jobs = []
    for i in range(args.count):
        chunked = args.encoding == "chunked" or (args.encoding == "mixed" and i % 2 == 1)
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {args.size}"
        head = (f"POST {args.url} HTTP/1.1\r\nHost: proxy\r\n"
                f"Content-Type: application/octet-stream\r\n{framing}\r\n"
                f"Connection: close\r\n\r\n").encode()
        jobs.append(uploader(host, port, head, args.size, chunked, args.rate, deadline, piece))
    results = await asyncio.gather(*jobs)
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("upload\tstatus\tsent_bytes\tsink_received\tend\tseconds\n")
            for i, r in enumerate(results):
                f.write(f"{i}\t{r['status']}\t{r['sent']}\t{r['received']}\t{r['end']}\t"
                        f"{r['seconds']}\n")
    ends, statuses = {}, {}
    for r in results:
        ends[r["end"]] = ends.get(r["end"], 0) + 1
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    done = [r for r in results if r["status"] == 200 and r["received"] == args.size]
    secs = [r["seconds"] for r in done]
    print(json.dumps({
        "uploads": args.count, "size": args.size, "encoding": args.encoding,
        "ratePerUpload": args.rate, "wallSeconds": round(time.monotonic() - t0, 1),
        "byStatus": statuses, "ends": ends, "completed": len(done),
        "sentBytes": sum(r["sent"] for r in results),
        "completedSecondsP50": pct(secs, 50), "completedSecondsMax": max(secs) if secs else None,
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
    s = sub.add_parser("slowread")
    s.add_argument("--proxy", required=True)
    s.add_argument("--url", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--rate", type=float, default=65536)
    s.add_argument("--duration", type=float, default=60)
    s.add_argument("--rcvbuf", type=int, default=65536)
    s.add_argument("--ramp", type=float, default=1.0)
    s.add_argument("--tsv")
    u = sub.add_parser("upload")
    u.add_argument("--proxy", required=True)
    u.add_argument("--url", required=True)
    u.add_argument("--count", type=int, required=True)
    u.add_argument("--size", type=int, required=True)
    u.add_argument("--rate", type=float, default=0)
    u.add_argument("--encoding", choices=("length", "chunked", "mixed"), default="length")
    u.add_argument("--timeout", type=float, default=120)
    u.add_argument("--tsv")
    args = p.parse_args()
    asyncio.run({"burst": burst, "idle": idle, "slowread": slowread, "upload": upload}[args.cmd](args))


if __name__ == "__main__":
    main()
