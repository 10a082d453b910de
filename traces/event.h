// The one event model every trace format is read into and every replay reads.
//
// An event names an object by a dense slot id, never by address: ids are
// reused once their object is freed, so the replay's object table needs only
// as many entries as the trace's peak number of live objects.
//
// Layout is fixed (16 bytes, little-endian) because the `.hrt` file stores the
// event stream as an array of exactly these records (see traces/FORMAT.md).
#pragma once

#include <cstdint>
#include <type_traits>

namespace heapreplay {

enum class Op : std::uint8_t {
  kMalloc = 0,   // id = malloc(size)
  kCalloc = 1,   // id = calloc(...): size holds count*element bytes (see kCallocOverflow)
  kRealloc = 2,  // id = realloc(id, size); a slot holding no object means realloc(NULL, size);
                 // size 0 frees the object (the harness does not ask allocators for 0 bytes)
  kFree = 3,     // free(id); id == kNoObject means free(NULL)
  kAligned = 4,  // id = aligned allocation of size bytes; alignment and kind in aux
};
inline constexpr int kOpCount = 5;

// Which aligned-allocation call an kAligned event came from. (Allocators have
// their own enum of the same calls, AlignedCall: they know nothing of traces,
// and the replay maps one onto the other.)
enum class AlignedKind : std::uint8_t {
  kMemalign = 0,
  kPosixMemalign = 1,
  kAlignedAlloc = 2,
  kValloc = 3,  // valloc/pvalloc: alignment is the page (pvalloc's size already rounded up)
};

inline constexpr std::uint32_t kNoObject = 0xFFFFFFFFu;
// kAligned aux: low 6 bits are log2(alignment); this value means "not a power of two".
inline constexpr std::uint8_t kAlignNotPowerOfTwo = 63;
// kCalloc aux bit: count*size overflowed 64 bits in the source; size is then UINT64_MAX.
inline constexpr std::uint8_t kCallocOverflow = 0x1;

struct Event {
  std::uint64_t size;    // requested bytes (new size for realloc; 0 for free)
  std::uint32_t id;      // object slot, < object_count, or kNoObject
  std::uint16_t thread;  // dense thread index, < thread_count
  Op op;
  std::uint8_t aux;  // kAligned: log2(alignment) | kind << 6; kCalloc: flags; else 0

  std::uint64_t alignment() const { return std::uint64_t{1} << (aux & 0x3f); }
  bool alignment_valid() const { return (aux & 0x3f) != kAlignNotPowerOfTwo; }
  AlignedKind aligned_kind() const { return static_cast<AlignedKind>(aux >> 6); }

  static std::uint8_t aligned_aux(unsigned log2_alignment, AlignedKind kind) {
    return static_cast<std::uint8_t>((log2_alignment & 0x3f) | (static_cast<unsigned>(kind) << 6));
  }
};
static_assert(sizeof(Event) == 16 && std::is_trivially_copyable_v<Event>);

const char* op_name(Op op);

}  // namespace heapreplay
