#!/usr/bin/env python3
"""Runs the examples of a markdown document and checks the shape of their output,
so that the README and docs/ cannot drift from what the program prints (as
Rust's doc tests and Python's doctest keep documentation true).

    check_examples.py --build BUILD [--source SRC] [--shared DIR] DOC.md...
    check_examples.py --expect-mismatch DOC.md...   (every example must fail)

An example is a fenced block whose info string is `console`. In it, a line
that starts with `$ ` is a command; the lines after it, up to the next command
or the fence, are its expected output (stdout and stderr together, in the
order written). A command goes on over the next lines while it ends with a
backslash or holds an unclosed quote. Blocks of any other kind (`sh`, none)
are shown to the reader and never run.

The commands of one document run in order, each with bash, in a scratch folder
laid out like a clone: `build` is the build folder under test, every other
top-level entry of the source tree is linked in, and `../shared` is the real
shared folder when there is one. Files an example writes stay there for the
examples after it, and `$?` is the status of the command before.

Output is compared line by line and word by word after normalising what
varies from run to run or machine to machine:
  - every number (with its sign, decimals and thousands commas) becomes `#`,
    and a number with a unit of size or time (`4.0 KiB`, `1.3 MiB`, `37 ns`)
    becomes `#size` or `#time`, since the unit moves with the magnitude;
  - hexadecimal numbers (`0x7fad4a48a001`) become `0x#`;
  - an absolute path to the build folder (`/home/me/heapreplay/build/bin/x`)
    becomes `/.../build/bin/x`;
  - a compare verdict at the end of a line that noise can flip (`improved`,
    `not significant`, `REGRESSED`, `same`) becomes `<verdict>`, and
    `1 regression:` / `2 regressions:` read the same.
The output of `echo $?` (an exit status) is compared exactly. Words that do
not vary (names, columns, messages, file names, hashes) must match exactly,
and so must the number of lines and of words in each line. Spacing
between words is free: columns widen with their values. In the expected
output, a line `...` stands for any number of lines, and a line ending in
`...` needs only its words before the `...` to start the actual line.

A block whose commands name `../shared/` is skipped, saying so, when the shared
folder is absent; so is a later block that uses a file a skipped block writes.
Exit status: 0 all examples matched (or were skipped with a reason), 1 some
example did not match, 77 every example was skipped, 2 bad usage.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

COMMAND_TIMEOUT_S = 180

SIZE_UNITS = r"(?:B|bytes|KiB|MiB|GiB|TiB|kB|MB|GB)"
TIME_UNITS = r"(?:ns|us|µs|ms|s)"
NUMBER = r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?![\w])"
VERDICT_AT_END = re.compile(r"(?:improved|not significant|REGRESSED|same)$")


def normalise(line):
    """The words of one output line, with what varies replaced."""
    s = line.rstrip()
    s = re.sub(r"(?:/[^\s/]+)+/build/", "/.../build/", s)
    s = re.sub(r"\b0x[0-9a-fA-F]+\b", "0x#", s)
    s = re.sub(NUMBER + r"\s?" + SIZE_UNITS + r"\b", "#size", s)
    s = re.sub(NUMBER + r"\s?" + TIME_UNITS + r"\b", "#time", s)
    s = re.sub(NUMBER, "#", s)
    s = VERDICT_AT_END.sub("<verdict>", s)
    s = re.sub(r"\bregressions?:", "regression(s):", s)
    return s.split()


def line_matches(expected, actual):
    want = normalise(expected)
    got = normalise(actual)
    if want and want[-1] == "...":
        return got[: len(want) - 1] == want[:-1]
    return want == got


def lines_match(expected, actual):
    """Matches with `...` lines standing for any run of lines (backtracking)."""
    memo = {}

    def go(i, j):
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(expected):
            r = j == len(actual)
        elif expected[i].strip() == "...":
            r = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and line_matches(expected[i], actual[j]) and go(i + 1, j + 1)
        memo[key] = r
        return r

    return go(0, 0)


class Example:
    def __init__(self, doc, line):
        self.doc = doc
        self.line = line  # of the opening fence, 1-based
        self.steps = []  # [command, [expected lines], line of the command]


def parse_examples(path):
    examples = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(```+|~~~+)\s*(\S*)", lines[i])
        if not fence:
            i += 1
            continue
        marker, info = fence.group(2), fence.group(3)
        body = []
        start = i + 1
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(marker):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if info != "console":
            continue
        ex = Example(path, start)
        k = 0
        while k < len(body):
            text = body[k]
            if text.startswith("$ "):
                cmd = text[2:]
                cmd_line = start + k + 1
                while cmd.endswith("\\") or not complete(cmd):
                    k += 1
                    if k >= len(body):
                        raise SystemExit(f"{path}:{cmd_line}: the command does not end before the fence")
                    cmd += "\n" + body[k]
                ex.steps.append([cmd, [], cmd_line])
            elif ex.steps:
                ex.steps[-1][1].append(text)
            elif text.strip():
                raise SystemExit(f"{path}:{start + k + 1}: output before the first command of a console block")
            k += 1
        for step in ex.steps:
            while step[1] and not step[1][-1].strip():
                step[1].pop()
        if ex.steps:
            examples.append(ex)
    return examples


def complete(cmd):
    try:
        shlex.split(cmd, comments=False)
        return True
    except ValueError:
        return False


def written_files(cmd):
    """Paths a command writes (-o X, --output X, > X), for skipping what depends on them."""
    try:
        words = shlex.split(cmd.replace("\\\n", " "))
    except ValueError:
        return set()
    out = set()
    for a, b in zip(words, words[1:]):
        if a in ("-o", "--output", ">", "--markdown", "--html", "--json"):
            out.add(b)
    for w in words:
        m = re.match(r"^>(\S+)$", w)
        if m:
            out.add(m.group(1))
    return out


def make_clone(scratch, source, build, shared):
    clone = os.path.join(scratch, "clone")
    os.mkdir(clone)
    for name in os.listdir(source):
        if name.startswith(".") or name == "build" or name.startswith("build-"):
            continue
        os.symlink(os.path.join(source, name), os.path.join(clone, name))
    os.symlink(os.path.abspath(build), os.path.join(clone, "build"))
    if shared and os.path.isdir(shared):
        os.symlink(os.path.abspath(shared), os.path.join(scratch, "shared"))
    return clone


def run_doc(doc, examples, clone, have_shared, expect_mismatch):
    """Returns (matched, mismatched, skipped)."""
    env = dict(os.environ)
    env.pop("TMPDIR", None)
    env["LC_ALL"] = "C.UTF-8"
    env["COLUMNS"] = "80"
    matched = mismatched = skipped = 0
    tainted = set()
    status = 0
    for ex in examples:
        commands = [s[0] for s in ex.steps]
        needs_shared = any("../shared/" in c for c in commands)
        uses_tainted = sorted(t for t in tainted if any(re.search(r"(?<![\w./-])" + re.escape(t) + r"(?![\w-])", c)
                                                        for c in commands))
        reason = None
        if needs_shared and not have_shared:
            reason = "needs ../shared/data, which is absent"
        elif uses_tainted:
            reason = "needs " + ", ".join(uses_tainted) + ", made by a skipped example"
        if reason:
            print(f"{doc}:{ex.line}: skipped: {reason}")
            skipped += 1
            for c in commands:
                tainted |= written_files(c)
            continue
        failure = None
        for cmd, expected, cmd_line in ex.steps:
            try:
                p = subprocess.run(["bash", "-c", f"(exit {status}); {cmd}"], cwd=clone, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=COMMAND_TIMEOUT_S)
                out = p.stdout.decode("utf-8", "replace")
                status = p.returncode
            except subprocess.TimeoutExpired:
                failure = (cmd_line, cmd, expected, [f"(timed out after {COMMAND_TIMEOUT_S} s)"])
                break
            actual = out.split("\n")
            while actual and not actual[-1].strip():
                actual.pop()
            if cmd.strip() == "echo $?":
                # An exit status is not a measurement: it must be the one written.
                ok = [e.strip() for e in expected] == [a.strip() for a in actual]
            else:
                ok = lines_match(expected, actual)
            if not ok:
                failure = (cmd_line, cmd, expected, actual)
                break
        if failure is None:
            matched += 1
            print(f"{doc}:{ex.line}: ok" + (" (but a mismatch was expected)" if expect_mismatch else ""))
            continue
        mismatched += 1
        cmd_line, cmd, expected, actual = failure
        print(f"{doc}:{cmd_line}: output differs" + (" (as expected)" if expect_mismatch else "") + f": $ {cmd}")
        if not expect_mismatch:
            print("  expected (as written, then normalised):")
            for e in expected:
                print("    | " + e)
            print("  got:")
            for a in actual:
                print("    | " + a)
            print("  first difference, normalised:")
            show_first_difference(expected, actual)
    return matched, mismatched, skipped


def show_first_difference(expected, actual):
    for n in range(max(len(expected), len(actual))):
        e = expected[n] if n < len(expected) else None
        a = actual[n] if n < len(actual) else None
        if e is not None and e.strip() == "...":
            print("    (a '...' line: see the whole output above)")
            return
        if e is None or a is None or not line_matches(e, a):
            print(f"    line {n + 1}: expected {normalise(e) if e is not None else '(no line)'}")
            print(f"    line {n + 1}: got      {normalise(a) if a is not None else '(no line)'}")
            return


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", help="the build folder under test (holds bin/heapreplay)")
    ap.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    help="the source tree (default: the one holding this script)")
    ap.add_argument("--shared", help="the shared folder (default: SOURCE/../shared)")
    ap.add_argument("--expect-mismatch", action="store_true",
                    help="every example must fail to match (the checker's own test)")
    ap.add_argument("docs", nargs="+")
    args = ap.parse_args()
    source = os.path.abspath(args.source)
    shared = args.shared or os.path.join(os.path.dirname(source), "shared")
    build = args.build or os.path.join(source, "build")
    have_shared = os.path.isdir(os.path.join(shared, "data"))

    totals = [0, 0, 0]
    for doc in args.docs:
        examples = parse_examples(doc)
        if not examples:
            print(f"{doc}: no console examples", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="hr-doc-examples-") as scratch:
            clone = make_clone(scratch, source, build, shared if have_shared else None)
            m, x, s = run_doc(os.path.relpath(doc, source) if doc.startswith(source) else doc, examples, clone,
                              have_shared, args.expect_mismatch)
        totals = [totals[0] + m, totals[1] + x, totals[2] + s]
    matched, mismatched, skipped = totals
    print(f"{matched} example(s) matched, {mismatched} did not, {skipped} skipped")
    if args.expect_mismatch:
        return 0 if matched == 0 and skipped == 0 else 1
    if mismatched:
        return 1
    if matched == 0 and skipped:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
