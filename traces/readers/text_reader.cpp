// heapreplay-text reader: a header line, then one call per line with optional
// "t=<thread>" and "@<ns>" prefixes.
#include "traces/readers/text_reader.h"

#include <optional>
#include <stdexcept>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// Decimal, or hex with a 0x prefix.
scan::Num parse_number(std::string_view tok, std::uint64_t& out) {
  if (tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) return scan::parse_hex(tok, out);
  return scan::parse_u64(tok, out);
}

struct AlignedName {
  std::string_view name;
  AlignedKind kind;
};
constexpr AlignedName kAlignedNames[] = {
    {"memalign", AlignedKind::kMemalign},
    {"posix_memalign", AlignedKind::kPosixMemalign},
    {"aligned_alloc", AlignedKind::kAlignedAlloc},
    {"valloc", AlignedKind::kValloc},
    {"pvalloc", AlignedKind::kValloc},
};

// One event line's fields, with the messages naming the line.
class EventLine {
 public:
  EventLine(std::string_view line, const std::string& path, std::uint64_t ln) : f_(line), path_(path), ln_(ln) {}

  std::string_view next() { return f_.next(); }

  std::uint64_t number(const char* what) {
    std::string_view tok = f_.next();
    std::uint64_t v = 0;
    scan::Num st = parse_number(tok, v);
    if (st != scan::Num::kOk) fail(scan::bad_number(what, tok, st));
    return v;
  }

  // The end of the line, or a trailing comment.
  void end() {
    std::string_view rest = f_.rest();
    if (!rest.empty() && rest[0] != '#') fail("unexpected " + scan::quote(f_.next()) + " at the end of the line");
  }

  [[noreturn]] void fail(const std::string& message) const { throw TraceError(path_, ln_, message); }

 private:
  scan::Fields f_;
  const std::string& path_;
  std::uint64_t ln_;
};

}  // namespace

bool sniff_text(const SniffHead& head) {
  std::string_view line = head.line;
  return line.starts_with("heapreplay-text") && (line.size() == 15 || scan::is_space(line[15]));
}

namespace {

// The header comes first; only blank lines may precede it.
void read_header(scan::LineScanner& lines, const std::string& path) {
  std::string_view line;
  for (;;) {
    if (!lines.next(line)) throw TraceError(path, 0, "missing the header line 'heapreplay-text 1'");
    if (!scan::trim_left(line).empty()) break;
  }
  scan::Fields f(line);
  std::string_view magic = f.next();
  std::string_view version = f.next();
  if (magic != "heapreplay-text")
    throw TraceError(path, lines.line_number(), "expected the header 'heapreplay-text 1', found " + scan::quote(line));
  if (version != "1" || !f.at_end())
    throw TraceError(path, lines.line_number(),
                     "unsupported header " + scan::quote(line) + " (this reader knows 'heapreplay-text 1')");
}

// An event line's "t=<thread>" and "@<ns>" prefixes, from its first token
// `tok`, which is left at the op.
struct Prefixes {
  std::uint64_t thread = 0, time_ns = TraceBuilder::kNoTime;
  bool have_thread = false, have_time = false;

  Prefixes(EventLine& ev, std::string_view& tok) {
    for (;;) {
      std::uint64_t* into = nullptr;
      std::string_view num;
      if (tok.starts_with("t=")) {
        if (have_thread) ev.fail("two thread prefixes");
        have_thread = true;
        into = &thread;
        num = tok.substr(2);
      } else if (tok.starts_with("@")) {
        if (have_time) ev.fail("two timestamps");
        have_time = true;
        into = &time_ns;
        num = tok.substr(1);
      } else {
        break;
      }
      scan::Num st = parse_number(num, *into);
      if (st != scan::Num::kOk)
        ev.fail(scan::bad_number(into == &thread ? "a thread after 't='" : "nanoseconds after '@'", num, st));
      tok = ev.next();
    }
    if (have_time && time_ns == TraceBuilder::kNoTime) ev.fail("timestamp 18446744073709551615 is reserved");
  }
};

// The op `tok` and its operands into the builder.
void read_op(EventLine& ev, std::string_view tok, const Prefixes& at, TraceBuilder& b) {
  const std::uint64_t thread = at.thread, time_ns = at.time_ns;
  if (tok == "malloc") {
    std::uint64_t id = ev.number("an object id");
    std::uint64_t size = ev.number("a size");
    ev.end();
    b.malloc(id, size, thread, time_ns);
  } else if (tok == "free") {
    std::string_view id_tok = ev.next();
    if (id_tok == "-") {
      ev.end();
      b.free_null(thread, time_ns);
      return;
    }
    std::uint64_t id = 0;
    scan::Num st = parse_number(id_tok, id);
    if (st != scan::Num::kOk) ev.fail(scan::bad_number("an object id or '-'", id_tok, st));
    ev.end();
    b.free(id, thread, time_ns);  // not live: counted and skipped
  } else if (tok == "realloc") {
    std::string_view first = ev.next();
    std::optional<std::uint64_t> old;
    std::uint64_t id = 0;
    if (first == "-") {
      id = ev.number("an object id after 'realloc -'");
    } else {
      scan::Num st = parse_number(first, id);
      if (st != scan::Num::kOk) ev.fail(scan::bad_number("an object id or '-'", first, st));
      old = id;
    }
    std::uint64_t size = ev.number("a size");
    ev.end();
    b.realloc(old, id, size, thread, time_ns);
  } else if (tok == "calloc") {
    std::uint64_t id = ev.number("an object id");
    std::uint64_t count = ev.number("an element count");
    std::uint64_t size = ev.number("an element size");
    ev.end();
    b.calloc(id, count, size, thread, time_ns);
  } else {
    const AlignedName* an = nullptr;
    for (const AlignedName& a : kAlignedNames)
      if (tok == a.name) an = &a;
    if (!an)
      ev.fail("unknown op " + scan::quote(tok) +
              " (expected malloc, calloc, realloc, free, memalign, posix_memalign, aligned_alloc, valloc or pvalloc)");
    std::uint64_t id = ev.number("an object id");
    std::uint64_t alignment = ev.number("an alignment");
    std::uint64_t size = ev.number("a size");
    ev.end();
    b.aligned(id, alignment, size, an->kind, thread, time_ns);
  }
}

}  // namespace

Trace read_text(std::string_view text, const std::string& path) {
  scan::LineScanner lines(text);
  read_header(lines, path);
  TraceBuilder b("text", ReusePolicy::kLeakOld);
  std::optional<bool> timed;  // decided by the first event
  std::string_view line;
  try {
    while (lines.next(line)) {
      EventLine ev(line, path, lines.line_number());
      std::string_view tok = ev.next();
      if (tok.empty() || tok[0] == '#') continue;
      const Prefixes at(ev, tok);
      if (!timed) timed = at.have_time;
      if (*timed != at.have_time)
        ev.fail(at.have_time ? "timestamp on an event of an untimed trace (the first event has none)"
                             : "event without a timestamp in a timed trace (the first event has one)");
      if (tok.empty()) ev.fail("expected an op after the prefixes");
      read_op(ev, tok, at, b);
    }
  } catch (const std::length_error& e) {
    // The builder's limits (65535 threads, 2^32-1 live objects) are the
    // input's fault here: thread names are free-form.
    throw TraceError(path, lines.line_number(), e.what());
  }
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
