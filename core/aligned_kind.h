// The C library's aligned-allocation calls, told apart: a trace records
// which one a program made (traces/event.h), and an allocator that has each
// of them makes the same call again (allocators/system/malloc_allocator.h).
// Both sides share this one enum, so neither knows the other.
#pragma once

#include <cstdint>

namespace heapreplay {

enum class AlignedKind : std::uint8_t {
  kMemalign = 0,
  kPosixMemalign = 1,
  kAlignedAlloc = 2,
  kValloc = 3,  // valloc/pvalloc: alignment is the page (pvalloc's size already rounded up)
};

}  // namespace heapreplay
