// glibc mtrace log reader. A record is read from its right end: the op, the
// pointer and the size are the last two or three fields, and everything
// before them is the caller, whose shape varies ("file:(sym+off)[addr]",
// "file:[addr]", "[addr]", or nothing at all) and whose file name may even
// hold spaces.
#include "traces/readers/mtrace_reader.h"

#include <optional>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// Removes and returns the last field of s.
std::string_view pop_last(std::string_view& s) {
  std::size_t e = s.size();
  while (e > 0 && scan::is_space(s[e - 1])) --e;
  std::size_t b = e;
  while (b > 0 && !scan::is_space(s[b - 1])) --b;
  std::string_view f = s.substr(b, e - b);
  s = s.substr(0, b);
  return f;
}

bool is_op(std::string_view f, std::string_view ops) {
  return f.size() == 1 && ops.find(f[0]) != std::string_view::npos;
}

}  // namespace

bool sniff_mtrace(const SniffHead& head) {
  std::string_view line = head.line;
  if (line == "= Start" || line == "= End" || line.starts_with("@ ")) return true;
  // A record with no caller (glibc omits "@ ..." when it has none).
  if (line.size() < 3 || line[1] != ' ') return false;
  if (std::string_view("+-<>!").find(line[0]) == std::string_view::npos) return false;
  std::string_view ptr = line.substr(2);
  return ptr.starts_with("0x") || ptr.starts_with("(nil)");
}

namespace {

// One record's op, pointer and size (0 where it has none).
struct Record {
  char op;
  std::uint64_t ptr = 0;
  std::uint64_t size = 0;
};

// Parses a record line (not blank, not '='), from its right end.
Record parse_record(std::string_view line, const std::string& path, std::uint64_t ln) {
  std::string_view rest = line;
  std::string_view last = pop_last(rest);
  std::string_view before = pop_last(rest);
  Record r;
  std::string_view ptr_tok, size_tok;
  if (is_op(before, "-<")) {
    r.op = before[0];
    ptr_tok = last;
  } else if (is_op(before, "+>!")) {
    throw TraceError(path, ln, "expected a size after " + scan::quote(std::string(before) + " " + std::string(last)));
  } else {
    std::string_view op_tok = pop_last(rest);
    if (!is_op(op_tok, "+>!"))
      throw TraceError(
          path, ln,
          "expected '@ <caller> <op> <pointer> [<size>]' with op one of + - < > !, found " + scan::quote(line));
    r.op = op_tok[0];
    ptr_tok = before;
    size_tok = last;
  }
  rest = scan::trim_left(rest);
  while (!rest.empty() && scan::is_space(rest.back())) rest.remove_suffix(1);
  if (!rest.empty() && !rest.starts_with("@ "))
    throw TraceError(path, ln, "expected '@ <caller>' before the op, found " + scan::quote(rest));
  if (ptr_tok != "(nil)") {
    scan::Num st = ptr_tok.starts_with("0x") || ptr_tok.starts_with("0X") ? scan::parse_hex(ptr_tok, r.ptr)
                                                                          : scan::Num::kNotNumber;
    if (st != scan::Num::kOk) throw TraceError(path, ln, scan::bad_number("a pointer", ptr_tok, st));
  }
  if (!size_tok.empty()) {
    scan::Num st = scan::parse_hex(size_tok, r.size);
    if (st != scan::Num::kOk) throw TraceError(path, ln, scan::bad_number("a hex size", size_tok, st));
  }
  return r;
}

// The records into the builder; a realloc is a '<' (the old block)
// followed at once by its '>' (the new one).
struct MtraceOps {
  TraceBuilder& b;
  const std::string& path;
  // The block of a '<' waiting for its '>' (pending_line 0: none). Not a
  // std::optional, which trips GCC 12's maybe-uninitialized warning here.
  std::uint64_t pending_old = 0;
  std::uint64_t pending_line = 0;

  [[noreturn]] void unpaired(std::uint64_t ln) const {
    throw TraceError(path, ln, "'<' on line " + std::to_string(pending_line) + " is not followed by its '>'");
  }

  void add(const Record& r, std::uint64_t ln) {
    if (pending_line && r.op != '>') unpaired(ln);
    switch (r.op) {
      case '+':
        if (r.ptr == 0)
          ++b.import_stats().failed_in_source;  // malloc returned NULL
        else
          b.malloc(r.ptr, r.size);
        break;
      case '-':
        if (r.ptr == 0)
          b.free_null();  // glibc does not log it, but the meaning is plain
        else
          b.free(r.ptr);  // an address never seen: counted and skipped by the builder
        break;
      case '<':
        pending_old = r.ptr;
        pending_line = ln;
        break;
      case '>':
        if (!pending_line) throw TraceError(path, ln, "'>' without a '<' on the line before");
        if (r.ptr == 0)
          ++b.import_stats().failed_in_source;  // glibc writes '!' for this; the old block stays
        else if (pending_old == 0)
          b.realloc(std::nullopt, r.ptr, r.size);
        else
          b.realloc(pending_old, r.ptr, r.size);
        pending_line = 0;
        break;
      case '!':
        ++b.import_stats().failed_in_source;  // failed realloc: the old block stays as it was
        break;
    }
  }
};

}  // namespace

Trace read_mtrace(std::string_view text, const std::string& path) {
  TraceBuilder b("mtrace", ReusePolicy::kFreeOld);
  b.reserve(text.size() / 64);  // a record with its caller is 60-100 bytes
  scan::LineScanner lines(text);
  MtraceOps ops{b, path};
  std::string_view line;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    const std::uint64_t ln = lines.line_number();
    // "Immediately": not even a blank or '=' line may come between '<' and '>'.
    if (ops.pending_line && (line.empty() || line[0] == '=')) ops.unpaired(ln);
    if (line.empty()) continue;
    if (line[0] == '=') {
      if (line != "= Start" && line != "= End")
        throw TraceError(path, ln, "unknown line " + scan::quote(line) + " (expected '= Start' or '= End')");
      continue;
    }
    ops.add(parse_record(line, path, ln), ln);
  }
  if (ops.pending_line) throw TraceError(path, ops.pending_line, "'<' is not followed by its '>' (the log ends)");
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
