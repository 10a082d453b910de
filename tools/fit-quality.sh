#!/usr/bin/env bash
# How well `heapreplay gen fit` holds on traces it was not tuned on: fits
# every real trace under ../shared/data that heapreplay imports (malloc-lab
# .rep of the three sets, the raw malloc-lab recordings, wee_alloc traces,
# glibc mtrace logs) and recordings it makes of real programs (python3 with
# PYTHONMALLOC=malloc and without, perl, sqlite3, GNU sort, cc1plus under
# g++ -c), and prints one line per trace: events, block-lifetime total
# variation, live-bytes max and mean error, request-size total variation,
# and whether the trace meets the targets (lifetime TV <= 0.05, live-bytes
# max error <= 10%).
#
#   tools/fit-quality.sh [--build DIR] [--data DIR] [--work DIR] [--seed S] [--draw D] [--segments N]
#                        [--no-record] [--min-events N] [--markdown]
#
# Defaults: --build build, --data ../shared/data (from the repository root),
# --work BUILD/fit-quality (the recordings and fitted traces go there),
# --seed 1, --draw shuffle, --segments: gen fit's default, --min-events 0 (traces with fewer events are
# listed as skipped). --no-record fits only the files of --data (and any
# recordings already in --work). --markdown prints a markdown table.
# Exit status: 0 when every trace fitted met both targets, 1 when one did
# not, 2 on bad usage or a missing tool.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=build
data=
work=
seed=1
draw=shuffle
segments=()
record=1
min_events=0
markdown=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --draw) draw=$2; shift 2 ;;
    --segments) segments=(--segments "$2"); shift 2 ;;
    --no-record) record=0; shift ;;
    --min-events) min_events=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build=$root/$build ;; esac
[ -n "$data" ] || data=$root/../shared/data
[ -n "$work" ] || work=$build/fit-quality
heapreplay=$build/bin/heapreplay
if [ ! -x "$heapreplay" ]; then
  echo "$0: no $heapreplay (build it: cmake --build $build --target heapreplay hr_record)" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "$0: python3 is needed for the table" >&2; exit 2; }
mkdir -p "$work"

traces=()
if [ -d "$data" ]; then
  for f in "$data"/malloclab-classic/*.rep "$data"/malloclab-cmu/*.rep "$data"/malloclab-cmu-2016/*.rep \
           "$data"/wee_alloc/*.trace "$data"/mtrace/*.mtrace; do
    [ -f "$f" ] && traces+=("$f")
  done
  # The raw recordings have no extension; their README is not a trace.
  for f in "$data"/malloclab-raw/*; do
    case "$f" in *.txt) ;; *) [ -f "$f" ] && traces+=("$f") ;; esac
  done
else
  echo "$0: no $data: fitting only the recordings" >&2
fi

# Real programs, each with a deterministic input made here. Only the process
# that does the work is kept (python3 itself, not the shell of a wrapper;
# cc1plus, not the g++ driver).
rec() {  # rec NAME COMMAND...: record COMMAND into $work/NAME.hrt
  local name=$1
  shift
  if ! "$heapreplay" record -o "$work/$name.hrt" -- "$@" >/dev/null 2>"$work/$name.record.log"; then
    echo "$0: recording $name failed (see $work/$name.record.log)" >&2
    rm -f "$work/$name.hrt"
  fi
}
if [ $record = 1 ]; then
  python=$(command -v python3)
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3  # the interpreter itself, not a pyenv shim
  cat >"$work/json_work.py" <<'EOF'
import json
d = [{"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 7), "u%d" % (i % 13)], "v": i * 0.5} for i in range(12000)]
s = json.dumps(d)
e = json.loads(s)
idx = {x["name"]: x for x in e}
print(len(s), sum(len(x["tags"]) for x in idx.values()))
EOF
  PYTHONMALLOC=malloc rec python3-malloc "$python" "$work/json_work.py"
  rec python3-pymalloc "$python" "$work/json_work.py"
  rec perl perl -e 'my %h; for my $i (1..200000) { $h{"key$i"} = "v" x ($i % 50); }
    my @k = sort keys %h; for my $i (0..$#k) { delete $h{$k[$i]} if $i % 2; }
    my $s = join(",", map { $_ . $h{$_} } grep { exists $h{$_} } @k[0..9999]); print length($s), "\n";'
  if command -v sqlite3 >/dev/null; then
    rec sqlite3 sqlite3 :memory: "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
      WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i<100000)
        INSERT INTO t SELECT i, printf('row-%08d-%d', (i*7919)%100003, i%977), i*0.5 FROM r;
      CREATE INDEX tb ON t(b); SELECT count(*), sum(length(b)) FROM t WHERE b LIKE 'row-0001%';
      SELECT b FROM t ORDER BY c DESC LIMIT 3; DELETE FROM t WHERE a%3=0;
      SELECT length(group_concat(b)) FROM (SELECT b FROM t ORDER BY b LIMIT 1000);"
  else
    echo "$0: no sqlite3 (apt-get install sqlite3): its recording is left out" >&2
  fi
  awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "%08d line %d\n", (i * 7919) % 1000003, i % 97 }' >"$work/sort-input.txt"
  rec sort sort -k3,3n -k1,1 "$work/sort-input.txt" -o "$work/sort-output.txt"
  # g++ forks cc1plus and as; --follow-fork child records each into a trace of its own.
  rm -f "$work"/gxx.*.hrt
  if (cd "$root" && "$heapreplay" record --follow-fork child -o "$work/gxx.hrt" -- \
        g++ -std=c++20 -O1 -I. -c traces/generators/fit.cpp -o "$work/fit.o" >/dev/null 2>"$work/gxx.record.log"); then
    cc1=$(sed -n 's/.*cc1plus (pid \([0-9]*\)).*/\1/p' "$work/gxx.record.log" | head -1)
    [ -n "$cc1" ] && [ -f "$work/gxx.$cc1.hrt" ] && mv "$work/gxx.$cc1.hrt" "$work/gxx-cc1plus.hrt"
  else
    echo "$0: recording g++ -c failed (see $work/gxx.record.log)" >&2
  fi
  rm -f "$work"/gxx.hrt "$work"/gxx.*.hrt
