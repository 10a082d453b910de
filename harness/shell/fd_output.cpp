// Buffered output to a file descriptor (see fd_output.h).
#include "harness/shell/fd_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace heapreplay::shell {

FdStreamBuf::FdStreamBuf(int fd, std::size_t buffer_bytes) : fd_(fd), buf_(buffer_bytes < 16 ? 16 : buffer_bytes) {
  setp(buf_.data(), buf_.data() + buf_.size());
}

FdStreamBuf::~FdStreamBuf() { drain(); }

bool FdStreamBuf::write_all(const char* p, std::size_t n) {
  while (n > 0 && error_.empty()) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return error_.empty();
}

bool FdStreamBuf::drain() {
  const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
  setp(buf_.data(), buf_.data() + buf_.size());
  return n == 0 || write_all(buf_.data(), n);
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FdStreamBuf::xsputn(const char* s, std::streamsize n) {
  const auto room = static_cast<std::streamsize>(epptr() - pptr());
  if (n <= room) {
    std::memcpy(pptr(), s, static_cast<std::size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }
  // Larger than what is left: send the buffer, then the block itself.
  if (!drain()) return 0;
  if (n >= static_cast<std::streamsize>(buf_.size())) return write_all(s, static_cast<std::size_t>(n)) ? n : 0;
  std::memcpy(pptr(), s, static_cast<std::size_t>(n));
  pbump(static_cast<int>(n));
  return n;
}

int FdStreamBuf::sync() { return drain() ? 0 : -1; }

}  // namespace heapreplay::shell
