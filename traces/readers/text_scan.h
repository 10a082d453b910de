// Internal to the text readers: a line scanner, a field splitter and checked
// number parsing over a borrowed buffer. Nothing here reads past the view it
// was given, which is what lets the readers parse untrusted input, and only
// the message helpers (quote, bad_number) allocate.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "traces/trace_error.h"

namespace heapreplay::scan {

// Whitespace inside a line, as fscanf sees it ('\r' included, so CRLF files
// read like LF ones).
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

// Hands out the lines of a buffer one by one, without the '\n' and without
// trailing whitespace. Line numbers are 1-based; a final line with no '\n'
// still counts, a final '\n' does not start another one.
class LineScanner {
 public:
  explicit LineScanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // False at the end of the buffer (line is then untouched).
  bool next(std::string_view& line) {
    if (p_ == end_) return false;
    const char* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_)));
    const char* stop = nl ? nl : end_;
    const char* e = stop;
    while (e > p_ && is_space(e[-1])) --e;
    line = std::string_view(p_, static_cast<std::size_t>(e - p_));
    p_ = nl ? nl + 1 : end_;
    ++line_number_;
    return true;
  }

  // The number of the line last returned by next() (0 before the first).
  std::uint64_t line_number() const { return line_number_; }

  // Consumes the rest of the buffer; returns how many of its lines hold
  // something other than whitespace.
  std::uint64_t skip_rest() {
    std::uint64_t non_blank = 0;
    std::string_view line;
    while (next(line))
      if (!trim_left(line).empty()) ++non_blank;
    return non_blank;
  }

 private:
  const char* p_;
  const char* end_;
  std::uint64_t line_number_ = 0;
};

// Splits one line into whitespace-separated fields.
class Fields {
 public:
  explicit Fields(std::string_view line) : rest_(line) {}

  // The next field, or an empty view at the end of the line.
  std::string_view next() {
    rest_ = trim_left(rest_);
    std::size_t i = 0;
    while (i < rest_.size() && !is_space(rest_[i])) ++i;
    std::string_view f = rest_.substr(0, i);
    rest_.remove_prefix(i);
    return f;
  }
  bool at_end() const { return trim_left(rest_).empty(); }
  std::string_view rest() const { return trim_left(rest_); }

 private:
  std::string_view rest_;
};

// s is not empty and every character is a decimal digit (or, with hex, a
// hexadecimal one). For the sniffers, which only look.
inline bool all_digits(std::string_view s, bool hex) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (!ok) return false;
  }
  return true;
}

enum class Num { kOk, kNotNumber, kOverflow };

// The whole of s must be digits of the base (no sign, no prefix, no space).
inline Num parse_u64(std::string_view s, std::uint64_t& out, int base = 10) {
  if (s.empty()) return Num::kNotNumber;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  if (ec == std::errc::result_out_of_range) return Num::kOverflow;
  if (ec != std::errc() || ptr != s.data() + s.size()) return Num::kNotNumber;
  return Num::kOk;
}

// "0x1f" or "0X1F"; bare hex digits are accepted too because printf's "%#lx"
// writes zero as "0".
inline Num parse_hex(std::string_view s, std::uint64_t& out) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return parse_u64(s, out, 16);
}

// A field as it may appear inside a one-line message: quoted, at most 40
// characters, control and non-ASCII bytes shown as '?'.
inline std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string q = "'";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    q += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (s.size() > kMax) q += "...";
  q += '\'';
  return q;
}

// The message for a field that should have been a number and is not.
inline std::string bad_number(std::string_view what, std::string_view field, Num status) {
  if (status == Num::kOverflow) return quote(field) + " does not fit in 64 bits (expected " + std::string(what) + ")";
  if (field.empty()) return "expected " + std::string(what);
  return "expected " + std::string(what) + ", found " + quote(field);
}

}  // namespace heapreplay::scan
