#!/usr/bin/env bash
# The long fuzzing campaign: runs heapreplay's libFuzzer targets (tests/fuzz)
# for a given time each, N at a time, with their corpora in a work folder
# outside the repository, and prints a markdown table of what each run did.
#
#   tools/fuzz-campaign.sh [options] [TARGET...]      (default: every target)
#     -t SECONDS   time per target (default 600)
#     -j N         targets run at once (default 1)
#     -w DIR       work folder: corpora, crash files, logs (default /tmp/heapreplay-fuzz)
#     -b DIR       fuzz build folder (default build-fuzz; configured and built when missing)
#     -s           also seed from ../shared/data where present (copied into the work
#                  folder, never into the repository)
#     -n           run nothing: print the table of the last campaign in the work folder
#
# Targets are named as in tests/fuzz/fuzz_NAME.cpp: rep mtrace raw wee android
# text hrt record report vma shell sizeclass blocks segfit pages vmarena.
#
# The table's columns come from libFuzzer's last lines: runs ("Done N runs"),
# exec/s, cov (covered edges) and ft (features) of the final "DONE" line, the
# corpus size, and the crash/leak/timeout files written. The corpora grow
# across campaigns: run again with the same -w to go on where the last stopped.
#
# Reproducing a finding: each one is a file WORK/artifacts/NAME-crash-<sha1>
# (or leak-, timeout-, oom-). Run the target on that file alone:
#   build-fuzz/fuzz/bin/fuzz_NAME WORK/artifacts/NAME-crash-<sha1>
# which prints the sanitizer report; then fix the bug, keep the file under
# tests/fuzz/regressions/NAME/ (every target, ctest's fuzz.NAME and this
# script run it first) and check that the regression tests
# (ctest -R FuzzRegressions) pass.
set -euo pipefail

seconds=600 jobs=1 work=/tmp/heapreplay-fuzz build=build-fuzz shared=0 run=1
while getopts "t:j:w:b:snh" o; do
  case "$o" in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    w) work=$OPTARG ;;
    b) build=$OPTARG ;;
    s) shared=1 ;;
    n) run=0 ;;
    *) sed -n '2,30p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
all=$(ls tests/fuzz/fuzz_*.cpp | sed 's|.*/fuzz_||; s|\.cpp$||')
targets=${*:-$all}
for t in $targets; do
  [ -f "tests/fuzz/fuzz_$t.cpp" ] || { echo "fuzz-campaign: no target '$t' (known: $(echo $all))" >&2; exit 2; }
done

if [ "$run" = 1 ]; then
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DHEAPREPLAY_FUZZ=ON -DHEAPREPLAY_TESTS=OFF \
    -DHEAPREPLAY_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target hr_fuzzers >/dev/null

mkdir -p "$work/artifacts" "$work/logs"
work=$(cd "$work" && pwd)  # absolute: the shell target works in a scratch folder of its own
shared_dir="$root/../shared/data"
seed_shared() {  # seed_shared TARGET CORPUS: real traces of the target's format, 64 KiB at most
  local t=$1 dest=$2 pattern
  case "$t" in
    rep) pattern="malloclab-classic/*.rep malloclab-cmu/*.rep malloclab-cmu-2016/*.rep" ;;
    raw) pattern="malloclab-raw/*" ;;
    mtrace) pattern="mtrace/*.mtrace" ;;
    wee) pattern="wee_alloc/*.trace" ;;
    vma) pattern="vma/tests/*/*.in vma/tests/*.in vma/tests/*/*" ;;
    *) return 0 ;;
  esac
  local f
  for f in $(cd "$shared_dir" && ls -d $pattern 2>/dev/null); do
    [ -f "$shared_dir/$f" ] || continue
    [ "$(stat -c %s "$shared_dir/$f")" -le 65536 ] || continue
    cp "$shared_dir/$f" "$dest/shared-$(echo "$f" | tr / _)"
  done
}

run_one() {  # run_one TARGET: one campaign of one target; its log in $work/logs
  local t=$1
  local corpus="$work/corpus/$t"  # a second local: in the first, $t would still be the caller's
  mkdir -p "$corpus"
  [ "$shared" = 1 ] && [ -d "$shared_dir" ] && seed_shared "$t" "$corpus"
  local dict=() regressions=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="$root/tests/fuzz/dict/$t.dict")
  [ -d "tests/fuzz/regressions/$t" ] && regressions=("$root/tests/fuzz/regressions/$t")
  # Paths are absolute: the shell target works in a scratch folder of its own.
  # -max_len 16384: reports, and scripts this long reach every parser state; longer
  # inputs only slow each run. The committed seeds are read, never written.
  "$build/fuzz/bin/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" "${dict[@]}" "$corpus" "$root/tests/fuzz/corpus/$t" \
    "${regressions[@]}" \
    >"$work/logs/$t.log" 2>&1 || true
}
export -f run_one seed_shared
export seconds work build shared shared_dir root

before=$(ls "$work/artifacts" | wc -l)
echo "fuzz-campaign: $(echo $targets | wc -w) targets, ${seconds}s each, $jobs at a time, work folder $work" >&2
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one {}'
fi

echo "| target | seconds | runs | exec/s | cov | ft | corpus | findings |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for t in $targets; do
  log="$work/logs/$t.log"
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
  eps=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -1 || true)
  findings=$(cd "$work/artifacts" && ls | grep -E "^$t-(crash|leak|timeout|oom|slow-unit)-" | sed "s/^$t-//" | tr '\n' ' ' || true)
  if [ -z "$runs" ]; then
    # libFuzzer stopped early: a finding, reported by its artifact (or the log).
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1 || true)
    [ -n "$findings" ] || findings="stopped: see $log"
  fi
  echo "| $t | ${secs:-?} | ${runs:-?} | ${eps:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${findings:-none} |"
done
echo >&2
if [ "$run" = 1 ]; then
  echo "fuzz-campaign: $(($(ls "$work/artifacts" | wc -l) - before)) new finding files in $work/artifacts (logs in $work/logs)" >&2
fi
