#!/usr/bin/env bash
# Sets up a Debian 12 machine for heapreplay and runs it:
#
#   tools/setup.sh bench   install what is missing, build heapreplay (only what `heapreplay bench`
#                          runs: the binary, which is also every run's child process; the system
#                          allocators it preloads come from the Debian packages), run `heapreplay bench`
#   tools/setup.sh test    install what is missing, check the sources' formatting (clang-format),
#                          build everything, run every test (ctest),
#                          then build our own code with ASan+UBSan and test it again,
#                          then build the libFuzzer targets (Clang) and run each briefly
#   tools/setup.sh build   install what is missing and build everything (tests and benchmarks included)
#
# Installing uses apt-get (as root, or through sudo) and does nothing when every
# package is already there. Builds go to build/ (Release), build-asan/ and build-fuzz/.
set -euo pipefail

mode=${1:-bench}
case "$mode" in bench|test|build) ;; *) echo "usage: $0 [bench|test|build]" >&2; exit 2;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

packages=(
  build-essential cmake ninja-build pkg-config git
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
  nlohmann-json3-dev libboost-program-options-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  libedit-dev valgrind
  # The compact .hrt encoding compresses its chunks with zstd; docs compare it
  # with the zstd and xz command-line tools. Compressed text traces (heaptrack's
  # .zst and .gz recordings) are read with libzstd and zlib.
  libzstd-dev zstd xz-utils zlib1g-dev
  # The importers' recording tests record a program with heaptrack (and valgrind).
  heaptrack
  # Reports: Google Benchmark's compare.py (and the SciPy it imports) reads our
  # gbench export; Chart.js is bundled into HTML reports; headless Chromium
  # lets the HTML test draw the page and check its screenshot.
  libbenchmark-tools python3-scipy libjs-chart.js chromium
  # The fuzz targets (tests/fuzz): Clang and its libFuzzer runtime
  # (libclang_rt.fuzzer*.a is in libclang-rt-14-dev).
  clang libclang-rt-14-dev
  # `test` checks that the tree is formatted as .clang-format says.
  clang-format
  # docs/performance.md times `heapreplay run` against hyperfine on the same command.
  hyperfine
  # The suite of real programs (harness/programs, `heapreplay corpus`); the
  # drop-in mallocs' tests (tests/dropin/programs.sh) and tools/fit-quality.sh
  # run some of them too.
  python3 perl sqlite3 lua5.4 z3 ghostscript g++ git
  # heapreplay plan --slurm's test starts a real single-node Slurm cluster.
  slurm-wlm munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build() {  # build DIR [cmake options...] [-- build targets...]
  local dir=$1 targets=()
  shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift && targets=(--target "$@")
  cmake -S . -B "$dir" -G Ninja -DHEAPREPLAY_WERROR=ON "${opts[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

case "$mode" in
  build)
    build build
    ;;
  bench)
    # The tests and the Google Benchmark targets are most of a clean build:
    # `test` and `build` build them, `bench` does not need them.
    build build -- heapreplay
    build/bin/heapreplay bench -o build/bench-report.json
    ;;
  test)
    # Every C and C++ source formatted as .clang-format says (clang-format -i fixes it).
    files=$(git ls-files '*.cpp' '*.h' '*.c' 2>/dev/null ||
            find allocators harness traces reports tools tests recorder \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \))
    # shellcheck disable=SC2086  # one word per file; no path in the tree holds a space
    if ! out=$(clang-format --dry-run -Werror $files 2>&1); then
      printf '%s\n' "$out" | head -20 >&2
      echo "setup: sources are not formatted as .clang-format says; fix with: clang-format -i \$(git ls-files '*.cpp' '*.h' '*.c')" >&2
      exit 1
    fi
    build build
    (cd build && ctest --output-on-failure -j "$jobs")
    # Our own code again under AddressSanitizer + UBSan. System allocators run
    # preloaded in their own processes and are left out of this build (label "system").
    build build-asan -DHEAPREPLAY_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEAPREPLAY_BENCHMARKS=OFF
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
       ctest --output-on-failure -j "$jobs" -LE system)
    # Every fuzz target (tests/fuzz) for a few seconds on its seeds: Clang with
    # libFuzzer, ASan and UBSan; only the libraries the targets link are built.
    CC=clang CXX=clang++ build build-fuzz -DHEAPREPLAY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHEAPREPLAY_TESTS=OFF -DHEAPREPLAY_BENCHMARKS=OFF -- hr_fuzzers
    (cd build-fuzz && ctest --output-on-failure -j "$jobs" -L fuzz)
    ;;
esac
