#!/usr/bin/env bash
# Records a glibc mtrace() log of any program, without changing it.
#
#   tools/record-mtrace.sh OUT.mtrace -- PROGRAM [ARGS...]
#   tools/record-mtrace.sh --perl-workload OUT.mtrace
#
# With glibc >= 2.34, MALLOC_TRACE alone no longer works: the program must
# call mtrace() and libc_malloc_debug.so must be preloaded. This script builds
# a tiny library whose constructor calls mtrace() and preloads both.
#
# --perl-workload records the fixed perl script the README's speed figures
# use (about 1.5 million malloc/free/realloc events from a real interpreter).
set -euo pipefail

usage() { echo "usage: $0 OUT.mtrace -- PROGRAM [ARGS...] | $0 --perl-workload OUT.mtrace" >&2; exit 2; }

debug_lib=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu; do
  if [ -e "$d/libc_malloc_debug.so.0" ]; then debug_lib="$d/libc_malloc_debug.so.0"; break; fi
done
[ -n "$debug_lib" ] || { echo "$0: libc_malloc_debug.so.0 not found (glibc >= 2.34 needed)" >&2; exit 1; }

if [ "${1:-}" = "--perl-workload" ]; then
  [ $# -eq 2 ] || usage
  out=$2
  set -- perl -e 'my %h; for my $i (1..180000) { $h{"k$i"} = [$i, "v" x ($i % 50)]; }
                  for my $i (1..180000) { delete $h{"k$i"} if $i % 3; }
                  my @a = map { "x" x ($_ % 200) } 1..130000; print scalar(keys %h), "\n";'
else
  [ $# -ge 3 ] && [ "$2" = "--" ] || usage
  out=$1
  shift 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/start_mtrace.c" <<'C'
#include <mcheck.h>
__attribute__((constructor)) static void start_mtrace(void) { mtrace(); }
C
cc -shared -fPIC -O2 -o "$work/libstart_mtrace.so" "$work/start_mtrace.c"
rm -f "$out"
MALLOC_TRACE="$out" LD_PRELOAD="$debug_lib $work/libstart_mtrace.so" "$@" > /dev/null
[ -s "$out" ] || { echo "$0: nothing was recorded in $out" >&2; exit 1; }
echo "recorded $(wc -l < "$out") lines into $out" >&2
