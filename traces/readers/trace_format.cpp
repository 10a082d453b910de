// The format table expanded (see trace_format.h), and detection: find the
// first meaningful line once, then ask each format's sniffer in rank order.
// The sniffers themselves live with their readers; only the binary .hrt
// format, which has no text reader, is sniffed and refused here.
#include "traces/readers/trace_format.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "traces/readers/text_scan.h"
#include "traces/trace_error.h"

namespace heapreplay {

// Each row's reader and sniffer, declared from the table itself so that
// adding a format needs no include here. The readers' headers declare the
// same functions with their contracts; a reader whose signature differs from
// the table's fails to link, naming it.
#define HR_TRACE_FORMAT_DECLARE(id, name, rank, comments, reader, sniffer)   \
  Trace reader(std::string_view text, const std::string& path_for_messages); \
  bool sniffer(const SniffHead& head);
HEAPREPLAY_TRACE_FORMATS(HR_TRACE_FORMAT_DECLARE)
#undef HR_TRACE_FORMAT_DECLARE

// The .hrt row: a binary file starts with its magic, and the text import
// path refuses it (traces/hrt_format.h reads it).
bool sniff_hrt(const SniffHead& head) { return head.bytes.starts_with(std::string_view{"HRTRACE\0", 8}); }

Trace refuse_hrt_as_text(std::string_view, const std::string& path) {
  throw TraceError(path, 0, "is a binary .hrt trace, not a text format: open it with the .hrt reader");
}

namespace {

constexpr TraceFormatInfo kFormats[] = {
#define HR_TRACE_FORMAT_ROW(id, name, rank, comments, reader, sniffer) \
  {TraceFormat::id, name, rank, comments, reader, sniffer},
    HEAPREPLAY_TRACE_FORMATS(HR_TRACE_FORMAT_ROW)
#undef HR_TRACE_FORMAT_ROW
};
static_assert(std::size(kFormats) == kTraceFormatCount);

constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kTraceFormatCount; ++i)
    if (static_cast<std::size_t>(kFormats[i].format) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "format_info indexes the table by enumerator");

// The rows in the order detect_format asks them.
constexpr std::array<const TraceFormatInfo*, kTraceFormatCount> sniff_order() {
  std::array<const TraceFormatInfo*, kTraceFormatCount> order{};
  for (std::size_t i = 0; i < kTraceFormatCount; ++i) order[i] = &kFormats[i];
  std::sort(order.begin(), order.end(),
            [](const TraceFormatInfo* a, const TraceFormatInfo* b) { return a->sniff_rank < b->sniff_rank; });
  return order;
}
constexpr std::array<const TraceFormatInfo*, kTraceFormatCount> kSniffOrder = sniff_order();

constexpr bool ranks_distinct() {
  for (std::size_t i = 1; i < kTraceFormatCount; ++i)
    if (kSniffOrder[i - 1]->sniff_rank == kSniffOrder[i]->sniff_rank) return false;
  return true;
}
static_assert(ranks_distinct(), "two formats with one sniff_rank: which one wins would be left to chance");

// Skips a UTF-8 byte-order mark (some editors add one), blank lines and
// '#' comment lines, and keeps the first line that says something.
SniffHead sniff_head(std::string_view bytes) {
  SniffHead h;
  h.bytes = bytes;
  std::string_view text = bytes;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  scan::LineScanner lines(text);
  std::string_view line;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty()) continue;
    if (line[0] == '#') {
      h.comments = true;
      continue;
    }
    h.line = line;
    h.from_line = text.substr(static_cast<std::size_t>(line.data() - text.data()));
    break;
  }
  return h;
}

}  // namespace

std::span<const TraceFormatInfo> trace_formats() { return kFormats; }

const TraceFormatInfo& format_info(TraceFormat format) {
  const auto i = static_cast<std::size_t>(format);
  assert(i < kTraceFormatCount);
  return kFormats[i];
}

const char* format_name(TraceFormat format) {
  const auto i = static_cast<std::size_t>(format);
  return i < kTraceFormatCount ? kFormats[i].name : "?";
}

std::string format_names() {
  std::string out;
  for (const TraceFormatInfo& f : kFormats) out += std::string(out.empty() ? "" : ", ") + f.name;
  return out;
}

std::optional<TraceFormat> format_from_name(std::string_view name) {
  for (const TraceFormatInfo& f : kFormats)
    if (name == f.name) return f.format;
  return std::nullopt;
}

TraceFormat detect_format(std::string_view head, const std::string& path) {
  const SniffHead h = sniff_head(head);
  for (const TraceFormatInfo* f : kSniffOrder)
    if ((!h.comments || f->comment_header) && f->sniff(h)) return f->format;
  if (h.line.empty() && !h.comments) throw TraceError(path, 0, "cannot tell the trace format of an empty file");
  throw TraceError(path, 0,
                   "cannot tell the trace format from the content (none of " + format_names() +
                       " fits); name the format explicitly");
}

}  // namespace heapreplay
