// wee_alloc trace reader. The object key is the Alloc line's index, so keys
// never repeat and the reuse policy never comes into play.
#include "traces/readers/wee_reader.h"

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {

bool sniff_wee(const SniffHead& head) { return head.line.starts_with("Alloc(") || head.line.starts_with("Free("); }

Trace read_wee(std::string_view text, const std::string& path) {
  TraceBuilder b("wee", ReusePolicy::kLeakOld);
  scan::LineScanner lines(text);
  std::string_view line;
  std::uint64_t allocs = 0;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty()) continue;
    const std::uint64_t ln = lines.line_number();
    bool alloc = line.starts_with("Alloc(");
    if (!alloc && !line.starts_with("Free("))
      throw TraceError(path, ln, "expected 'Alloc(<bytes>),' or 'Free(<index>),', found " + scan::quote(line));
    std::string_view rest = line.substr(alloc ? 6 : 5);
    std::size_t close = rest.find(')');
    if (close == std::string_view::npos) throw TraceError(path, ln, "missing ')' in " + scan::quote(line));
    std::string_view num = rest.substr(0, close);
    std::uint64_t n = 0;
    scan::Num st = scan::parse_u64(num, n);
    if (st != scan::Num::kOk)
      throw TraceError(path, ln, scan::bad_number(alloc ? "a size in Alloc()" : "an index in Free()", num, st));
    // The comma ends a Rust array element; the last element may lack it.
    std::string_view tail = scan::trim_left(rest.substr(close + 1));
    if (!tail.empty() && tail[0] == ',') tail = scan::trim_left(tail.substr(1));
    if (!tail.empty()) throw TraceError(path, ln, "unexpected " + scan::quote(tail) + " after the ')'");
    if (alloc)
      b.malloc(allocs++, n);
    else
      b.free(n);
  }
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
