// get-trace raw recording reader: one call per line, '#' comments.
#include "traces/readers/raw_reader.h"

#include <optional>
#include <vector>

#include "core/hex.h"
#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// A pointer of the recording: its address and the pid it was written with
// (has_pid false when none: "0" for NULL is written so).
struct Pointer {
  std::uint64_t address = 0;
  std::uint64_t pid = 0;
  bool has_pid = false;
};

// "0x804afe0/6854", "0x804afe0" or "0" (NULL, written without a pid).
scan::Num parse_pointer(std::string_view tok, Pointer& out) {
  out = Pointer{};
  std::size_t slash = tok.find('/');
  if (slash != std::string_view::npos) {
    scan::Num st = scan::parse_u64(tok.substr(slash + 1), out.pid);
    if (st != scan::Num::kOk) return st;
    out.has_pid = true;
    tok = tok.substr(0, slash);
  }
  if (tok == "0") return scan::Num::kOk;
  if (!(tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))) return scan::Num::kNotNumber;
  return scan::parse_hex(tok, out.address);
}

// The recordings of a program that forks hold its children's calls too,
// each pointer tagged with its process (perl's hold pids 6853 to 6855). The
// processes have address spaces of their own, so an address means another
// object in each: the trace's object key is the address with the process's
// number (0, 1, 2, ... in order of first appearance) in the bits above any
// user-space address. A pointer without a pid is of the process the last
// pointer named (of the first, before any is named).
class ProcessKeys {
 public:
  static constexpr int kShift = 48;
  // The key of `p` at line `ln`; throws TraceError when it cannot be kept
  // apart (an address past 2^48, or more than 65,536 processes).
  std::uint64_t key(const Pointer& p, const std::string& path, std::uint64_t ln) {
    if (p.has_pid) last_ = index(p.pid, path, ln);
    if (p.address >> kShift != 0)
      throw TraceError(path, ln, "address " + hex(p.address) + " is past 2^48: processes cannot be kept apart");
    return p.address | (std::uint64_t{last_} << kShift);
  }

 private:
  std::uint32_t index(std::uint64_t pid, const std::string& path, std::uint64_t ln) {
    for (std::size_t i = 0; i < pids_.size(); ++i)
      if (pids_[i] == pid) return static_cast<std::uint32_t>(i);
    if (pids_.size() == 0x10000) throw TraceError(path, ln, "more than 65,536 processes");
    pids_.push_back(pid);
    return static_cast<std::uint32_t>(pids_.size() - 1);
  }
  std::vector<std::uint64_t> pids_;
  std::uint32_t last_ = 0;
};

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
  ProcessKeys keys;
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
    std::uint64_t p[2] = {};  // object keys; 0 is NULL
    std::uint64_t u[2] = {};
    for (int i = 0; i < pointers; ++i) {
      std::string_view tok = f.next();
      Pointer ptr;
      scan::Num st = parse_pointer(tok, ptr);
      if (st != scan::Num::kOk) throw TraceError(path, ln, scan::bad_number("a pointer like 0x804afe0/6854", tok, st));
      p[i] = ptr.address == 0 ? 0 : keys.key(ptr, path, ln);
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
