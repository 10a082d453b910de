#!/usr/bin/env bash
# Real programs under our drop-in mallocs (dropin/, docs/dropin.md):
#
#   programs.sh setup DIR SRC BIN            make the inputs in DIR and run every program under
#                                            glibc: the expected exit status, stdout, stderr (and .o)
#   programs.sh check DIR SRC BIN LIB        run every program with LIB preloaded; exit 1 if one
#                                            differs from glibc's run in any of them
#   programs.sh time DIR SRC BIN RUNS LIB... wall and CPU (user + sys) time of every program under
#                                            glibc and each LIB, RUNS interleaved rounds, as
#                                            markdown tables of medians
#
# SRC is the repository, BIN its build folder (g++ compiles a source file of
# ours with the build's include folders). The programs: python3 building a
# dict of 200k entries (with pymalloc, and with PYTHONMALLOC=malloc), perl
# hash inserts, a sort and deletes, sqlite3 with 100k inserts, an index and
# queries, GNU sort of a 20 MB file (--parallel=2 -S 50M), and `g++ -c` of
# allocators/core/options.cpp (its .o must be the same bytes). A program
# that is not installed is skipped with a message; `check` exits 77 (ctest's
# skip) when none is.
set -uo pipefail

mode=${1:-}
dir=${2:-}
src=${3:-}
bin=${4:-}
case "$mode" in setup | check | time) ;; *)
  echo "usage: $0 setup|check|time DIR SRC BIN [RUNS] [LIB...]" >&2
  exit 2
  ;;
esac
if [ -z "$dir" ] || [ ! -d "$src" ] || [ ! -d "$bin" ]; then
  echo "$0: DIR, SRC and BIN are needed (SRC and BIN must exist)" >&2
  exit 2
fi

# Debian's own python3, not a version manager's shim (which would run a shell
# script, under the library too, before the interpreter).
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
export LC_ALL=C

programs=(python python_malloc perl sqlite3 sort gxx)

# The command of a program, as words; empty when its tool is missing.
command_of() {
  case "$1" in
  python) [ -n "$python" ] && echo "$python $dir/dict.py" ;;
  python_malloc) [ -n "$python" ] && echo "env PYTHONMALLOC=malloc $python $dir/dict.py" ;;
  perl) command -v perl >/dev/null && echo "perl $dir/hash.pl" ;;
  sqlite3) command -v sqlite3 >/dev/null && echo "sqlite3 -batch :memory:" ;;
  sort) command -v sort >/dev/null && echo "sort --parallel=2 -S 50M $dir/sort.in" ;;
  gxx) command -v g++ >/dev/null &&
    echo "g++ -std=c++20 -O2 -I$bin/include/allocators -I$bin/include/core -c $src/allocators/core/options.cpp -o $dir/OUT.o" ;;
  esac
}

# What a program reads on stdin.
stdin_of() {
  if [ "$1" = sqlite3 ]; then echo "$dir/inserts.sql"; else echo /dev/null; fi
}

# Runs program $1 with preload $2 (or none), its results under $dir/$3.
run_one() {
  local name=$1 lib=$2 tag=$3 cmd
  cmd=$(command_of "$name")
  cmd=${cmd//OUT/$tag.$name}
  local out=$dir/$tag.$name in
  in=$(stdin_of "$name")
  if [ -n "$lib" ]; then
    timeout 300 env LD_PRELOAD="$lib" $cmd >"$out.stdout" 2>"$out.stderr" <"$in"
  else
    timeout 300 $cmd >"$out.stdout" 2>"$out.stderr" <"$in"
  fi
  echo $? >"$out.status"
  if [ "$name" = sort ]; then  # keep a checksum, not 20 MB
    cksum <"$out.stdout" >"$out.sum" && mv "$out.sum" "$out.stdout"
  fi
}

make_inputs() {
  mkdir -p "$dir"
  cat >"$dir/dict.py" <<'EOF'
d = {}
for i in range(200000):
    d["key%d" % i] = [i, str(i * 7), (i, i + 1)]
s = 0
for k, v in d.items():
    s = (s * 31 + len(k) + v[0] + len(v[1])) % 1000000007
for i in range(0, 200000, 2):
    del d["key%d" % i]
print(len(d), s, sum(v[0] for v in d.values()))
EOF
  cat >"$dir/hash.pl" <<'EOF'
my %h;
my $x = 1;
for my $i (1 .. 100000) {
  $x = ($x * 1103515245 + 12345) % 2147483648;
  $h{"k$x"} = ("v" x ($i % 50)) . $i;
}
my @keys = sort keys %h;
my $sum = 0;
$sum = ($sum * 33 + length($h{$_})) % 1000000007 for @keys;
for my $i (0 .. $#keys) { delete $h{$keys[$i]} if $i % 3 == 0; }
my $left = 0;
$left += length($h{$_}) for keys %h;
print scalar(@keys), " ", scalar(keys %h), " $sum $left\n";
EOF
  perl -e '
    print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL);\nBEGIN;\n";
    my $x = 7;
    for my $i (1 .. 100000) {
      $x = ($x * 1103515245 + 12345) % 2147483648;
      printf "INSERT INTO t VALUES(%d, %s, %d, %.3f);\n", $i, "\x27name-" . ($x % 100000) . "\x27", $x % 97, ($x % 10000) / 7;
    }
    print "COMMIT;\nCREATE INDEX t_grp ON t(grp, name);\n";
    print "SELECT grp, count(*), sum(length(name)), printf(\x27%.2f\x27, sum(val)) FROM t GROUP BY grp ORDER BY grp;\n";
    print "SELECT count(*), min(name), max(name) FROM t WHERE grp = 17 AND name >= \x27name-5\x27;\n";
    print "SELECT name, count(*) AS c FROM t GROUP BY name ORDER BY c DESC, name LIMIT 10;\n";
  ' >"$dir/inserts.sql"
  # 20 MB of lines in no order (a linear congruential sequence).
  perl -e '
    my $x = 12345; my $bytes = 0;
    while ($bytes < 20 * 1024 * 1024) {
      $x = ($x * 6364136223846793005 + 1442695040888963407) % 18446744073709551616;
      my $line = sprintf("%u %s %u\n", $x % 1000003, "w" . ($x % 7919), $x % 65521);
      print $line; $bytes += length($line);
    }
  ' >"$dir/sort.in"
}

available() { [ -n "$(command_of "$1")" ]; }

case "$mode" in
setup)
  make_inputs || exit 1
  for p in "${programs[@]}"; do
    if ! available "$p"; then
      echo "programs: $p is not installed: skipped"
      continue
    fi
    run_one "$p" "" glibc
    if [ "$(cat "$dir/glibc.$p.status")" != 0 ]; then
      echo "programs: $p fails under glibc (status $(cat "$dir/glibc.$p.status")): $(tail -n 1 "$dir/glibc.$p.stderr")" >&2
      exit 1
    fi
    echo "programs: $p under glibc: exit 0, $(wc -c <"$dir/glibc.$p.stdout") bytes of stdout"
  done
  ;;
