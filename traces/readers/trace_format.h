// The trace formats heapreplay reads, their names, and telling them apart by
// content (never by file extension: the malloc-lab raw traces have none and
// .rep files come named .trace too). traces/FORMAT.md describes each format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace heapreplay {

enum class TraceFormat {
  kHrt,     // heapreplay binary trace ("HRTRACE\0" magic); not a text format
  kRep,     // CS:APP / CMU malloc-lab .rep
  kMtrace,  // glibc mtrace() log
  kRaw,     // malloc-lab get-trace recording (m/c/r/f with addresses)
  kWee,     // wee_alloc test trace (Alloc(n), / Free(k),)
  kText,    // heapreplay-text, our own line format
  kAndroid, // Android malloc debug record_allocs dump ("TID: malloc PTR SIZE")
};

// "hrt", "rep", "mtrace", "raw", "wee", "text" or "android".
const char* format_name(TraceFormat format);

// Every format's name, for messages and help: "hrt, rep, mtrace, ...".
std::string format_names();

// The inverse of format_name (exact, lower case); nullopt for anything else.
std::optional<TraceFormat> format_from_name(std::string_view name);

// How many leading bytes of a file detect_format wants to see.
inline constexpr std::size_t kDetectHeadBytes = 4096;

// Guesses the format from the first bytes of a file (pass at least
// kDetectHeadBytes, or the whole file when shorter; a line cut short at the
// end of head is tolerated). path is only used in the error. Throws
// TraceError `PATH: cannot tell the trace format ...` when no format fits.
TraceFormat detect_format(std::string_view head, const std::string& path);

}  // namespace heapreplay
