// Input sources and the buffered reader of `heapreplay shell` (see input.h).
#include "harness/shell/input.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace heapreplay::shell {

std::size_t FdInput::read(char* buf, std::size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, buf, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
  }
}

std::size_t StringInput::read(char* buf, std::size_t capacity) {
  const std::size_t n = std::min({capacity, piece_bytes_, text_.size() - pos_});
  std::memcpy(buf, text_.data() + pos_, n);
  pos_ += n;
  return n;
}

ByteReader::ByteReader(InputSource& source, std::function<void()> before_wait, std::size_t buffer_bytes)
    : source_(source), before_wait_(std::move(before_wait)), buf_(std::max<std::size_t>(buffer_bytes, 1)) {}

bool ByteReader::refill() {
  if (eof_) return false;
  if (before_wait_) before_wait_();
  pos_ = 0;
  end_ = source_.read(buf_.data(), buf_.size());
  if (end_ == 0) eof_ = true;
  return end_ != 0;
}

std::string_view ByteReader::take(std::uint64_t max) {
  if (max == 0 || (pos_ == end_ && !refill())) return {};
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(max, end_ - pos_));
  std::string_view v(buf_.data() + pos_, n);
  line_ += static_cast<std::uint64_t>(std::count(v.begin(), v.end(), '\n'));
  pos_ += n;
  return v;
}

bool ByteReader::read_line(std::string& line) {
  line.clear();
  bool any = false;
  for (;;) {
    if (pos_ == end_ && !refill()) return any;
    any = true;
    const char* start = buf_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
    if (nl == nullptr) {
      line.append(start, end_ - pos_);
      pos_ = end_;
      continue;
    }
    line.append(start, static_cast<std::size_t>(nl - start));
    pos_ += static_cast<std::size_t>(nl - start) + 1;
    ++line_;
    return true;
  }
}

}  // namespace heapreplay::shell
