#!/usr/bin/env python3
"""Median over rounds per (body, conns, target), with ratios to nginx and to direct, CPU
microseconds and context switches per request (results.tsv of bench/run since these columns;
older files print "-") and "our cost": proxy-abs minus bare, CPU microseconds per request."""
import csv
import statistics
import sys
from collections import defaultdict

PER_REQ = ("cpu_us_per_req", "up_us_per_req", "cs_per_req")


REFERENCE = {
    "nginx-tls": "nginx-tls",
    "proxy-tls": "nginx-tls",
    "nginx-tls-close": "nginx-tls-close",
    "proxy-tls-close": "nginx-tls-close",
}


def fmt(value, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
    rss = open(sys.argv[2]).read().strip() if len(sys.argv) > 2 else ""
    dat = "--dat" in sys.argv
    groups = defaultdict(list)
    for r in rows:
        groups[(r["body"], int(r["conns"]), r["target"])].append(r)
    med = {}
    for key, rs in groups.items():
        med[key] = {
            f: statistics.median(float(r[f]) for r in rs)
            for f in ("rps", "p50_ms", "p99_ms", "cpu_server", "cpu_upstream")
        }
        for f in PER_REQ:
            vals = [float(r[f]) for r in rs if r.get(f) not in (None, "")]
            med[key][f] = statistics.median(vals) if vals else None
        med[key]["errors"] = sum(int(r["errors"]) for r in rs)
        med[key]["non2xx"] = sum(int(r["non2xx"]) for r in rs)
        med[key]["n"] = len(rs)
    targets = []
    for r in rows:
        if r["target"] not in targets:
            targets.append(r["target"])
    cases = sorted({(b, c) for b, c, _ in med}, key=lambda x: (x[0] != "1k", x[1]))
    if dat:
        print("case " + " ".join(targets))
        for b, c in cases:
            print(f"{b}/{c}c " + " ".join(str(med.get((b, c, t), {}).get("rps", 0)) for t in targets))
        return
    print("| body | conns | target | req/s | p50 ms | p99 ms | errors | non-2xx | CPU proxy (cores) | CPU upstream | x nginx | x direct | p99 x nginx | CPU us/req | upstream us/req | ctx sw/req |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for b, c in cases:
        direct = med.get((b, c, "direct"))
        for t in targets:
            m = med.get((b, c, t))
            if not m:
                continue
            # TLS from the client is compared with nginx terminating TLS the same way
            ref = med.get((b, c, REFERENCE.get(t, "nginx")))
            xr = f"{m['rps'] / ref['rps']:.2f}" if ref and ref["rps"] else "-"
            xd = f"{m['rps'] / direct['rps']:.2f}" if direct and direct["rps"] else "-"
            xp = f"{m['p99_ms'] / ref['p99_ms']:.2f}" if ref and ref["p99_ms"] else "-"
            print(
                f"| {b} | {c} | {t} | {m['rps']:.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
                f"{m['errors']} | {m['non2xx']} | {m['cpu_server']:.2f} | {m['cpu_upstream']:.2f} | "
                f"{xr} | {xd} | {xp} | {fmt(m['cpu_us_per_req'], 1)} | {fmt(m['up_us_per_req'], 1)} | "
                f"{fmt(m['cs_per_req'], 2)} |"
            )
    print()
    cost = False
    for b, c in cases:
        abs_, bare = med.get((b, c, "proxy-abs")), med.get((b, c, "bare"))
        if abs_ and bare and abs_["cpu_us_per_req"] is not None and bare["cpu_us_per_req"] is not None:
            print(
                f"Our cost, {b} at {c} conns: proxy-abs {abs_['cpu_us_per_req']:.1f} - bare "
                f"{bare['cpu_us_per_req']:.1f} = {abs_['cpu_us_per_req'] - bare['cpu_us_per_req']:.1f} "
                f"CPU us/req."
            )
            cost = True
    if cost:
        print()
    print(f"Medians over {max(m['n'] for m in med.values())} round(s). {rss}")


if __name__ == "__main__":
    main()
