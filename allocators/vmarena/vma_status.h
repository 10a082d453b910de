// VmaStatus: the outcome of a vmarena command-language operation, with the
// exact message the VMA homework prints for it (data README section 5), so a
// command interpreter only maps statuses to lines.
#pragma once

#include <cstdint>
#include <string_view>

namespace heapreplay {

enum class VmaStatus : int {
  kOk = 0,
  kOutsideArena,      // ALLOC_BLOCK: offset >= arena size (checked first)
  kEndPastArena,      // ALLOC_BLOCK: offset + size > arena size (checked second)
  kAlreadyAllocated,  // ALLOC_BLOCK: overlaps an allocated byte (checked third)
  kInvalidFree,       // FREE_BLOCK: not exactly the start of a miniblock
  kInvalidRead,       // READ: offset not inside an allocated block
  kInvalidWrite,      // WRITE: offset not inside an allocated block
  kInvalidMprotect,   // MPROTECT: not exactly the start of a miniblock
  kReadPermission,    // READ: a touched miniblock lacks R
  kWritePermission,   // WRITE: a touched miniblock lacks W
  kNoArena,           // no arena exists (before ALLOC_ARENA or after DEALLOC_ARENA)
  kBadArgument,       // a block of 0 bytes, or permission bits outside 0..7 (never in the VMA tests)
  kOutOfMemory,       // the OS refused to reserve or commit
};

// The result of READ/WRITE: the status and how many bytes were (or, with a
// permission error, would have been) transferred: min(request, bytes from the
// offset to the end of its block). bytes < request means the caller prints the
// "size was bigger than the block size" warning with N = bytes.
struct VmaAccess {
  VmaStatus status = VmaStatus::kOk;
  std::uint64_t bytes = 0;
};

// The message line (without '\n') the VMA homework prints for `s`; empty for kOk.
constexpr std::string_view vma_message(VmaStatus s) {
  switch (s) {
    case VmaStatus::kOk: return "";
    case VmaStatus::kOutsideArena: return "The allocated address is outside the size of arena";
    case VmaStatus::kEndPastArena: return "The end address is past the size of the arena";
    case VmaStatus::kAlreadyAllocated: return "This zone was already allocated.";
    case VmaStatus::kInvalidFree: return "Invalid address for free.";
    case VmaStatus::kInvalidRead: return "Invalid address for read.";
    case VmaStatus::kInvalidWrite: return "Invalid address for write.";
    case VmaStatus::kInvalidMprotect: return "Invalid address for mprotect.";
    case VmaStatus::kReadPermission: return "Invalid permissions for read.";
    case VmaStatus::kWritePermission: return "Invalid permissions for write.";
    case VmaStatus::kNoArena: return "No arena was allocated.";
    case VmaStatus::kBadArgument: return "Invalid argument.";
    case VmaStatus::kOutOfMemory: return "Out of memory.";
  }
  return "";
}

}  // namespace heapreplay
