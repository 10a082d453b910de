// get-trace raw recording reader: one call per line, '#' comments.
#include "traces/readers/raw_reader.h"

#include <optional>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// "0x804afe0/6854", "0x804afe0" or "0" (NULL, written without a pid).
scan::Num parse_pointer(std::string_view tok, std::uint64_t& out) {
  std::size_t slash = tok.find('/');
  if (slash != std::string_view::npos) {
    std::uint64_t pid = 0;
    scan::Num st = scan::parse_u64(tok.substr(slash + 1), pid);
    if (st != scan::Num::kOk) return st;
    tok = tok.substr(0, slash);
  }
  if (tok == "0") {
    out = 0;
    return scan::Num::kOk;
  }
  if (!(tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))) return scan::Num::kNotNumber;
  return scan::parse_hex(tok, out);
}

// get-trace pointers as the sniffer accepts them: "0" (NULL) or "0x<hex>",
// optionally "/<pid>".
bool is_raw_pointer(std::string_view s) {
  std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (!scan::all_digits(s.substr(slash + 1), false)) return false;
    s = s.substr(0, slash);
  }
  if (s == "0") return true;
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && scan::all_digits(s.substr(2), true);
}

}  // namespace

bool sniff_raw(const SniffHead& head) {
  // Nothing but comments yet: a raw trace's long header.
  if (head.line.empty()) return head.comments;
  scan::Fields f(head.line);
  std::string_view op = f.next();
  if (op != "m" && op != "c" && op != "r" && op != "f") return false;
  return is_raw_pointer(f.next());
}

Trace read_raw(std::string_view text, const std::string& path) {
  TraceBuilder b("raw", ReusePolicy::kFreeOld);
  scan::LineScanner lines(text);
  std::string_view line;
  while (lines.next(line)) {
    scan::Fields f(line);
    std::string_view op = f.next();
    if (op.empty() || op[0] == '#') continue;
    const std::uint64_t ln = lines.line_number();
    if (op.size() != 1 || std::string_view("mcrf").find(op[0]) == std::string_view::npos)
      throw TraceError(path, ln, "unknown op " + scan::quote(op) + " (expected m, c, r or f)");

    // Operands by op: m p u | c p u1 u2 | r p1 p2 u | f p.
    const char kind = op[0];
    const int pointers = kind == 'r' ? 2 : 1;
    const int numbers = kind == 'c' ? 2 : kind == 'f' ? 0 : 1;
    std::uint64_t p[2] = {};
    std::uint64_t u[2] = {};
    for (int i = 0; i < pointers; ++i) {
      std::string_view tok = f.next();
      scan::Num st = parse_pointer(tok, p[i]);
      if (st != scan::Num::kOk) throw TraceError(path, ln, scan::bad_number("a pointer like 0x804afe0/6854", tok, st));
    }
    for (int i = 0; i < numbers; ++i) {
      std::string_view tok = f.next();
      scan::Num st = scan::parse_u64(tok, u[i]);
      if (st != scan::Num::kOk) throw TraceError(path, ln, scan::bad_number("a size", tok, st));
    }
    if (!f.at_end()) throw TraceError(path, ln, "unexpected " + scan::quote(f.next()) + " at the end of the line");

    switch (kind) {
      case 'm':
        if (p[0] == 0)
          ++b.import_stats().failed_in_source;
        else
          b.malloc(p[0], u[0]);
        break;
      case 'c':
        if (p[0] == 0)
          ++b.import_stats().failed_in_source;
        else
          b.calloc(p[0], u[0], u[1]);
        break;
      case 'r': {
        // p1 = realloc(p2, u)
        std::optional<std::uint64_t> old = p[1] == 0 ? std::nullopt : std::optional<std::uint64_t>(p[1]);
        if (p[0] == 0 && u[0] != 0)
          ++b.import_stats().failed_in_source;  // the old block stays as it was
        else
          b.realloc(old, p[0], u[0]);  // size 0 frees the old block
        break;
      }
      case 'f':
        if (p[0] == 0)
          b.free_null();
        else
          b.free(p[0]);
        break;
    }
  }
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
