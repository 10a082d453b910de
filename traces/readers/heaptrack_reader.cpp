// heaptrack reader. Every line is a one-letter kind, then fields in hex:
//   v VERSION [FILE_VERSION]   s LEN STRING     i IP MODULE [FN FILE LINE]...
//   t IP PARENT                a SIZE TRACE     + INDEX | + SIZE TRACE PTR
//   - INDEX | - PTR            c TIME_MS        R RSS_PAGES
//   m ... / x ... / X ... / I ... / S ... / A / # ...   (kept out of the trace)
// The tables (strings, instruction pointers, trace nodes, allocation infos)
// are only counted, so that a reference past the end of one is refused.
#include "traces/readers/heaptrack_reader.h"

#include <optional>
#include <unordered_map>
#include <vector>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// The newest file format heaptrack 1.4 writes (its "v" line's second number).
constexpr std::uint64_t kNewestFileVersion = 3;

// An index as the file writes it, for messages.
std::string hex(std::uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 15]);
    v >>= 4;
  } while (v != 0);
  return out;
}

enum class Dialect { kUnknown, kRaw, kInterpreted };

// The hex fields after a line's kind letter.
class HexFields {
 public:
  HexFields(std::string_view rest, const std::string& path, std::uint64_t ln) : f_(rest), path_(path), ln_(ln) {}

  std::uint64_t next(const char* what) {
    std::string_view t = f_.next();
    std::uint64_t v = 0;
    scan::Num st = scan::parse_u64(t, v, 16);
    if (st != scan::Num::kOk) throw TraceError(path_, ln_, scan::bad_number(what, t, st));
    return v;
  }
  std::uint64_t count() const {
    scan::Fields copy = f_;
    std::uint64_t n = 0;
    while (!copy.next().empty()) ++n;
    return n;
  }
  bool at_end() const { return f_.at_end(); }
  void expect_end() const {
    if (!f_.at_end()) throw TraceError(path_, ln_, "unexpected " + scan::quote(f_.rest()) + " at the end of the line");
  }

 private:
  scan::Fields f_;
  const std::string& path_;
  std::uint64_t ln_;
};

// The reader's state over the whole file.
struct State {
  explicit State(const std::string& p) : path(p), b("heaptrack", ReusePolicy::kFreeOld) {}
  const std::string& path;
  TraceBuilder b;
  Dialect dialect = Dialect::kUnknown;
  std::uint64_t dialect_line = 0;
  std::uint64_t strings = 0, ips = 0, traces = 0;
  std::vector<std::uint64_t> info_size;  // allocation info index -> size
  // Interpreted dialect: allocation info index -> its live allocations' keys.
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> live;
  std::uint64_t next_key = 1;
};

void check_index(const State& s, std::uint64_t ln, std::uint64_t index, std::uint64_t defined, const char* what) {
  if (index > defined)
    throw TraceError(
        s.path, ln,
        std::string(what) + " " + hex(index) + " is not defined (the file has " + std::to_string(defined) + " so far)");
}

void set_dialect(State& s, Dialect d, std::uint64_t ln) {
  if (s.dialect == Dialect::kUnknown) {
    s.dialect = d;
    s.dialect_line = ln;
    return;
  }
  if (s.dialect != d)
    throw TraceError(
        s.path, ln,
        std::string(d == Dialect::kRaw ? "a raw-stream line" : "an interpreted-file line") + ", but line " +
            std::to_string(s.dialect_line) + " was " +
            (s.dialect == Dialect::kRaw ? "raw (allocations by pointer)" : "interpreted (allocations by info index)"));
}

void read_version(State& s, HexFields& f, std::uint64_t ln) {
  f.next("heaptrack's version in hex");
  if (f.at_end()) return;  // files before heaptrack 1.0 have no file version
  const std::uint64_t file_version = f.next("the file format version in hex");
  f.expect_end();
  if (file_version > kNewestFileVersion)
    throw TraceError(s.path, ln,
                     "file format version " + std::to_string(file_version) + " is newer than the " +
                         std::to_string(kNewestFileVersion) + " this reader knows");
}

// "i IP MODULE [FUNCTION | FUNCTION FILE LINE...]": the string indexes must
// exist.
void read_ip(State& s, HexFields& f, std::uint64_t ln) {
  f.next("an instruction pointer in hex");
  check_index(s, ln, f.next("a module string index in hex"), s.strings, "string");
  const std::uint64_t fields = f.count();
  if (fields == 1) {  // a function name but no file and line (no debug information)
    check_index(s, ln, f.next("a function string index"), s.strings, "string");
    ++s.ips;
    return;
  }
  if (fields % 3 != 0) throw TraceError(s.path, ln, "after the module, a lone FUNCTION or FUNCTION FILE LINE triples");
  for (std::uint64_t i = 0; i < fields / 3; ++i) {
    check_index(s, ln, f.next("a function string index"), s.strings, "string");
    check_index(s, ln, f.next("a file string index"), s.strings, "string");
    f.next("a line number in hex");
  }
  ++s.ips;
}

