// Format names and content sniffing. Each format is recognised by its first
// meaningful line; the checks are strict enough that no two formats overlap
// (a .rep starts with four bare numbers, a raw trace with '#' or an m/c/r/f
// line whose operand is a pointer, mtrace with '=' or '@', an Android dump
// with "TID: op pointer").
#include "traces/readers/trace_format.h"

#include "traces/readers/text_scan.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

constexpr std::string_view kHrtMagic{"HRTRACE\0", 8};
constexpr TraceFormat kAllFormats[] = {TraceFormat::kHrt, TraceFormat::kRep,  TraceFormat::kMtrace, TraceFormat::kRaw,
                                       TraceFormat::kWee, TraceFormat::kText, TraceFormat::kAndroid};

bool all_digits(std::string_view s, bool hex) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (!ok) return false;
  }
  return true;
}

// get-trace pointers: "0" (NULL) or "0x<hex>", optionally "/<pid>".
bool is_raw_pointer(std::string_view s) {
  std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (!all_digits(s.substr(slash + 1), false)) return false;
    s = s.substr(0, slash);
  }
  if (s == "0") return true;
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && all_digits(s.substr(2), true);
}

bool is_raw_op_line(std::string_view line) {
  scan::Fields f(line);
  std::string_view op = f.next();
  if (op != "m" && op != "c" && op != "r" && op != "f") return false;
  return is_raw_pointer(f.next());
}

bool is_mtrace_line(std::string_view line) {
  if (line == "= Start" || line == "= End" || line.starts_with("@ ")) return true;
  // A record with no caller (glibc omits "@ ..." when it has none).
  if (line.size() < 3 || line[1] != ' ') return false;
  if (std::string_view("+-<>!").find(line[0]) == std::string_view::npos) return false;
  std::string_view ptr = line.substr(2);
  return ptr.starts_with("0x") || ptr.starts_with("(nil)");
}

// "186: malloc 0xb6038060 20": a decimal thread id, a colon, one of the
// record_allocs ops and a hex pointer.
bool is_android_line(std::string_view line) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !all_digits(line.substr(0, colon), false)) return false;
  scan::Fields f(line.substr(colon + 1));
  std::string_view op = f.next();
  if (op != "malloc" && op != "calloc" && op != "realloc" && op != "free" && op != "memalign" &&
      op != "thread_done")
    return false;
  std::string_view ptr = f.next();
  if (ptr.starts_with("0x") || ptr.starts_with("0X")) ptr.remove_prefix(2);
  return all_digits(ptr, true);
}

// Four unsigned numbers (separated by any whitespace, newlines included),
// then nothing or an a/r/f op.
bool is_rep_head(std::string_view head) {
  auto next_token = [&head]() {
    std::size_t i = 0;
    while (i < head.size() && (scan::is_space(head[i]) || head[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < head.size() && !scan::is_space(head[j]) && head[j] != '\n') ++j;
    std::string_view t = head.substr(i, j - i);
    head.remove_prefix(j);
    return t;
  };
  for (int i = 0; i < 4; ++i)
    if (!all_digits(next_token(), false)) return false;
  std::string_view op = next_token();
  return op.empty() || op == "a" || op == "r" || op == "f";
}

}  // namespace

const char* format_name(TraceFormat format) {
  switch (format) {
    case TraceFormat::kHrt: return "hrt";
    case TraceFormat::kRep: return "rep";
    case TraceFormat::kMtrace: return "mtrace";
    case TraceFormat::kRaw: return "raw";
    case TraceFormat::kWee: return "wee";
    case TraceFormat::kText: return "text";
    case TraceFormat::kAndroid: return "android";
  }
  return "?";
}

std::string format_names() {
  std::string out;
  for (TraceFormat f : kAllFormats) out += std::string(out.empty() ? "" : ", ") + format_name(f);
  return out;
}

std::optional<TraceFormat> format_from_name(std::string_view name) {
  for (TraceFormat f : kAllFormats)
    if (name == format_name(f)) return f;
  return std::nullopt;
}

TraceFormat detect_format(std::string_view head, const std::string& path) {
  if (head.starts_with(kHrtMagic)) return TraceFormat::kHrt;
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);  // a UTF-8 BOM some editors add

  auto unknown = [&path]() {
    return TraceError(path, 0,
                      "cannot tell the trace format from the content (none of " + format_names() +
                          " fits); name the format explicitly");
  };
  scan::LineScanner lines(head);
  std::string_view line;
  bool comments = false;  // '#' lines seen: only raw traces have them
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty()) continue;
    if (line[0] == '#') {
      comments = true;
      continue;
    }
    if (comments) {
      if (is_raw_op_line(line)) return TraceFormat::kRaw;
      throw unknown();
    }
    if (line.starts_with("heapreplay-text") && (line.size() == 15 || scan::is_space(line[15])))
      return TraceFormat::kText;
    if (is_mtrace_line(line)) return TraceFormat::kMtrace;
    if (is_android_line(line)) return TraceFormat::kAndroid;
    if (line.starts_with("Alloc(") || line.starts_with("Free(")) return TraceFormat::kWee;
    if (is_raw_op_line(line)) return TraceFormat::kRaw;
    if (is_rep_head(head.substr(static_cast<std::size_t>(line.data() - head.data())))) return TraceFormat::kRep;
    throw unknown();
  }
  if (comments) return TraceFormat::kRaw;  // nothing but comments yet: a raw trace's long header
  throw TraceError(path, 0, "cannot tell the trace format of an empty file");
}

}  // namespace heapreplay
