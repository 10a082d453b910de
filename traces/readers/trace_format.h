// The trace formats heapreplay reads, declared once in one table, and telling
// them apart by content (never by file extension: the malloc-lab raw traces
// have none and .rep files come named .trace too). traces/FORMAT.md describes
// each format; docs/extending.md says how to add one.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "traces/trace.h"

namespace heapreplay {

// The table of trace formats: one row per format, in the order they are
// listed (format_names, --help). Everything that enumerates the formats
// expands it: the TraceFormat enum, kAllTraceFormats, the names, the sniffer
// dispatch of detect_format and the reader dispatch of parse_trace.
//
//   X(enumerator, name, sniff_rank, comment_header, reader, sniffer)
//
// - name: what --format takes and Trace::format holds; lower case.
// - sniff_rank: detect_format asks the sniffers in increasing rank and the
//   first that says yes wins. The sniffers are written not to overlap; the
//   rank settles it if two ever do. Ranks are distinct.
// - comment_header: the file may open with '#' comment lines. Once such lines
//   are seen, only these formats are asked (today get-trace's raw
//   recordings and Umpire's replay logs have a comment header).
// - reader: `Trace reader(std::string_view text, const std::string&
//   path_for_messages)`, which parses a whole file held in memory and throws
//   TraceError `PATH:LINE: what` on the first malformed line.
// - sniffer: `bool sniffer(const SniffHead& head)`, true when the head is
//   this format's. It must not throw and must look at nothing but head.
// Both functions live in the format's reader file (NAME_reader.cpp, declared
// in NAME_reader.h); trace_format.cpp declares them from this table, so the
// row is the only other place a format is named.
#define HEAPREPLAY_TRACE_FORMATS(X)                                      \
  /* heapreplay binary trace ("HRTRACE\0" magic); not a text format */   \
  X(kHrt, "hrt", 10, false, refuse_hrt_as_text, sniff_hrt)               \
  /* CS:APP / CMU malloc-lab .rep */                                     \
  X(kRep, "rep", 70, false, read_rep, sniff_rep)                         \
  /* glibc mtrace() log */                                               \
  X(kMtrace, "mtrace", 30, false, read_mtrace, sniff_mtrace)             \
  /* malloc-lab get-trace recording (m/c/r/f with addresses) */          \
  X(kRaw, "raw", 60, true, read_raw, sniff_raw)                          \
  /* wee_alloc test trace (Alloc(n), / Free(k),) */                      \
  X(kWee, "wee", 50, false, read_wee, sniff_wee)                         \
  /* heapreplay-text, our own line format */                             \
  X(kText, "text", 20, false, read_text, sniff_text)                     \
  /* Android malloc debug record_allocs dump ("TID: malloc PTR SIZE") */ \
  X(kAndroid, "android", 40, false, read_android, sniff_android)         \
  /* heaptrack data file or raw stream ("v 10400 3"; .zst/.gz too) */    \
  X(kHeaptrack, "heaptrack", 45, false, read_heaptrack, sniff_heaptrack) \
  /* LLNL Umpire replay log (JSON lines, "kind":"replay") */             \
  X(kUmpire, "umpire", 55, true, read_umpire, sniff_umpire)              \
  /* valgrind --trace-malloc=yes log ("--PID-- malloc(16) = 0x...") */   \
  X(kValgrind, "valgrind", 80, false, read_valgrind, sniff_valgrind)

enum class TraceFormat {
#define HR_TRACE_FORMAT_ENUMERATOR(id, ...) id,
  HEAPREPLAY_TRACE_FORMATS(HR_TRACE_FORMAT_ENUMERATOR)
#undef HR_TRACE_FORMAT_ENUMERATOR
};

// Every format, in table order.
inline constexpr TraceFormat kAllTraceFormats[] = {
#define HR_TRACE_FORMAT_VALUE(id, ...) TraceFormat::id,
    HEAPREPLAY_TRACE_FORMATS(HR_TRACE_FORMAT_VALUE)
#undef HR_TRACE_FORMAT_VALUE
};
inline constexpr std::size_t kTraceFormatCount = std::size(kAllTraceFormats);

// What a sniffer sees of a file. detect_format fills it once; every sniffer
// reads the same view.
struct SniffHead {
  // The first bytes of the file as read: binary formats look for their magic
  // here.
  std::string_view bytes;
  // The first line that says something: neither blank nor a '#' comment,
  // leading and trailing whitespace removed (a UTF-8 byte-order mark too).
  // Empty when the head has none.
  std::string_view line;
  // The head from the start of that line to its end (possibly cut in the
  // middle of a line), for a format that needs more than one line.
  std::string_view from_line;
  // '#' comment lines came before line (only formats with comment_header are
  // then asked).
  bool comments = false;
};

// One row of the table, as the dispatch uses it.
struct TraceFormatInfo {
  TraceFormat format;
  const char* name;
  int sniff_rank;
  bool comment_header;
  Trace (*read)(std::string_view text, const std::string& path_for_messages);
  bool (*sniff)(const SniffHead& head);
};

// Every row, in table order.
std::span<const TraceFormatInfo> trace_formats();

// The row of a format; format must be one of TraceFormat's enumerators.
const TraceFormatInfo& format_info(TraceFormat format);

// "hrt", "rep", "mtrace", "raw", "wee", "text", "android", "heaptrack",
// "umpire" or "valgrind" (the table's name column); "?" for a value that is
// not an enumerator.
const char* format_name(TraceFormat format);

// Every format's name, for messages and help: "hrt, rep, mtrace, ...".
std::string format_names();

// The inverse of format_name (exact, lower case); nullopt for anything else.
std::optional<TraceFormat> format_from_name(std::string_view name);

// How many leading bytes of a file detect_format wants to see.
inline constexpr std::size_t kDetectHeadBytes = 4096;

// Guesses the format from the first bytes of a file (pass at least
// kDetectHeadBytes, or the whole file when shorter; a line cut short at the
// end of head is tolerated): the first sniffer, in rank order, that accepts
// the head. path is only used in the error. Throws TraceError `PATH: cannot
// tell the trace format ...` when no format fits.
TraceFormat detect_format(std::string_view head, const std::string& path);

}  // namespace heapreplay