check)
  lib=${5:-}
  if [ ! -f "$lib" ]; then
    echo "$0: no library '$lib'" >&2
    exit 2
  fi
  tag=$(basename "$lib" .so)
  ran=0 bad=0
  for p in "${programs[@]}"; do
    if ! available "$p" || [ ! -f "$dir/glibc.$p.status" ]; then
      echo "programs: $p is not installed (or has no glibc run): skipped"
      continue
    fi
    ran=$((ran + 1))
    run_one "$p" "$lib" "$tag"
    what=()
    cmp -s "$dir/glibc.$p.status" "$dir/$tag.$p.status" || what+=("exit status $(cat "$dir/$tag.$p.status")")
    cmp -s "$dir/glibc.$p.stdout" "$dir/$tag.$p.stdout" || what+=(stdout)
    cmp -s "$dir/glibc.$p.stderr" "$dir/$tag.$p.stderr" || what+=("stderr ($(tail -n 1 "$dir/$tag.$p.stderr"))")
    if [ "$p" = gxx ]; then
      cmp -s "$dir/glibc.gxx.o" "$dir/$tag.gxx.o" || what+=(".o bytes")
    fi
    if [ ${#what[@]} -eq 0 ]; then
      echo "programs: $p under $tag: same as glibc"
    else
      echo "programs: $p under $tag differs from glibc: ${what[*]}" >&2
      bad=$((bad + 1))
    fi
  done
  [ $ran -eq 0 ] && exit 77
  [ $bad -eq 0 ] || exit 1
  ;;
time)
  runs=${5:-3}
  shift 5
  libs=("" "$@")
  [ -f "$dir/sort.in" ] || make_inputs || exit 1
  declare -A wall cpu
  TIMEFORMAT='%R %U %S'
  for ((r = 1; r <= runs; r++)); do
    for p in "${programs[@]}"; do
      available "$p" || continue
      for lib in "${libs[@]}"; do
        tag=glibc
        [ -n "$lib" ] && tag=$(basename "$lib" .so)
        # bash's time: wall, and user + sys of the program and its children.
        t=$({ time run_one "$p" "$lib" "time.$tag"; } 2>&1)
        [ "$(cat "$dir/time.$tag.$p.status")" = 0 ] || echo "programs: $p under $tag: status $(cat "$dir/time.$tag.$p.status")" >&2
        read -r w u s <<<"$t"
        wall[$p,$tag]="${wall[$p,$tag]:-} $w"
        cpu[$p,$tag]="${cpu[$p,$tag]:-} $(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.3f", u + s}')"
      done
    done
  done
  median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  # One table per measure: the median of the runs, and its ratio to glibc's.
  for measure in wall cpu; do
    echo
    header="| $measure time, median of $runs | glibc |"
    rule="|---|---|"
    for lib in "${libs[@]:1}"; do
      header+=" $(basename "$lib" .so | sed 's/^libhr_malloc_//') |"
      rule+="---|"
    done
    echo "$header"
    echo "$rule"
    for p in "${programs[@]}"; do
      available "$p" || continue
      row="| $p |"
      base=""
      for lib in "${libs[@]}"; do
        tag=glibc
        [ -n "$lib" ] && tag=$(basename "$lib" .so)
        if [ $measure = wall ]; then m=$(median "${wall[$p,$tag]}"); else m=$(median "${cpu[$p,$tag]}"); fi
        if [ -z "$base" ]; then
          base=$m
          row+=" $(awk -v m="$m" 'BEGIN {printf "%.2f s", m}') |"
        else
          row+=" $(awk -v m="$m" -v b="$base" 'BEGIN {printf "%.2f s (%.2fx)", m, m / b}') |"
        fi
      done
      echo "$row"
    done
  done
  ;;
esac
