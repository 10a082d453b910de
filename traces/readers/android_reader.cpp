// Android malloc debug record_allocs reader. A line is
//   TID: OP POINTER [ARGS...] [START_NS END_NS] [PRESENT_BYTES]
// where the arguments depend on the op and the rest is optional.
#include "traces/readers/android_reader.h"

#include <optional>
#include <unordered_map>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

enum class AndroidOp { kMalloc, kCalloc, kRealloc, kFree, kMemalign, kThreadDone };

std::optional<AndroidOp> op_from(std::string_view s) {
  if (s == "malloc") return AndroidOp::kMalloc;
  if (s == "calloc") return AndroidOp::kCalloc;
  if (s == "realloc") return AndroidOp::kRealloc;
  if (s == "free") return AndroidOp::kFree;
  if (s == "memalign") return AndroidOp::kMemalign;
  if (s == "thread_done") return AndroidOp::kThreadDone;
  return std::nullopt;
}

class LineReader {
 public:
  LineReader(std::string_view line, const std::string& path, std::uint64_t ln) : f_(line), path_(path), ln_(ln) {}

  std::uint64_t hex(const char* what) {
    std::string_view t = f_.next();
    std::uint64_t v = 0;
    scan::Num st = scan::parse_hex(t, v);
    if (st != scan::Num::kOk) throw TraceError(path_, ln_, scan::bad_number(what, t, st));
    return v;
  }
  std::uint64_t dec(const char* what) {
    std::string_view t = f_.next();
    std::uint64_t v = 0;
    scan::Num st = scan::parse_u64(t, v);
    if (st != scan::Num::kOk) throw TraceError(path_, ln_, scan::bad_number(what, t, st));
    return v;
  }
  bool at_end() const { return f_.at_end(); }
  std::string_view rest() const { return f_.rest(); }
  std::uint64_t remaining_fields() const {
    scan::Fields copy = f_;
    std::uint64_t n = 0;
    while (!copy.next().empty()) ++n;
    return n;
  }

 private:
  scan::Fields f_;
  const std::string& path_;
  std::uint64_t ln_;
};

// "-1" or a decimal: the optional present-bytes field of free and realloc.
bool is_present_bytes(std::string_view s) {
  if (s.starts_with('-')) s.remove_prefix(1);
  std::uint64_t v = 0;
  return scan::parse_u64(s, v) == scan::Num::kOk;
}

}  // namespace

bool sniff_android(const SniffHead& head) {
  std::string_view line = head.line;
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !scan::all_digits(line.substr(0, colon), false)) return false;
  scan::Fields f(line.substr(colon + 1));
  std::string_view op = f.next();
  if (op != "malloc" && op != "calloc" && op != "realloc" && op != "free" && op != "memalign" && op != "thread_done")
    return false;
  std::string_view ptr = f.next();
  if (ptr.starts_with("0x") || ptr.starts_with("0X")) ptr.remove_prefix(2);
  return scan::all_digits(ptr, true);
}

