// valgrind --trace-malloc=yes log reader. valgrind prints each call in two
// pieces, "--PID-- name(args)" before the call and " = result" after it,
// and a call made inside another prints in between: realloc(NULL, n) shows
// as "realloc(0x0,n)malloc(n) = P", realloc(p, 0) as "realloc(p,0)free(p)"
// with " = 0" on a line of its own, and a calloc that fails its overflow
// check prints no result at all. So a line is read as a sequence of calls
// and results, and a call waits (pending) for its result.
#include "traces/readers/valgrind_reader.h"

#include <optional>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

enum class Kind { kMalloc, kCalloc, kRealloc, kMemalign, kNewAligned, kFree, kQuery };

// The malloc-family names valgrind's replacement functions print, C++'s
// operators by their mangled names (64- and 32-bit).
std::optional<Kind> kind_of(std::string_view name) {
  if (name == "malloc" || name == "__builtin_new" || name == "__builtin_vec_new") return Kind::kMalloc;
  if (name == "calloc") return Kind::kCalloc;
  if (name == "realloc") return Kind::kRealloc;
  if (name == "memalign") return Kind::kMemalign;
  if (name == "free" || name == "cfree" || name == "__builtin_delete" || name == "__builtin_vec_delete")
    return Kind::kFree;
  if (name == "malloc_usable_size" || name == "mallinfo") return Kind::kQuery;
  if (name.starts_with("_Zdl") || name.starts_with("_Zda")) return Kind::kFree;
  if (name.starts_with("_Znw") || name.starts_with("_Zna"))
    return name.find("align_val_t") != std::string_view::npos ? Kind::kNewAligned : Kind::kMalloc;
  return std::nullopt;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Where "--PID-- " starts in line (the program's output may come before it
// on the same line), with the pid and what follows the prefix.
std::optional<std::size_t> find_prefix(std::string_view line, std::uint64_t& pid, std::string_view& message) {
  for (std::size_t at = line.find("--"); at != std::string_view::npos; at = line.find("--", at + 1)) {
    std::size_t e = at + 2;
    while (e < line.size() && line[e] >= '0' && line[e] <= '9') ++e;
    if (e == at + 2 || line.substr(e, 2) != "--") continue;
    if (e + 2 < line.size() && line[e + 2] != ' ') continue;
    if (scan::parse_u64(line.substr(at + 2, e - at - 2), pid) != scan::Num::kOk) continue;
    message = e + 2 < line.size() ? line.substr(e + 3) : std::string_view{};
    return at;
  }
  return std::nullopt;
}

// The name at the start of s when a '(' follows it, else empty.
std::string_view call_name(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_name_char(s[i])) ++i;
  return i > 0 && i < s.size() && s[i] == '(' ? s.substr(0, i) : std::string_view{};
}

struct Call {
  Kind kind = Kind::kQuery;
  std::string_view name;
  std::uint64_t ptr = 0, size = 0, count = 0, align = 0;
  std::uint64_t line = 0;
};

// Splits "a, b" at its commas, one argument at a time.
class Args {
 public:
  Args(std::string_view s, const std::string& path, std::uint64_t ln) : rest_(s), path_(path), ln_(ln) {}
  std::string_view next(const char* what) {
    if (done_) throw TraceError(path_, ln_, std::string("expected ") + what);
    const std::size_t comma = rest_.find(',');
    std::string_view a = scan::trim_left(rest_.substr(0, comma));
    while (!a.empty() && scan::is_space(a.back())) a.remove_suffix(1);
    if (comma == std::string_view::npos)
      done_ = true;
    else
      rest_ = rest_.substr(comma + 1);
    return a;
  }
  // "LABEL N" (memalign's "al 64", "size 128") or a bare decimal.
  std::uint64_t dec(const char* what, std::string_view label = {}) {
    std::string_view a = next(what);
    if (!label.empty()) {
      if (!a.starts_with(label) || a.size() == label.size() || !scan::is_space(a[label.size()]))
        throw TraceError(path_, ln_, "expected '" + std::string(label) + " N' (" + what + "), found " + scan::quote(a));
      a = scan::trim_left(a.substr(label.size()));
    }
    std::uint64_t v = 0;
    const scan::Num st = scan::parse_u64(a, v);
    if (st != scan::Num::kOk) throw TraceError(path_, ln_, scan::bad_number(what, a, st));
    return v;
  }
  std::uint64_t pointer(const char* what) {
    std::string_view a = next(what);
    std::uint64_t v = 0;
    const scan::Num st = a.starts_with("0x") ? scan::parse_hex(a, v) : scan::Num::kNotNumber;
    if (st != scan::Num::kOk) throw TraceError(path_, ln_, scan::bad_number(what, a, st));
    return v;
  }
  void expect_end() const {
    if (!done_) throw TraceError(path_, ln_, "unexpected " + scan::quote(rest_) + " after the arguments");
  }

 private:
  std::string_view rest_;
  const std::string& path_;
  std::uint64_t ln_;
  bool done_ = false;
};

Call read_args(Kind kind, std::string_view name, std::string_view args, const std::string& path, std::uint64_t ln) {
  Call c{kind, name};
  c.line = ln;
  Args a(args, path, ln);
  switch (kind) {
    case Kind::kMalloc: c.size = a.dec("a decimal size"); break;
    case Kind::kCalloc:
      c.count = a.dec("a decimal element count");
      c.size = a.dec("a decimal element size");
      break;
    case Kind::kRealloc:
      c.ptr = a.pointer("the old pointer in hex");
      c.size = a.dec("a decimal size");
      break;
    case Kind::kMemalign:
      c.align = a.dec("the alignment", "al");
      c.size = a.dec("the size", "size");
      break;
    case Kind::kNewAligned:
      c.size = a.dec("the size", "size");
      c.align = a.dec("the alignment", "al");
      break;
    case Kind::kFree: c.ptr = a.pointer("a pointer in hex"); break;
    case Kind::kQuery: return c;  // its arguments say nothing the trace needs
  }
  a.expect_end();
  return c;
}

struct State {
  explicit State(const std::string& p) : path(p), b("valgrind", ReusePolicy::kFreeOld) {}
  const std::string& path;
  TraceBuilder b;
  std::optional<std::uint64_t> pid;  // the process whose calls are read
  std::optional<Call> pending;       // a call printed, its result not yet
};

// A pending call that got no result: the call failed before printing one
// (calloc's overflow check), or it was realloc(NULL, n), whose malloc
// printed the result instead.
void abandon(State& s) {
  if (s.pending && !(s.pending->kind == Kind::kRealloc && s.pending->ptr == 0) && s.pending->kind != Kind::kQuery)
    ++s.b.import_stats().failed_in_source;
  s.pending.reset();
}

void apply_realloc(State& s, const Call& c, std::uint64_t result) {
  ImportStats& st = s.b.import_stats();
  if (c.size == 0) {
    // valgrind 3.19 prints the free realloc(p, 0) makes; a log that does not
    // still frees p here.
    if (c.ptr != 0 && s.b.is_live(c.ptr)) s.b.realloc(c.ptr, 0, 0);
    if (result != 0) s.b.malloc(result, 0);
  } else if (result == 0) {
    ++st.failed_in_source;  // the old block stays
  } else {
    std::optional<std::uint64_t> old;
    if (c.ptr != 0) old = c.ptr;
    s.b.realloc(old, result, c.size);
  }
}

void apply_result(State& s, std::uint64_t result) {
  const Call c = *s.pending;
  s.pending.reset();
  ImportStats& st = s.b.import_stats();
  if (c.kind == Kind::kQuery) return;
  if (c.kind == Kind::kRealloc) return apply_realloc(s, c, result);
  if (result == 0) {
    ++st.failed_in_source;
    return;
  }
  switch (c.kind) {
    case Kind::kMalloc: s.b.malloc(result, c.size); break;
    case Kind::kCalloc: s.b.calloc(result, c.count, c.size); break;
    case Kind::kMemalign:
    case Kind::kNewAligned: s.b.aligned(result, c.align, c.size, AlignedKind::kMemalign); break;
    default: break;
  }
}

// " = VALUE": the pending call's result; returns what follows it.
std::string_view read_result(State& s, std::string_view m, std::uint64_t ln) {
  m = scan::trim_left(m.substr(1));
  std::size_t e = 0;
  while (e < m.size() && is_name_char(m[e])) ++e;
  const std::string_view v = m.substr(0, e);
  if (!s.pending) throw TraceError(s.path, ln, "a result " + scan::quote(v) + " with no call before it");
  std::uint64_t value = 0;
  const bool hex = v.starts_with("0x");
  const scan::Num st = hex ? scan::parse_hex(v, value) : scan::parse_u64(v, value);
  if (st != scan::Num::kOk) throw TraceError(s.path, ln, scan::bad_number("a result after ' = '", v, st));
  if (!hex && value != 0 && s.pending->kind != Kind::kQuery)
    throw TraceError(s.path, ln, "expected a pointer in hex after ' = ', found " + scan::quote(v));
  apply_result(s, value);
  return m.substr(e);
}

// The calls and results of one line's message, in order.
void read_message(State& s, std::string_view m, std::uint64_t ln) {
  for (m = scan::trim_left(m); !m.empty(); m = scan::trim_left(m)) {
    if (m[0] == '=') {
      m = read_result(s, m, ln);
      continue;
    }
    const std::string_view name = call_name(m);
    const std::optional<Kind> kind = name.empty() ? std::nullopt : kind_of(name);
    if (!kind) throw TraceError(s.path, ln, "expected a malloc-family call or ' = RESULT', found " + scan::quote(m));
    const std::size_t close = m.find(')', name.size());
    if (close == std::string_view::npos)
      throw TraceError(s.path, ln, "the call " + scan::quote(m) + " has no closing parenthesis");
    const Call c = read_args(*kind, name, m.substr(name.size() + 1, close - name.size() - 1), s.path, ln);
    m = m.substr(close + 1);
    if (c.kind == Kind::kFree) {
      if (c.ptr == 0)
        s.b.free_null();
      else
        s.b.free(c.ptr);
      continue;
    }
    abandon(s);
    s.pending = c;
  }
}

}  // namespace

