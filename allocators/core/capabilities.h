// The optional parts of the allocator interface, each named once.
//
// Every allocator declares what it offers beyond `Allocator`'s required
// members in one constant,
//
//   static constexpr Capabilities kCapabilities{.allocated_bytes = true};
//
// (designated initialisers, so a misspelt flag does not compile), and
// `Allocator` (allocator.h) holds only where the declaration and the members
// agree both ways: a declared capability whose member is missing or has the
// wrong signature (a misspelt member), and a member that is there but not
// declared (a forgotten flag), both fail to satisfy it, so the allocator's
// own `static_assert(Allocator<X>)` stops the build. A misspelt member whose
// flag is also forgotten is caught by tests/allocators/capabilities_test.cpp,
// which lists what each of our allocators is expected to declare.
//
// Code that uses an optional member asks the flag (`A::kCapabilities.trim`)
// or one of the helpers at the bottom; nothing else probes members itself.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace heapreplay {

// Which C call an over-aligned request is replayed as (allocate_aligned).
// The allocator's own enum: the replay maps a trace's recorded kind onto it.
enum class AlignedCall : std::uint8_t {
  kMemalign,
  kPosixMemalign,
  kAlignedAlloc,
  kValloc,  // valloc/pvalloc: the alignment is the page
};

// What an allocator offers beyond the required members. Every flag but
// `touchable` and `is_malloc` names the member (or members) it stands for;
// see the concept of the same name below for each one's contract.
struct Capabilities {
  bool touchable = true;  // its blocks are real memory (see Touchable)
  // Its natural alignment is malloc's own (a system allocator: allocate is
  // malloc). A replay's --malloc-alignment, which asks a design what malloc
  // promises, then asks nothing of it: asking for 16 explicitly would turn
  // its every malloc into posix_memalign and its every realloc into a copy.
  bool is_malloc = false;
  bool allocate_zeroed = false;   // AllocatesZeroed
  bool allocate_aligned = false;  // AllocatesAligned
  bool allocated_bytes = false;   // CountsAllocatedBytes
  bool footprint_bytes = false;   // ReportsFootprint
  bool trim = false;              // Trims
  bool version = false;           // ReportsVersion
  bool is_active = false;         // KnowsIfActive
  bool write = false;             // WritesChecked
  bool read = false;              // ReadsChecked
  bool move = false;              // MovesChecked

  friend constexpr bool operator==(const Capabilities&, const Capabilities&) = default;
};

// The declaration itself: a constant `kCapabilities` of type Capabilities.
template <class A>
concept DeclaresCapabilities = requires {
  { A::kCapabilities } -> std::convertible_to<Capabilities>;
};

// Touchable (a flag, no member): blocks may be read and written like any
// memory. false for an allocator whose pointers are not memory (the null
// allocator): the harness then never touches, fills or validates a block.
template <class A>
concept Touchable = DeclaresCapabilities<A> && A::kCapabilities.touchable;

// allocate_zeroed(bytes): calloc's own path, a block of `bytes` zero bytes
// at the natural alignment, or nullptr; never throws. Without it, the harness
// replays calloc as allocate() and a memset.
template <class A>
concept AllocatesZeroed = requires(A a, std::size_t n) {
  { a.allocate_zeroed(n) }
  noexcept->std::same_as<void*>;
};

// allocate_aligned(bytes, alignment, call): the exact C call a trace recorded
// (memalign, posix_memalign, aligned_alloc, valloc), nullptr on failure;
// never throws. Without it, aligned requests go to allocate(bytes, alignment).
template <class A>
concept AllocatesAligned = requires(A a, std::size_t n, AlignedCall call) {
  { a.allocate_aligned(n, n, call) }
  noexcept->std::same_as<void*>;
};

