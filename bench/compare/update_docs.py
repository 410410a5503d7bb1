#!/usr/bin/env python3
"""Regenerates the figures of the `## Proof: assurai vs Inspect` section of
docs/benchmarks.md from bench/compare/results.json (written by compare.sh).

Usage: update_docs.py RESULTS.json docs/benchmarks.md
Only the text between the `<!-- proof-figures:begin -->` and
`<!-- proof-figures:end -->` markers is replaced.
"""
import json
import sys

BEGIN, END = "<!-- proof-figures:begin -->", "<!-- proof-figures:end -->"


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def table(res: dict) -> str:
    m = {r["name"]: r for r in res["measures"]}
    n = res["instances"]
    ours, insp, wrk = m.get(f"assurai-{n}"), m.get(f"inspect-{n}"), m.get("wrk")
    out = [
        f"Measured {res['date']} on {res['machine']}, commit `{res['commit']}`, "
        f"{n:,} instances at concurrency {res['concurrency']}, 2 calls per instance "
        "(target + LLM judge), one server for all runs.",
        "",
        "| Run | Wall (s) | Peak RSS (MiB) | Calls | Calls/s | CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in [("`assurai run`", ours), ("Inspect (`inspect eval`)", insp)]:
        if r:
            out.append(
                f"| {label} | {r['wall_s']:.2f} | {r['rss_mib']:.1f} | {fmt_int(r['calls'])} "
                f"| {fmt_int(r['calls'] / r['wall_s'])} | {r['cpu_percent']:.0f}% |"
            )
    if wrk:
        out.append(f"| server raw capacity (`wrk`, 64 connections) | – | – | – | {fmt_int(wrk['requests_per_s'])} | – |")
    out.append("")
    if ours and insp:
        out.append(
            f"Ratios: Inspect takes **{insp['wall_s'] / ours['wall_s']:.1f}×** the wall time and "
            f"**{insp['rss_mib'] / ours['rss_mib']:.1f}×** the peak memory of `assurai run` for the same work."
        )
    if ours and wrk:
        out.append(
            f"`assurai run` drives the server at {100 * ours['calls'] / ours['wall_s'] / wrk['requests_per_s']:.0f}% "
            "of the request rate `wrk` reaches on the same machine (both share its cores with the server)."
        )
    scale = sorted(
        (r for r in res["measures"] if r["name"].startswith("assurai-")),
        key=lambda r: int(r["name"].split("-")[1]),
    )
    if len(scale) > 1:
        out += [
            "",
            "Scaling of `assurai run` (same server, concurrency as above):",
            "",
            "| Instances | Wall (s) | ms per 1,000 instances | Peak RSS (MiB) | Calls/s |",
            "| ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in scale:
            k = int(r["name"].split("-")[1])
            out.append(
                f"| {k:,} | {r['wall_s']:.2f} | {1000 * 1000 * r['wall_s'] / k:,.0f} "
                f"| {r['rss_mib']:.1f} | {fmt_int(r['calls'] / r['wall_s'])} |"
            )
    return "\n".join(out)


def main() -> None:
    res = json.load(open(sys.argv[1]))
    path = sys.argv[2]
    doc = open(path, encoding="utf-8").read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{path}: the {BEGIN} … {END} markers are missing")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    open(path, "w", encoding="utf-8").write(head + BEGIN + "\n" + table(res) + "\n" + END + tail)


if __name__ == "__main__":
    main()