bool sniff_valgrind(const SniffHead& head) {
  std::string_view line = head.line;
  if (line.starts_with("==")) {
    std::size_t e = 2;
    while (e < line.size() && line[e] >= '0' && line[e] <= '9') ++e;
    return e > 2 && line.substr(e, 2) == "==";
  }
  scan::LineScanner lines(head.from_line);
  for (int n = 0; n < 16 && lines.next(line); ++n) {
    std::uint64_t pid = 0;
    std::string_view m;
    if (!find_prefix(line, pid, m)) continue;
    if (n == 0) return true;
    const std::string_view name = call_name(scan::trim_left(m));
    return !name.empty() && kind_of(name).has_value();
  }
  return false;
}

Trace read_valgrind(std::string_view text, const std::string& path) {
  State s(path);
  s.b.reserve(text.size() / 32);  // "--12345-- malloc(16) = 0x4A5B040"
  scan::LineScanner lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const std::uint64_t ln = lines.line_number();
    std::uint64_t pid = 0;
    std::string_view m;
    if (!find_prefix(line, pid, m)) continue;  // the program's output, or a "==PID==" line
    if (!s.pid) s.pid = pid;
    if (pid != *s.pid) continue;  // another process (a forked child)
    m = scan::trim_left(m);
    if (!m.starts_with('=')) {
      const std::string_view name = call_name(m);
      if (name.empty() || !kind_of(name)) continue;  // another valgrind message (-v)
      abandon(s);                                    // a call left waiting on an earlier line got no result
    }
    read_message(s, m, ln);
  }
  if (s.pending && !text.ends_with('\n'))
    throw TraceError(path, s.pending->line,
                     "the log ends before the result of " + std::string(s.pending->name) + "(...) (a truncated file?)");
  abandon(s);
  if (!s.pid) throw TraceError(path, 0, "no '--PID-- ' line: not a valgrind --trace-malloc=yes log");
  s.b.import_stats().source_lines = lines.line_number();
  return s.b.finish();
}

}  // namespace heapreplay
