#!/usr/bin/env python3
"""Prints a markdown table of a heapreplay report: for each trace and
allocator, the median ns/event and peak RSS over repetitions, and peak RSS /
peak live bytes (the memory an allocator needed per byte the program held
live). Used to make the measured tables in the READMEs.

    tools/summarize-report.py REPORT.json [--footprint] [--only A,B,...]

--footprint adds, in parentheses, our designs' own peak footprint / peak
live (exact: counted by their page source; system allocators report
process-wide figures, which are left out). --only keeps those allocators.
Which allocators are ours comes from `heapreplay list` (build/bin/heapreplay,
or the one $HEAPREPLAY names).
"""
import json
import os
import statistics
import subprocess
import sys


def our_designs():
    exe = os.environ.get("HEAPREPLAY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "heapreplay")
    try:
        out = subprocess.run([exe, "list"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"summarize-report: cannot run '{exe} list' (build heapreplay, or set HEAPREPLAY): {e}")
    return {f[0] for f in (line.split() for line in out.splitlines()) if len(f) > 1 and f[1] == "ours"}


def main():
    argv = sys.argv[1:]
    only = None
    if "--only" in argv:
        i = argv.index("--only")
        only = argv[i + 1].split(",")
        del argv[i:i + 2]
    args = [a for a in argv if not a.startswith("--")]
    footprint = "--footprint" in argv
    ours = our_designs() if footprint else set()
    if len(args) != 1:
        sys.exit(__doc__)
    with open(args[0]) as f:
        report = json.load(f)
    if report.get("schema") != "heapreplay.report/1":
        sys.exit(f"{args[0]}: not a heapreplay.report/1 file")
    groups = {}
    for run in report["runs"]:
        groups.setdefault((run["trace"], run["allocator"]), []).append(run)
    allocators = [a for a in dict.fromkeys(a for _, a in groups) if only is None or a in only]
    traces = list(dict.fromkeys(t for t, _ in groups))
    head = ["trace"] + [f"{a} ns/ev, RSS/live" for a in allocators]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for t in traces:
        cells = [t.split("/")[-1]]
        for a in allocators:
            runs = [r for r in groups.get((t, a), []) if r["status"] == "ok"]
            if not runs:
                bad = groups.get((t, a), [{}])[0].get("status", "-")
                cells.append(bad)
                continue
            ns = statistics.median(r["ns_per_event"] for r in runs)
            rss = statistics.median(r["peak_rss_bytes"] for r in runs)
            live = runs[0]["peak_live_bytes"] or 1
            cell = f"{ns:.0f}, {rss / live:.2f}"
            if footprint and a.split(":")[0] in ours:
                fp = statistics.median(r["allocator_stats"].get("footprint_peak_bytes", 0) for r in runs)
                if fp:
                    cell += f" ({fp / live:.2f})"
            fails = max(r["failed_allocations"] for r in runs)
            if fails:
                cell += f" [{fails} failed]"
            cells.append(cell)
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
