#!/usr/bin/env bash
# Measures what recording costs a program: its wall time unrecorded, under
# libhr_record_clock_only.so (the recording library with nothing stored: the
# calls forwarded and the clock read, what any recorder that times each call
# pays), recorded by libhr_record.so alone, recorded end to end by
# `heapreplay record` (including the conversion to .hrt), and recorded by
# heaptrack.
#
#   tools/record-overhead.sh [--build DIR] [--reps N] [--clock C] [--perl | --perl-threads | -- COMMAND...]
#
# The default program is our allocation-heavy multi-threaded test program
# (tests/support/mt_alloc.c): mt_alloc --threads 2 --items 1000000. A COMMAND
# whose first word is mt_alloc runs the built one. --perl runs the perl script
# of tools/record-mtrace.sh --perl-workload (1.6 million calls of a real
# interpreter). --perl-threads runs a like script in two perl threads (ithreads:
# an interpreter each, 3 million calls, some blocks freed by a thread that
# did not allocate them). --clock auto|tsc|monotonic is the recording clock (as
# `heapreplay record --clock`). Defaults: --build build, --reps 5, --clock auto.
# The modes run interleaved (A B C D A B C D ...), so that drift in the
# machine's load hits each alike; the table gives the median of each. It
# prints the two figures the recorder is held to: recorded / unrecorded wall
# time, and heaptrack's added time / libhr_record's added time. CPU time (user
# + system of the process and its children) is shown too: on a busy machine it
# says more than the wall time.
#
# heaptrack is Debian's `heaptrack` package; without it that row is left out.
set -euo pipefail

build=build
reps=5
perl=0
clock=auto
root=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --perl) perl=1; shift ;;
    --perl-threads) perl=2; shift ;;
    --clock) clock=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build=$root/$build ;; esac

heapreplay=$build/bin/heapreplay
mt_alloc=$build/bin/mt_alloc
library=$build/lib/libhr_record.so
clock_only=$build/lib/libhr_record_clock_only.so
if [ ! -x "$heapreplay" ] || [ ! -x "$mt_alloc" ] || [ ! -f "$library" ] || [ ! -f "$clock_only" ]; then
  echo "$0: building heapreplay, mt_alloc and the recording libraries in $build" >&2
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -G Ninja >/dev/null
  cmake --build "$build" --target heapreplay mt_alloc hr_record hr_record_clock_only -j 1 >/dev/null
fi
cmd=("$@")
if [ $perl = 1 ]; then
  cmd=(perl -e 'my %h; for my $i (1..180000) { $h{"k$i"} = [$i, "v" x ($i % 50)]; }
                for my $i (1..180000) { delete $h{"k$i"} if $i % 3; }
                my @a = map { "x" x ($_ % 200) } 1..130000; print scalar(keys %h), "\n";')
elif [ $perl = 2 ]; then
  cmd=(perl -Mthreads -e 'sub work { my ($n) = @_; my %h; for my $i (1..$n) { $h{"k$i"} = [$i, "v" x ($i % 50)]; }
                  for my $i (1..$n) { delete $h{"k$i"} if $i % 3; }
                  my @a = map { "x" x ($_ % 200) } 1..$n; return scalar(keys %h); }
                my $s = 0; $s += $_->join for map { threads->create(\&work, 150000) } 1..2; print "$s\n";')
fi
[ ${#cmd[@]} -gt 0 ] || cmd=(mt_alloc --threads 2 --items 1000000)
[ "${cmd[0]}" != mt_alloc ] || cmd[0]=$mt_alloc

have_heaptrack=1
if ! command -v heaptrack >/dev/null; then
  have_heaptrack=0
  echo "$0: heaptrack is not installed (apt-get install heaptrack); its row is left out" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The CPU time (user + system, s) of this shell's finished children, from
# the `times` builtin's second line (run in this shell, not a subshell).
children_cpu() {
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; ++i) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] } print t }' "$1"
}

