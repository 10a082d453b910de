// Input for `heapreplay shell`: where the bytes come from (a file descriptor
// read in large blocks, a string in tests, or the terminal's line editor) and
// ByteReader, the buffered cursor both shell modes parse from.
//
// The VMA command language is a byte stream, not a line protocol (WRITE takes
// raw bytes, newlines included), so every source is reduced to "give me the
// next bytes"; the general mode reads that stream line by line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace heapreplay::shell {

// A source of input bytes.
class InputSource {
 public:
  virtual ~InputSource() = default;
  // Copies up to `capacity` (> 0) bytes into `buf`, blocking until at least
  // one is there; returns 0 at the end of the input. Throws
  // std::runtime_error naming the source when reading fails.
  virtual std::size_t read(char* buf, std::size_t capacity) = 0;
};

// A file descriptor (stdin or a script), read with read(2) in whatever blocks
// the caller's buffer allows. Does not own the descriptor.
class FdInput : public InputSource {
 public:
  FdInput(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  std::size_t read(char* buf, std::size_t capacity) override;

 private:
  int fd_;
  std::string name_;
};

// A fixed string (tests), handed out in pieces of at most `piece_bytes` so
// that tests can split input at every position.
class StringInput : public InputSource {
 public:
  explicit StringInput(std::string text, std::size_t piece_bytes = ~std::size_t{0})
      : text_(std::move(text)), piece_bytes_(piece_bytes == 0 ? 1 : piece_bytes) {}
  std::size_t read(char* buf, std::size_t capacity) override;

 private:
  std::string text_;
  std::size_t piece_bytes_;
  std::size_t pos_ = 0;
};

// Buffered reading from an InputSource. Before it blocks for more input it
// calls `before_wait` (the shells flush their output there, so a person or a
// program on the other end of a pipe sees each answer before typing the next
// command, while a script's output still goes out in large blocks).
class ByteReader {
 public:
  static constexpr std::size_t kDefaultBufferBytes = std::size_t{1} << 20;

  explicit ByteReader(InputSource& source, std::function<void()> before_wait = {},
                      std::size_t buffer_bytes = kDefaultBufferBytes);

  // The next byte (0..255) without consuming it, or -1 at the end of input.
  int peek() {
    if (pos_ == end_ && !refill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  // The next byte, consumed, or -1 at the end of input.
  int get() {
    if (pos_ == end_ && !refill()) return -1;
    const char c = buf_[pos_++];
    if (c == '\n') ++line_;
    return static_cast<unsigned char>(c);
  }
  // Consumes up to `max` bytes and returns them as a view into the buffer,
  // valid until the next call; empty only at the end of input (or max == 0).
  std::string_view take(std::uint64_t max);
  // Reads one line: its bytes without the '\n' go to `line`. false at the end
  // of input with nothing read; a last line without '\n' counts as a line.
  bool read_line(std::string& line);
  // Number of '\n' consumed so far (the 0-based line of the next byte).
  std::uint64_t line() const { return line_; }

 private:
  bool refill();

  InputSource& source_;
  std::function<void()> before_wait_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t line_ = 0;
  bool eof_ = false;
};

}  // namespace heapreplay::shell
