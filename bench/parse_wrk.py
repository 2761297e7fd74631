#!/usr/bin/env python3
"""Turns one wrk --latency output into a TSV row for bench/run."""
import re
import sys


def ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    if not m:
        return float("nan")
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n


def main() -> None:
    path, rnd, body, conns, target, s_ticks, u_ticks, tck, duration = sys.argv[1:10]
    text = open(path, encoding="utf-8", errors="replace").read()
    if "Summary:" in text:  # hey's report (the CONNECT targets)
        print(hey_row(text, rnd, body, conns, target, s_ticks, u_ticks, tck, duration))
        return
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = sum(int(x) for x in sock.groups()) if sock else 0
    secs = float(duration) * float(tck)
    print(
        "\t".join(
            [
                rnd,
                body,
                conns,
                target,
                f"{float(rps.group(1)) if rps else 0:.0f}",
                f"{ms(p50.group(1)) if p50 else float('nan'):.2f}",
                f"{ms(p99.group(1)) if p99 else float('nan'):.2f}",
                str(errors),
                non2xx.group(1) if non2xx else "0",
                f"{int(s_ticks) / secs:.2f}",
                f"{int(u_ticks) / secs:.2f}",
            ]
        )
    )


def hey_row(text, rnd, body, conns, target, s_ticks, u_ticks, tck, duration) -> str:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"50% in ([\d.]+) secs", text)
    p99 = re.search(r"99% in ([\d.]+) secs", text)
    codes = re.findall(r"\[(\d+)\]\s+(\d+) responses", text)
    non2xx = sum(int(n) for c, n in codes if not c.startswith("2"))
    errors = sum(int(n) for n in re.findall(r"\[(\d+)\]\s+Get ", text))
    errors += len(re.findall(r"^\s+\[\d+\]\s+\S+.*error", text, re.M))
    secs = float(duration) * float(tck)
    return "\t".join([
        rnd, body, conns, target,
        f"{float(rps.group(1)) if rps else 0:.0f}",
        f"{float(p50.group(1)) * 1000 if p50 else float('nan'):.2f}",
        f"{float(p99.group(1)) * 1000 if p99 else float('nan'):.2f}",
        str(errors), str(non2xx),
        f"{int(s_ticks) / secs:.2f}", f"{int(u_ticks) / secs:.2f}",
    ])


if __name__ == "__main__":
    main()
