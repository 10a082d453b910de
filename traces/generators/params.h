// Generator parameters: the `key=value` pairs given with `heapreplay gen
// --param`, checked against the kind's table of ParamSpec (one row per
// parameter: name, default, unit, meaning; the README's tables are these), and
// read back typed.
//
// Values:
//   count    1000, 10k, 2M, 1G      (decimal multiples: x1000, x10^6, x10^9)
//   bytes    4096, 4K, 1M, 2G, 0x40 (binary multiples: KiB, MiB, GiB)
//   decimal  3, 0.25, 1.5           (parsed exactly: digits / 10^k, one IEEE division)
//   share    0.05 or 5%             (a decimal in [0, 1])
// Phased kinds (synthetic) also take `pN.key=value`, which sets key for phase
// N only (1-based); a plain key sets it for every phase.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/numbers.h"

namespace heapreplay {

// A parameter or generator input a user got wrong. what() is one line.
struct GenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ParamSpec {
  std::string_view name;
  std::string_view default_value;  // read by the same rules as a user's value; "" = none (see meaning)
  std::string_view unit;           // "bytes", "events", "share", "count", "name", ...
  std::string_view meaning;        // one line
};

// The value parsers; nullopt when malformed or out of range. Counts and
// bytes: parse_count and parse_size (core/numbers.h).
std::optional<double> parse_decimal(std::string_view text);  // also "N%" (= N/100)

class GenParams {
 public:
  // Parses `items` ("key=value"). Throws GenError for a malformed item, a key
  // given twice, a key not in `specs`, or (phased) a phase prefix beyond the
  // value of `phases`. `kind` names the generator in messages.
  GenParams(std::string kind, std::span<const ParamSpec> specs, const std::vector<std::string>& items,
            bool phased = false);

  const std::string& kind() const { return kind_; }
  int phases() const { return phases_; }

  // Whether the user set `name` for phase `phase` (0: not phase-specific).
  bool given(std::string_view name, int phase = 0) const;

  // Typed reads of the value for `phase`: `pN.name`, else `name`, else the
  // default. Throw GenError ("KIND: parameter 'KEY' needs ..., not 'VALUE'")
  // when malformed or outside [lo, hi].
  std::uint64_t count(std::string_view name, int phase = 0, std::uint64_t lo = 0,
                      std::uint64_t hi = ~std::uint64_t{0}) const;
  std::uint64_t bytes(std::string_view name, int phase = 0, std::uint64_t lo = 0,
                      std::uint64_t hi = ~std::uint64_t{0}) const;
  double decimal(std::string_view name, int phase = 0, double lo = 0.0, double hi = 1e300) const;
  double share(std::string_view name, int phase = 0) const { return decimal(name, phase, 0.0, 1.0); }
  bool flag(std::string_view name, int phase = 0) const;  // 0/1, no/yes, false/true
  std::string text(std::string_view name, int phase = 0) const;
  // One of `allowed`; the message lists them.
  std::string choice(std::string_view name, std::span<const std::string_view> allowed, int phase = 0) const;

  // Throws GenError in the format above (for checks that involve several parameters).
  [[noreturn]] void fail(std::string_view name, int phase, const std::string& need) const;

 private:
  // The value and the key it came from; the default when not given.
  std::pair<std::string, std::string> lookup(std::string_view name, int phase) const;
  const ParamSpec& spec(std::string_view name) const;

  std::string kind_;
  std::span<const ParamSpec> specs_;
  std::map<std::string, std::string, std::less<>> given_;
  bool phased_ = false;
  int phases_ = 1;
};

}  // namespace heapreplay
