// Allocator configuration from the command line: the part after ':' in
// `-a NAME:key=value,key=value` (or a bare flag such as `faithful`).
//
// Each design's config struct reads its fields from an OptionMap with
// take_*(), then calls finish() so that a misspelt key is an error rather than
// silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/numbers.h"

namespace heapreplay {

// Thrown for an unknown key, a bad number or a malformed spec. The message is
// one line that names the allocator and the key.
class OptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OptionMap {
 public:
  OptionMap() = default;

  // Parses "k=v,k2=v2,flag" (the text after ':'); `owner` names the allocator
  // in messages. Throws OptionError on an empty key or a repeated key.
  static OptionMap parse(std::string_view owner, std::string_view text);

  bool empty() const { return values_.empty(); }

  // A bare flag (`faithful`) or `faithful=1|0|true|false`; removed once taken.
  bool take_flag(std::string_view key);
  // An unsigned integer with an optional K/M/G (x1024) suffix; hex with 0x.
  std::optional<std::uint64_t> take_u64(std::string_view key);
  std::optional<std::string> take_string(std::string_view key);

  // Throws OptionError naming the first key nobody took.
  void finish() const;

  const std::string& owner() const { return owner_; }

  // Every key a take_*() asked for, given or not, in the order asked: what
  // a from_options reads (the tests hold it to the design's option table).
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::string owner_;
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> asked_;
};

}  // namespace heapreplay
