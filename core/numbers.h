// Numbers written by people: sizes and counts with a K/M/G suffix, as the
// command line, allocator options, generator parameters and the shell take
// them. One parser, two scales: bytes count in powers of 1024 (64K is 65536
// bytes), counts in powers of 1000 (2M events are 2,000,000).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace heapreplay {

// "8192", "64K", "1M", "2g", "0x2000" (hexadecimal takes no suffix) as a
// number of bytes; nullopt if malformed or beyond 2^64-1.
std::optional<std::uint64_t> parse_size(std::string_view text);

// The same spellings as a count: K, M and G are 10^3, 10^6 and 10^9.
std::optional<std::uint64_t> parse_count(std::string_view text);

}  // namespace heapreplay
