#!/usr/bin/env bash
# Gates an allocator change in CI with heapreplay: runs a suite through the
# BASE and the NEW library in one session (interleaved, so that machine drift
# hits both alike), compares them with `heapreplay compare`, writes a markdown
# summary and an HTML report, and exits with compare's status.
#
# Two libraries:
#   tools/ci-compare.sh --base-lib OLD.so --new-lib NEW.so [OPTIONS] [TRACE...]
# Two revisions of an allocator's git repository, each built into a library:
#   tools/ci-compare.sh --repo DIR --base REV --new REV --build 'COMMAND' --lib PATH [OPTIONS] [TRACE...]
#   COMMAND runs (bash -c) in a fresh checkout of each revision (git worktree);
#   PATH is the malloc-replacing .so it leaves, relative to that checkout.
#
# TRACE: trace files of any format heapreplay reads; none: heapreplay bench's
# built-in workloads.
#
# Options:
#   -r, --repetitions N   runs of each (trace, library), interleaved (default 9)
#   --threshold ARG       passed to heapreplay compare (PCT or METRIC=PCT; repeatable)
#   --alpha A             passed to heapreplay compare (default 0.05)
#   --min-bytes-change SIZE  passed to heapreplay compare (default 256K): the noise floor of peak RSS and
#                         footprint; a smaller change is never a regression, whatever its percentage (RSS is
#                         good to a few hundred KiB, so small traces would gate on noise); 0: no floor
#   --also ALLOCATOR      also run a reference allocator (glibc, jemalloc, ...) for the report (repeatable)
#   --run-option OPT      extra option for heapreplay replay/bench, e.g. --run-option=--touch=none (repeatable)
#   --out DIR             where everything goes (default: heapreplay-ci)
#   --heapreplay PATH     the heapreplay binary (default: $HEAPREPLAY, else build/bin/heapreplay of this
#                         checkout, else heapreplay on PATH)
#
# Writes in DIR: report.json (every run), compare.txt/.md/.json (the verdict),
# summary.md (the report's summary), report.html (charts; needs libjs-chart.js),
# and appends compare.md and summary.md to $GITHUB_STEP_SUMMARY when it is set.
#
# Exit status: compare's (0 no regression, 1 regression or NEW runs failed,
# 2 bad input), or 2 when this script's own arguments or the build are wrong.
set -euo pipefail

die() { echo "ci-compare: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

here=$(cd "$(dirname "$0")" && pwd)
base_lib="" new_lib="" repo="" base_rev="" new_rev="" build_cmd="" lib_rel=""
reps=9 out=heapreplay-ci heapreplay=${HEAPREPLAY:-}
compare_opts=() run_opts=() also=() traces=()

need() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }
while [ $# -gt 0 ]; do
  case "$1" in
    --base-lib) need "$@"; base_lib=$2; shift 2 ;;
    --new-lib) need "$@"; new_lib=$2; shift 2 ;;
    --repo) need "$@"; repo=$2; shift 2 ;;
    --base) need "$@"; base_rev=$2; shift 2 ;;
    --new) need "$@"; new_rev=$2; shift 2 ;;
    --build) need "$@"; build_cmd=$2; shift 2 ;;
    --lib) need "$@"; lib_rel=$2; shift 2 ;;
    -r|--repetitions) need "$@"; reps=$2; shift 2 ;;
    --threshold) need "$@"; compare_opts+=(--threshold "$2"); shift 2 ;;
    --alpha) need "$@"; compare_opts+=(--alpha "$2"); shift 2 ;;
    --min-bytes-change) need "$@"; compare_opts+=(--min-bytes-change "$2"); shift 2 ;;
    --also) need "$@"; also+=(-a "$2"); shift 2 ;;
    --run-option=*) run_opts+=("${1#--run-option=}"); shift ;;
    --run-option) need "$@"; run_opts+=("$2"); shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --heapreplay) need "$@"; heapreplay=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; traces+=("$@"); break ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) traces+=("$1"); shift ;;
  esac
done

if [ -n "$repo" ]; then
  [ -z "$base_lib$new_lib" ] || die "give either --base-lib/--new-lib or --repo/--base/--new, not both"
  if [ -z "$base_rev" ] || [ -z "$new_rev" ] || [ -z "$build_cmd" ] || [ -z "$lib_rel" ]; then
    die "--repo needs --base REV, --new REV, --build COMMAND and --lib PATH"
  fi
  git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo is not a git repository"