namespace {

// A call line's fields after the thread id: the op, the pointer, the op's
// arguments and the start time (kNoTime when the line has none).
struct Call {
  AndroidOp op;
  std::uint64_t ptr = 0, a1 = 0, a2 = 0;
  bool has_time = false;
  std::uint64_t start_ns = TraceBuilder::kNoTime;
};

// The thread id and op of a line; throws TraceError naming line `ln`.
std::pair<std::uint64_t, AndroidOp> read_head(std::string_view line, scan::Fields& head, const std::string& path,
                                              std::uint64_t ln) {
  std::size_t colon = line.find(':');
  std::uint64_t tid = 0;
  scan::Num st = colon == std::string_view::npos ? scan::Num::kNotNumber : scan::parse_u64(line.substr(0, colon), tid);
  if (st != scan::Num::kOk)
    throw TraceError(path, ln, "expected 'TID: OP POINTER ...' with a decimal thread id, found " + scan::quote(line));
  head = scan::Fields(line.substr(colon + 1));
  std::string_view op_name = head.next();
  std::optional<AndroidOp> op = op_from(op_name);
  if (!op)
    throw TraceError(path, ln,
                     op_name.empty() ? std::string("expected an op after the thread id")
                                     : "unknown op " + scan::quote(op_name) +
                                           " (expected malloc, calloc, realloc, free, memalign or thread_done)");
  return {tid, *op};
}

// The op's arguments, then nothing, or START_NS END_NS, and for free and
// realloc an optional present-bytes count after them.
void read_arguments(LineReader& f, Call& c, const std::string& path, std::uint64_t ln) {
  switch (c.op) {
    case AndroidOp::kMalloc: c.a1 = f.dec("a decimal size"); break;
    case AndroidOp::kCalloc:
      c.a1 = f.dec("a decimal element count");
      c.a2 = f.dec("a decimal element size");
      break;
    case AndroidOp::kRealloc:
      c.a1 = f.hex("the old pointer in hex");
      c.a2 = f.dec("a decimal size");
      break;
    case AndroidOp::kMemalign:
      c.a1 = f.dec("a decimal alignment");
      c.a2 = f.dec("a decimal size");
      break;
    case AndroidOp::kFree:
    case AndroidOp::kThreadDone: break;
  }
  const bool present_allowed = c.op == AndroidOp::kFree || c.op == AndroidOp::kRealloc;
  const std::uint64_t fields = f.remaining_fields();
  c.has_time = fields == 2 || fields == 3;
  if (c.has_time) {
    c.start_ns = f.dec("a start time in ns");
    if (c.start_ns == TraceBuilder::kNoTime) throw TraceError(path, ln, "the time 18446744073709551615 is reserved");
    f.dec("an end time in ns");
    if (fields == 3) {
      std::string_view present = f.rest();
      if (!present_allowed || !is_present_bytes(present))
        throw TraceError(path, ln, "unexpected " + scan::quote(present) + " after the times");
    }
  } else if (fields != 0) {
    throw TraceError(path, ln,
                     fields == 1 ? "a start time without its end time: " + scan::quote(f.rest())
                                 : "unexpected " + scan::quote(f.rest()) + " at the end of the line");
  }
}

// The call into the builder, on trace thread `thread`.
void add_call(TraceBuilder& b, const Call& c, std::uint64_t thread) {
  ImportStats& s = b.import_stats();
  const std::uint64_t t = c.start_ns;
  switch (c.op) {
    case AndroidOp::kMalloc:
      if (c.ptr == 0)
        ++s.failed_in_source;
      else
        b.malloc(c.ptr, c.a1, thread, t);
      break;
    case AndroidOp::kCalloc:
      if (c.ptr == 0)
        ++s.failed_in_source;
      else
        b.calloc(c.ptr, c.a1, c.a2, thread, t);
      break;
    case AndroidOp::kMemalign:
      if (c.ptr == 0)
        ++s.failed_in_source;
      else
        b.aligned(c.ptr, c.a1, c.a2, AlignedKind::kMemalign, thread, t);
      break;
    case AndroidOp::kFree:
      if (c.ptr == 0)
        b.free_null(thread, t);
      else
        b.free(c.ptr, thread, t);
      break;
    case AndroidOp::kRealloc: {
      std::optional<std::uint64_t> old;
      if (c.a1 != 0) old = c.a1;
      if (c.a2 == 0) {
        b.realloc(old, 0, 0, thread, t);  // frees old; realloc(NULL, 0) is a free(NULL)
        if (c.ptr != 0) b.malloc(c.ptr, 0, thread, t);
      } else if (c.ptr == 0) {
        ++s.failed_in_source;  // the old block stays
      } else {
        b.realloc(old, c.ptr, c.a2, thread, t);
      }
      break;
    }
    case AndroidOp::kThreadDone: break;
  }
}

}  // namespace

Trace read_android(std::string_view text, const std::string& path) {
  TraceBuilder b("android", ReusePolicy::kFreeOld);
  b.reserve(text.size() / 28);  // "1234: malloc 0x7f0012345670 32" and so on
  scan::LineScanner lines(text);
  std::string_view line;
  // A tid reused after its thread_done is another thread: tid -> thread_done lines seen.
  std::unordered_map<std::uint64_t, std::uint32_t> generation;
  std::optional<bool> timed;  // decided by the first call line
  std::uint64_t timed_line = 0;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty()) continue;
    const std::uint64_t ln = lines.line_number();
    scan::Fields head(std::string_view{});
    const auto [tid, op] = read_head(line, head, path, ln);
    LineReader f(head.rest(), path, ln);
    Call c{op};
    c.ptr = f.hex("a hex pointer");
    if (op == AndroidOp::kThreadDone) {
      if (!f.at_end()) f.dec("the thread's end time in ns");  // optional
      if (!f.at_end()) throw TraceError(path, ln, "unexpected " + scan::quote(f.rest()) + " after thread_done");
      ++generation[tid];
      continue;
    }
    read_arguments(f, c, path, ln);
    if (!timed) {
      timed = c.has_time;
      timed_line = ln;
    } else if (*timed != c.has_time) {
      throw TraceError(path, ln,
                       std::string(c.has_time ? "times here, but line " : "no times here, but line ") +
                           std::to_string(timed_line) + (*timed ? " has them" : " has none") +
                           " (times are on every line or on none)");
    }
    auto it = generation.find(tid);
    add_call(b, c, tid | (static_cast<std::uint64_t>(it == generation.end() ? 0 : it->second) << 32));
  }
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
