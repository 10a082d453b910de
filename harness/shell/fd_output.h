// FdOutput: an std::ostream that writes to a file descriptor through one
// large buffer, with write(2) and no stdio underneath. The VMA tests print up
// to 17 MB of PMAP text; this sends it out in 1 MiB blocks, and the shells
// flush it whenever they are about to wait for input.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace heapreplay::shell {

class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd, std::size_t buffer_bytes = std::size_t{1} << 20);
  ~FdStreamBuf() override;
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

  // Whether every byte so far reached the descriptor (false after a write
  // error such as a full disk; later output is then dropped).
  bool ok() const { return error_.empty(); }
  // The first write error, e.g. "No space left on device"; empty if none.
  const std::string& error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool drain();
  bool write_all(const char* p, std::size_t n);

  int fd_;
  std::vector<char> buf_;
  std::string error_;
};

class FdOutput : public std::ostream {
 public:
  explicit FdOutput(int fd, std::size_t buffer_bytes = std::size_t{1} << 20)
      : std::ostream(nullptr), buf_(fd, buffer_bytes) {
    rdbuf(&buf_);
  }
  bool ok() const { return buf_.ok(); }
  const std::string& error() const { return buf_.error(); }

 private:
  FdStreamBuf buf_;
};

}  // namespace heapreplay::shell
