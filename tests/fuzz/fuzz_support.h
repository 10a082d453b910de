// Shared pieces of the libFuzzer targets: an in-memory file the project's
// path-taking readers can open, an output stream that discards, a fatal
// "the oracle disagrees" report, and check_trace, which aborts on what
// trace_problem (support/trace_checks.h, shared with the unit tests) finds.
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

#include "support/trace_checks.h"
#include "traces/readers/import.h"
#include "traces/trace.h"
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

using test::trace_problem;

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
