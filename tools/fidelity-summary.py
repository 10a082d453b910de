#!/usr/bin/env python3
"""Prints the summary tables of a `heapreplay fidelity` report as markdown:
one row per program (what docs/fidelity.md publishes), then per program and
allocator the memory ratios to glibc, program against replay.

    tools/fidelity-summary.py REPORT.json
"""
import json
import sys


def share(t):
    if not t["decided"]:
        return "-"
    return f'{t["agreeing"]}/{t["decided"]} ({100 * t["agreement"]:.0f}%)'


def tau(t):
    return "-" if t.get("kendall_tau") is None else f'{t["kendall_tau"]:.2f}'


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    with open(sys.argv[1]) as f:
        report = json.load(f)
    fid = report.get("fidelity")
    if not isinstance(fid, dict):
        sys.exit(f"{sys.argv[1]}: not a fidelity report (no \"fidelity\" block)")
    print("| program | events | peak live | time: agree/decided | tau | memory: agree/decided | tau "
          "| ratio within 10% | warnings |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for s in fid["subjects"]:
        m = s["memory"]
        warn = []
        for w in s["warnings"]:
            if "does not come from malloc" in w:
                warn.append("heap outside malloc")
            elif "little of its time in malloc" in w:
                warn.append("little time in malloc")
            else:
                warn.append(w.split(":")[0])
        print(f'| {s["name"]} | {s["recorded_events"]:,} | {mib(s["recorded_peak_live_bytes"])} '
              f'| {share(s["time"])} | {tau(s["time"])} | {share(m)} | {tau(m)} '
              f'| {m["ratio_cells_close"]}/{m["ratio_cells"]} | {", ".join(warn)} |')
    t = fid["totals"]
    print(f'| **all** | | | {share(t["time"])} | | {share(t["memory"])} | '
          f'| {t["memory"]["ratio_cells_close"]}/{t["memory"]["ratio_cells"]} | |')
    print()
    names = [a["allocator"] for a in fid["subjects"][0]["allocators"]] if fid["subjects"] else []
    print("| program | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for s in fid["subjects"]:
        cells = []
        for a in s["allocators"]:
            r, p = a["standin_memory_ratio"], a["reference_memory_ratio"]
            cells.append("-" if r is None or p is None else f"{r:.2f} / {p:.2f}")
        print(f'| {s["name"]} | ' + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
