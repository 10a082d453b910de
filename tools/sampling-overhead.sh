#!/usr/bin/env bash
# Measures what heapreplay's own measurements cost a replay: the same trace
# and allocators replayed with no sampling at all, with memory samples only,
# with latency sampling only, and with both (the default), in rounds
# (A B C D, B C D A, ...) so that drift in the machine's load hits every mode
# alike. Prints the median ns/event of each (allocator, mode) and each mode's
# cost relative to "none".
#
#   tools/sampling-overhead.sh [--build DIR] [--rounds N] [-a ALLOC ...] TRACE
#
# Defaults: --build build, --rounds 5, every allocator except null. Memory
# samples include usable-size tracking, which costs a malloc_usable_size-style
# call per allocation for allocators that have no byte counters of their own.
set -euo pipefail

build=build
rounds=5
allocs=()
root=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -a) allocs+=(-a "$2"); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "$0: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--build DIR] [--rounds N] [-a ALLOC ...] TRACE" >&2; exit 2; }
trace=$1
case "$build" in /*) ;; *) build=$root/$build ;; esac
heapreplay=$build/bin/heapreplay
[ -x "$heapreplay" ] || { echo "$0: $heapreplay not built (tools/setup.sh build)" >&2; exit 2; }
if [ ${#allocs[@]} -eq 0 ]; then
  for a in glibc jemalloc mimalloc tcmalloc sizeclass blocks segfit pages vmarena; do allocs+=(-a "$a"); done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A flags=(
  [none]="--sample-every 0 --latency-every 0"
  [memory]="--latency-every 0"
  [latency]="--sample-every 0"
  [both]=""
)
modes=(none memory latency both)
for ((r = 1; r <= rounds; ++r)); do
  # Each round starts with a different mode, so no mode always runs first.
  for ((k = 0; k < ${#modes[@]}; ++k)); do
    m=${modes[$(((k + r) % ${#modes[@]}))]}
    # shellcheck disable=SC2086  # the flags are meant to split
    "$heapreplay" replay "${allocs[@]}" ${flags[$m]} -o "$work/$m.$r.json" "$trace" >/dev/null ||
      { echo "$0: the '$m' replay failed (round $r)" >&2; exit 1; }
  done
  echo "round $r/$rounds done" >&2
done

echo "trace: $trace; $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
modes = ["none", "memory", "latency", "both"]
ns = {}
for m in modes:
    for r in range(1, rounds + 1):
        for run in json.load(open(f"{work}/{m}.{r}.json"))["runs"]:
            if run["status"] == "ok":
                ns.setdefault((run["allocator"], m), []).append(run["ns_per_event"])
allocs = sorted({a for a, _ in ns}, key=lambda a: [a for a, _ in ns].index(a))
print(f"{'allocator':<12}" + "".join(f"{m + ' ns/ev':>16}" for m in modes) + f"{'memory':>10}{'latency':>10}{'both':>10}")
for a in allocs:
    med = {m: statistics.median(ns[(a, m)]) for m in modes if (a, m) in ns}
    if "none" not in med:
        continue
    row = f"{a:<12}" + "".join(f"{med.get(m, float('nan')):>16.2f}" for m in modes)
    row += "".join(f"{(med[m] / med['none'] - 1) * 100:>+9.1f}%" for m in modes[1:] if m in med)
    print(row)
PY
