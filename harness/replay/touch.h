// The touch policies: what a replay writes into each block it is given, and
// their command-line names. Small on purpose: the CLI and the shell need
// these names, not the replay loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace heapreplay {

// What the replay writes into each block it is given, as a program would.
enum class Touch : std::uint8_t {
  kNone,   // nothing: measures the allocator's bookkeeping alone
  kFirst,  // the first byte
  kPages,  // one byte per 4 KiB of the block (default): every page gets faulted in
  kAll,    // every byte
};
const char* touch_name(Touch t);
std::optional<Touch> touch_from_name(std::string_view name);

}  // namespace heapreplay