else
  if [ -z "$base_lib" ] || [ -z "$new_lib" ]; then
    die "give --base-lib and --new-lib, or --repo with --base/--new/--build/--lib"
  fi
  [ -f "$base_lib" ] || die "$base_lib: no such library"
  [ -f "$new_lib" ] || die "$new_lib: no such library"
fi
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--repetitions needs a positive number, not '$reps'"
for t in ${traces[@]+"${traces[@]}"}; do [ -e "$t" ] || die "$t: no such trace"; done

if [ -z "$heapreplay" ]; then
  if [ -x "$here/../build/bin/heapreplay" ]; then heapreplay="$here/../build/bin/heapreplay"
  else heapreplay=$(command -v heapreplay) || die "heapreplay not found: build it (tools/setup.sh build) or give --heapreplay"
  fi
fi
[ -x "$heapreplay" ] || die "$heapreplay is not an executable"

mkdir -p "$out/base" "$out/new"
out=$(cd "$out" && pwd)

# Build each revision in its own worktree, removed again on exit.
worktrees=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  for w in ${worktrees[@]+"${worktrees[@]}"}; do git -C "$repo" worktree remove --force "$w" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
build_revision() {  # build_revision NAME REV: sets $built to the library's path
  local name=$1 rev=$2 dir="$out/src-$1"
  rm -rf "$dir"
  git -C "$repo" worktree prune
  git -C "$repo" worktree add --detach --force "$dir" "$rev" >&2 || die "cannot check out $rev of $repo"
  worktrees+=("$dir")
  echo "ci-compare: building $name ($rev): $build_cmd" >&2
  (cd "$dir" && bash -c "$build_cmd") >&2 || die "the build of $name ($rev) failed"
  [ -f "$dir/$lib_rel" ] || die "the build of $name ($rev) left no $lib_rel"
  built="$dir/$lib_rel"
}
if [ -n "$repo" ]; then
  repo=$(cd "$repo" && pwd)
  build_revision base "$base_rev"
  base_src=$built
  build_revision new "$new_rev"
  new_src=$built
else
  base_src=$base_lib new_src=$new_lib
fi
# Copies under fixed names: the report names each library by its path.
base_so="$out/base/$(basename "$base_src")"
new_so="$out/new/$(basename "$new_src")"
cp -f "$base_src" "$base_so"
cp -f "$new_src" "$new_so"
base_spec="preload:$base_so" new_spec="preload:$new_so"

# One session, both libraries interleaved (A B A B ...).
if [ ${#traces[@]} -gt 0 ]; then
  cmd=("$heapreplay" replay)
else
  cmd=("$heapreplay" bench)
fi
cmd+=(-a "$base_spec" -a "$new_spec" ${also[@]+"${also[@]}"} -r "$reps" -o "$out/report.json"
      ${run_opts[@]+"${run_opts[@]}"} ${traces[@]+"${traces[@]}"})
echo "ci-compare: ${cmd[*]}" >&2
status=0
"${cmd[@]}" >"$out/run.txt" || status=$?
cat "$out/run.txt"
# 1 means some run failed: compare reports and gates that. Worse is fatal.
[ "$status" -le 1 ] || exit "$status"

status=0
"$heapreplay" compare "$out/report.json" "$out/report.json" --match "$base_spec=$new_spec" \
  ${compare_opts[@]+"${compare_opts[@]}"} --markdown "$out/compare.md" --json "$out/compare.json" \
  >"$out/compare.txt" || status=$?
cat "$out/compare.txt"
[ "$status" -le 1 ] || exit "$status"

"$heapreplay" report "$out/report.json" --markdown "$out/summary.md"
if ! "$heapreplay" report "$out/report.json" --html "$out/report.html" 2>"$out/html.err"; then
  echo "ci-compare: no HTML report: $(cat "$out/html.err")" >&2
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  { cat "$out/compare.md"; echo; cat "$out/summary.md"; } >>"$GITHUB_STEP_SUMMARY"
fi
echo "ci-compare: results in $out (compare.md, summary.md, report.html, report.json)" >&2
exit "$status"
