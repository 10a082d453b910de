// Hexadecimal text of addresses and words, as heap dumps and diagnostics
// print them: "0x" and the digits, without leading zeros.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace heapreplay {

enum class HexCase { kLower, kUpper };

inline std::string hex(std::uint64_t v, HexCase letters = HexCase::kLower) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  char* end = std::to_chars(buf + 2, buf + sizeof buf, v, 16).ptr;
  if (letters == HexCase::kUpper)
    for (char* c = buf + 2; c != end; ++c)
      if (*c >= 'a' && *c <= 'f') *c = static_cast<char>(*c - 'a' + 'A');
  return std::string(buf, end);
}

inline std::string hex(const void* p, HexCase letters = HexCase::kLower) {
  return hex(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)), letters);
}

}  // namespace heapreplay