// "t IP PARENT": in the interpreted file IP is an 'i' line's index, in the
// raw stream an address; PARENT is an earlier trace node (0 is the root).
void read_trace_node(State& s, HexFields& f, std::uint64_t ln) {
  const std::uint64_t ip = f.next("an instruction pointer in hex");
  if (s.dialect == Dialect::kInterpreted) check_index(s, ln, ip, s.ips, "instruction pointer");
  check_index(s, ln, f.next("a parent trace index in hex"), s.traces, "trace");
  f.expect_end();
  ++s.traces;
}

void read_alloc(State& s, HexFields& f, std::uint64_t ln) {
  if (s.dialect == Dialect::kUnknown) set_dialect(s, f.count() == 1 ? Dialect::kInterpreted : Dialect::kRaw, ln);
  if (s.dialect == Dialect::kInterpreted) {
    const std::uint64_t index = f.next("an allocation info index in hex");
    f.expect_end();
    if (index >= s.info_size.size())
      throw TraceError(s.path, ln,
                       "allocation info " + hex(index) + " is not defined (the file has " +
                           std::to_string(s.info_size.size()) + " so far)");
    const std::uint64_t key = s.next_key++;
    s.live[index].push_back(key);
    s.b.malloc(key, s.info_size[index]);
    return;
  }
  const std::uint64_t size = f.next("a size in hex");
  check_index(s, ln, f.next("a trace index in hex"), s.traces, "trace");
  const std::uint64_t ptr = f.next("a pointer in hex");
  f.expect_end();
  if (ptr == 0) throw TraceError(s.path, ln, "an allocation at address 0");
  s.b.malloc(ptr, size);
}

void read_free(State& s, HexFields& f, std::uint64_t ln) {
  const std::uint64_t v =
      f.next(s.dialect == Dialect::kInterpreted ? "an allocation info index in hex" : "a pointer in hex");
  f.expect_end();
  if (s.dialect != Dialect::kInterpreted) {
    s.b.free(v);  // a pointer never seen allocated (attached late) is counted unmatched
    return;
  }
  if (v >= s.info_size.size())
    throw TraceError(s.path, ln,
                     "allocation info " + hex(v) + " is not defined (the file has " +
                         std::to_string(s.info_size.size()) + " so far)");
  auto it = s.live.find(v);
  if (it == s.live.end() || it->second.empty()) {
    s.b.free(s.next_key++);  // nothing of that info is live: counted unmatched
    return;
  }
  s.b.free(it->second.back());
  it->second.pop_back();
}

// One line, by its kind letter.
void read_line(State& s, char kind, HexFields& f, std::uint64_t ln) {
  switch (kind) {
    case 's':  // file format 3: "s LENGTH STRING"; older files: "s STRING"
      ++s.strings;
      break;
    case 'i':
      set_dialect(s, Dialect::kInterpreted, ln);
      read_ip(s, f, ln);
      break;
    case 't': read_trace_node(s, f, ln); break;
    case 'a': {
      set_dialect(s, Dialect::kInterpreted, ln);
      const std::uint64_t size = f.next("a size in hex");
      check_index(s, ln, f.next("a trace index in hex"), s.traces, "trace");
      f.expect_end();
      s.info_size.push_back(size);
      break;
    }
    case '+': read_alloc(s, f, ln); break;
    case '-': read_free(s, f, ln); break;
    case 'c': f.next("a time in ms, in hex"); break;
    case 'R': f.next("a resident size in pages, in hex"); break;
    case 'm':
    case 'x': set_dialect(s, Dialect::kRaw, ln); break;
    case 'X':
    case 'I':
    case 'S':
    case 'A':
    case '#': break;
    case 'v': throw TraceError(s.path, ln, "a second version line");
    default:
      throw TraceError(s.path, ln,
                       "unknown line kind " + scan::quote(std::string_view(&kind, 1)) +
                           " (heaptrack writes v, s, i, t, a, +, -, c, R, m, x, X, I, S, A and #)");
  }
}

}  // namespace

bool sniff_heaptrack(const SniffHead& head) {
  scan::Fields f(head.line);
  if (f.next() != "v") return false;
  std::uint64_t n = 0;
  for (std::string_view t = f.next(); !t.empty(); t = f.next(), ++n)
    if (!scan::all_digits(t, true)) return false;
  return n == 1 || n == 2;
}

Trace read_heaptrack(std::string_view text, const std::string& path) {
  State s(path);
  s.b.reserve(text.size() / 8);  // "+ 1a\n", "- 1a\n", "a 20 8\n", ...
  scan::LineScanner lines(text);
  std::string_view line;
  bool versioned = false;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty()) continue;
    const std::uint64_t ln = lines.line_number();
    if (line.size() > 1 && !scan::is_space(line[1]) && line[0] != '#')
      throw TraceError(path, ln, "expected a one-letter line kind and a space, found " + scan::quote(line));
    HexFields f(line.substr(1), path, ln);
    if (!versioned) {
      if (line[0] != 'v')
        throw TraceError(
            path, ln, "expected heaptrack's version line 'v VERSION FILE_VERSION' first, found " + scan::quote(line));
      versioned = true;
      read_version(s, f, ln);
      continue;
    }
    read_line(s, line[0], f, ln);
  }
  if (!versioned) throw TraceError(path, 0, "empty: no heaptrack version line");
  s.b.import_stats().source_lines = lines.line_number();
  return s.b.finish();
}

}  // namespace heapreplay
