// Size and count parsing (see numbers.h).
#include "core/numbers.h"

#include <charconv>
#include <limits>

namespace heapreplay {

namespace {

// `unit` is 1000 or 1024: the suffixes K, M, G are unit^1, unit^2, unit^3.
std::optional<std::uint64_t> parse_scaled(std::string_view text, std::uint64_t unit) {
  if (text.empty()) return std::nullopt;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  std::uint64_t mult = 1;
  if (base == 10 && !text.empty()) {
    switch (text.back()) {
      case 'g':
      case 'G': mult *= unit; [[fallthrough]];
      case 'm':
      case 'M': mult *= unit; [[fallthrough]];
      case 'k':
      case 'K':
        mult *= unit;
        text.remove_suffix(1);
        break;
      default: break;
    }
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (v > std::numeric_limits<std::uint64_t>::max() / mult) return std::nullopt;
  return v * mult;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) { return parse_scaled(text, 1024); }

std::optional<std::uint64_t> parse_count(std::string_view text) { return parse_scaled(text, 1000); }

}  // namespace heapreplay