# Runs the command with stdout and stderr discarded; prints "WALL:CPU" in s.
wall() {
  local start end
  times >"$work/times0"
  start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "$0: failed: $*" >&2; exit 1; }
  end=$EPOCHREALTIME
  times >"$work/times1"
  awk -v a="$start" -v b="$end" -v c0="$(children_cpu "$work/times0")" -v c1="$(children_cpu "$work/times1")" \
    'BEGIN { printf "%.4f:%.3f\n", b - a, c1 - c0 }'
}

run_plain() { wall "${cmd[@]}"; }
# Forwarding and the clock read, nothing stored.
run_clock() {
  rm -rf "$work/raw" && mkdir -m 700 "$work/raw"
  wall env HEAPREPLAY_RECORD_DIR="$work/raw" HEAPREPLAY_RECORD_FORK=child HEAPREPLAY_RECORD_CLOCK="$clock" \
    LD_PRELOAD="$clock_only" "${cmd[@]}"
}
# The library alone: what the program pays while it runs.
run_library() {
  rm -rf "$work/raw" && mkdir -m 700 "$work/raw"
  wall env HEAPREPLAY_RECORD_DIR="$work/raw" HEAPREPLAY_RECORD_FORK=child HEAPREPLAY_RECORD_CLOCK="$clock" \
    LD_PRELOAD="$library" "${cmd[@]}"
}
# What a user waits for: the run, then the merge into an .hrt.
run_record() {
  rm -f "$work/t.hrt"
  wall "$heapreplay" record --clock "$clock" -o "$work/t.hrt" -- "${cmd[@]}"
}
run_heaptrack() {
  rm -f "$work"/ht.*
  wall heaptrack -o "$work/ht" "${cmd[@]}"
}

modes=(plain clock library record)
[ $have_heaptrack = 1 ] && modes+=(heaptrack)
declare -A times cpus
for ((r = 1; r <= reps; r++)); do
  for m in "${modes[@]}"; do
    result=$(run_$m)
    times[$m]+="${result%%:*} "
    cpus[$m]+="${result##*:} "
  done
  echo "repetition $r/$reps done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

events=$("$heapreplay" info --json "$work/t.hrt" | awk -F': ' '/"events"/ { gsub(",", "", $2); print $2 }')
raw_bytes=$(du -sb "$work/raw" | cut -f1)
case $perl in
  1) what="perl (tools/record-mtrace.sh --perl-workload)" ;;
  2) what="perl, two threads (--perl-threads)" ;;
  *) what="${cmd[*]}" ;;
esac
echo "workload: ${what#"$build/bin/"}  ($events events recorded; raw recording $((raw_bytes / 1048576)) MiB; clock $clock)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "%-34s %10s %8s %9s %9s %8s   %s\n" "mode" "wall s" "x plain" "added s" "CPU s" "x plain" "wall of each run (s)"
plain=$(echo "${times[plain]}" | median)
plain_cpu=$(echo "${cpus[plain]}" | median)
declare -A med
for m in "${modes[@]}"; do
  med[$m]=$(echo "${times[$m]}" | median)
  cpu=$(echo "${cpus[$m]}" | median)
  case $m in
    plain) label="unrecorded" ;;
    clock) label="clock read only (nothing stored)" ;;
    library) label="libhr_record.so (recording only)" ;;
    record) label="heapreplay record (with .hrt)" ;;
    heaptrack) label="heaptrack" ;;
  esac
  awk -v l="$label" -v t="${med[$m]}" -v p="$plain" -v c="$cpu" -v pc="$plain_cpu" -v runs="${times[$m]}" \
    'BEGIN { printf "%-34s %10.3f %7.2fx %9.3f %9.3f %7.2fx   %s\n", l, t, t / p, t - p, c, c / pc, runs }'
done
echo
awk -v l="${med[library]}" -v r="${med[record]}" -v p="$plain" \
  'BEGIN { printf "recorded / unrecorded wall time: %.2fx with the library alone, %.2fx end to end (target: at most 1.5x)\n", l / p, r / p }'
if [ $have_heaptrack = 1 ]; then
  awk -v l="${med[library]}" -v r="${med[record]}" -v h="${med[heaptrack]}" -v p="$plain" \
    'BEGIN { printf "heaptrack added time / ours: %.1fx (library alone), %.1fx (end to end) (target: at least 5x)\n", (h - p) / (l - p), (h - p) / (r - p) }'
fi
