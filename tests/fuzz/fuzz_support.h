// Shared pieces of the libFuzzer targets: an in-memory file the project's
// path-taking readers can open, an output stream that discards, a fatal
// "the oracle disagrees" report, and the checks every trace reader's result
// must pass (the properties replay relies on, and a text round trip).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "traces/readers/import.h"
#include "traces/readers/text_reader.h"
#include "traces/readers/text_writer.h"
#include "traces/thread_summary.h"
#include "traces/trace.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay::fuzz {

// A property the code promises did not hold: print it and abort, so libFuzzer
// records the input as a crash.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "heapreplay fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The bytes as a file with a path (/proc/self/fd/N of a memfd): the readers
// open, stat, mmap and read it as they would a file on disk, with no disk I/O.
class MemFile {
 public:
  MemFile(const std::uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("heapreplay-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create failed");
    for (std::size_t done = 0; done < size;) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) fail("cannot write the memfd");
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// An ostream that counts and drops what it is given.
class NullBuf : public std::streambuf {
 public:
  std::uint64_t bytes = 0;

 protected:
  int_type overflow(int_type c) override {
    ++bytes;
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<std::uint64_t>(n);
    return n;
  }
};
class NullStream : public std::ostream {
 public:
  NullStream() : std::ostream(nullptr) { rdbuf(&buf_); }
  std::uint64_t bytes() const { return buf_.bytes; }

 private:
  NullBuf buf_;
};

// What every reader promises about the trace it returns (trace.h, event.h):
// ids in range (kNoObject only for free(NULL)), threads in range, valid ops,
// timestamps absent or one per event. Then the summaries `info` prints, and a
// round trip through heapreplay-text, which must give the same events back
// (text_writer.h) for a trace a TraceBuilder made, i.e. from every text
// reader. An .hrt file is validated for what replay relies on, not for
// making sense as a program (a free of an empty slot is a free(NULL) to
// replay), so `round_trip` is false for it. Returns "" when all holds, else
// what did not. The regression tests (tests/traces/trace_fuzz_regressions_test.cpp)
// ask the same.
inline std::string trace_problem(const Trace& t, bool round_trip = true) {
  if (!t.timestamps_ns.empty() && t.timestamps_ns.size() != t.events.size()) return "timestamps do not match events";
  if (!t.events.empty() && t.thread_count == 0) return "events but no thread";
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    bool ok = static_cast<unsigned>(e.op) < kOpCount && e.thread < t.thread_count &&
              (e.id < t.object_count || (e.id == kNoObject && e.op == Op::kFree));
    if (!ok) return "event " + std::to_string(i) + " is out of range";
  }
  TraceSummary s = summarize(t.view());
  ThreadSummary ts = summarize_threads(t.view());
  if (s.events != t.events.size() || ts.events_per_thread.size() != t.thread_count) return "summary disagrees";
  if (!round_trip) return {};

  std::string text;
  write_text(t.view(), text);
  Trace back;
  try {
    back = read_text(text, "round-trip");
  } catch (const TraceError& e) {
    return std::string("write_text's output does not read back: ") + e.what();
  }
  if (back.events.size() != t.events.size()) return "text round trip changed the event count";
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& a = t.events[i];
    const Event& b = back.events[i];
    if (a.op != b.op || a.size != b.size || a.aux != b.aux || a.thread != b.thread || a.id != b.id)
      return "text round trip changed event " + std::to_string(i);
  }
  if (back.timestamps_ns != t.timestamps_ns) return "text round trip changed the timestamps";
  return {};
}

inline void check_trace(const Trace& t, bool round_trip = true) {
  if (std::string why = trace_problem(t, round_trip); !why.empty()) fail(why);
}

// The body of every text-format reader's target: the input goes through
// format detection on its head and then the reader, as `heapreplay
// replay/info/convert` use them; whatever the reader accepts must pass
// check_trace.
inline int fuzz_text_reader(const std::uint8_t* data, std::size_t size, TraceFormat format) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)detect_format(text.substr(0, std::min(text.size(), kDetectHeadBytes)), "fuzz-input");
  } catch (const TraceError&) {
  }
  Trace t;
  try {
    t = parse_trace(text, format, "fuzz-input");
  } catch (const TraceError&) {
    return 0;  // malformed input, reported as such: what a reader must do
  }
  check_trace(t);
  return 0;
}

}  // namespace heapreplay::fuzz