fi
for f in "$work"/*.hrt; do
  case "$f" in *.fit.hrt) ;; *) [ -f "$f" ] && traces+=("$f") ;; esac
done
if [ ${#traces[@]} -eq 0 ]; then
  echo "$0: no trace to fit" >&2
  exit 2
fi

results=$work/results.jsonl
: >"$results"
for t in "${traces[@]}"; do
  name=${t#"$data"/}
  name=${name#"$work"/}
  out=$work/$(echo "$name" | tr '/' '_').fit.hrt
  if ! json=$("$heapreplay" gen fit "$t" --seed "$seed" --draw "$draw" "${segments[@]}" --json -o "$out" 2>"$work/fit.log"); then
    printf '{"trace": "%s", "error": "%s"}\n' "$name" "$(tail -1 "$work/fit.log" | tr -d '"\\')" >>"$results"
    continue
  fi
  rm -f "$out"
  python3 -c 'import json, sys; j = json.loads(sys.argv[2]); j["trace"] = sys.argv[1]; print(json.dumps(j))' \
    "$name" "$json" >>"$results"
done

python3 - "$results" "$min_events" "$markdown" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
min_events, markdown = int(sys.argv[2]), sys.argv[3] == "1"
head = ["trace", "events", "lifetime TV", "live max err", "live mean err", "size TV", "targets"]
lines, failed, met, skipped = [], 0, 0, 0
for r in rows:
    if "error" in r:
        lines.append([r["trace"], "-", "-", "-", "-", "-", "error: " + r["error"]])
        failed += 1
        continue
    d, n = r["distance"], r["source_events"]
    if n < min_events:
        skipped += 1
        verdict = "skipped (< %d events)" % min_events
    else:
        ok = d["lifetime_tvd"] <= 0.05 and d["live_bytes_max_error"] <= 0.10
        verdict = "met" if ok else "MISSED"
        met += ok
        failed += not ok
    lines.append([r["trace"], str(n), "%.4f" % d["lifetime_tvd"], "%.2f%%" % (100 * d["live_bytes_max_error"]),
                  "%.2f%%" % (100 * d["live_bytes_mean_error"]), "%.4f" % d["size_tvd"], verdict])
if markdown:
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(head) - 1)) + "| --- |")
    for l in lines:
        print("| `" + l[0] + "` | " + " | ".join(l[1:]) + " |")
else:
    w = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    for l in [head] + lines:
        print("  ".join(x.ljust(w[i]) if i in (0, len(head) - 1) else x.rjust(w[i]) for i, x in enumerate(l)).rstrip())
print("%d traces: %d met both targets (lifetime TV <= 0.05, live-bytes max error <= 10%%), %d missed, %d skipped"
      % (len(rows), met, failed, skipped))
sys.exit(1 if failed else 0)
EOF