// allocated_bytes() const: the allocator's own count of bytes in live blocks
// (usable sizes, or chunk sizes where that is what it counts), cheap enough
// to read at every memory sample. A std::optional result says at run time
// whether the count is kept (nullopt: not). Without it, the replay sums
// usable_size() per allocation and per free instead.
template <class A>
concept CountsAllocatedBytes = requires(const A a) {
  { a.allocated_bytes() } -> std::convertible_to<std::optional<std::uint64_t>>;
};

// footprint_bytes() const: stats().footprint_bytes without building the rest
// of stats(), cheap enough to read at every memory sample.
template <class A>
concept ReportsFootprint = requires(const A a) {
  { a.footprint_bytes() } -> std::convertible_to<std::uint64_t>;
};

// trim(): gives free memory back to the OS (malloc_trim and its kin); the
// report's retained-after-trim figures are taken after it.
template <class A>
concept Trims = requires(A a) {
  a.trim();
};

// version() const: the library's own version string ("" when it has none).
// Without it, the report says heapreplay's own version.
template <class A>
concept ReportsVersion = requires(const A a) {
  { a.version() } -> std::convertible_to<std::string>;
};

// is_active() const: whether the library behind the allocator really is the
// process's malloc (a failed preload says false); a run refuses to start
// otherwise.
template <class A>
concept KnowsIfActive = requires(const A a) {
  { a.is_active() } -> std::convertible_to<bool>;
};

// write(p, offset, src, n): the design's own bounds-checked copy of n bytes
// into live block p at offset; 0, or the design's error code (nothing written).
template <class A>
concept WritesChecked = requires(A a, void* p, const void* src, std::size_t n) {
  { a.write(p, n, src, n) } -> std::same_as<int>;
};

// read(p, offset, dst, n) const: as write(), out of the block.
template <class A>
concept ReadsChecked = requires(const A a, const void* p, void* dst, std::size_t n) {
  { a.read(p, n, dst, n) } -> std::same_as<int>;
};

// move(dst, src): the design's own move of src's bytes into dst, freeing src;
// 0, or its error code (nothing moved, src still live).
template <class A>
concept MovesChecked = requires(A a, void* dst, void* src) {
  { a.move(dst, src) } -> std::same_as<int>;
};

// The declaration and the members agree, flag by flag. A touchable flag is
// the only way to say "not memory": the old `kTouchable` constant is refused,
// so that a stale one is not silently ignored.
template <class A>
concept CapabilitiesMatchMembers = DeclaresCapabilities<A> && !requires {
  A::kTouchable;
}
&&A::kCapabilities.allocate_zeroed == AllocatesZeroed<A>&& A::kCapabilities.allocate_aligned ==
    AllocatesAligned<A>&& A::kCapabilities.allocated_bytes ==
    CountsAllocatedBytes<A>&& A::kCapabilities.footprint_bytes == ReportsFootprint<A>&& A::kCapabilities.trim ==
    Trims<A>&& A::kCapabilities.version == ReportsVersion<A>&& A::kCapabilities.is_active ==
    KnowsIfActive<A>&& A::kCapabilities.write == WritesChecked<A>&& A::kCapabilities.read ==
    ReadsChecked<A>&& A::kCapabilities.move == MovesChecked<A>;

// Whether A's blocks may be touched (see Touchable).
template <class A>
constexpr bool touchable() {
  return A::kCapabilities.touchable;
}

// The allocator's own count of live bytes (CountsAllocatedBytes), or nullopt
// where it keeps none.
template <class A>
std::optional<std::uint64_t> allocated_bytes_of(const A& a) {
  if constexpr (A::kCapabilities.allocated_bytes)
    return a.allocated_bytes();
  else
    return std::nullopt;
}

// The footprint now: the cheap footprint_bytes() where there is one, else
// stats().footprint_bytes.
template <class A>
std::uint64_t footprint_of(const A& a) {
  if constexpr (A::kCapabilities.footprint_bytes)
    return a.footprint_bytes();
  else
    return a.stats().footprint_bytes;
}

}  // namespace heapreplay
