// The common allocator interface: a compile-time concept that every backend
// (our own designs, system allocators, wrappers) satisfies, plus the
// statistics record they all report.
//
// Glossary
//   request      the bytes a caller asked for (what the trace says)
//   usable size  the bytes the caller may really use (>= request)
//   footprint    bytes the allocator holds from the OS (mapped or committed)
//   metadata     bytes of that footprint that hold no payload (headers, maps)
//
// The replay loop is a template over a type satisfying `Allocator`, so no
// virtual call or lookup happens per event.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "allocators/core/capabilities.h"

namespace heapreplay {

// Alignment asked for plain malloc/calloc/realloc requests: "whatever the
// allocator's malloc guarantees" (a design's native alignment, or the system
// malloc's). Aligned requests ask for their own alignment.
inline constexpr std::size_t kNaturalAlignment = 1;

// Statistics of one allocator instance (never shared between instances).
// All byte counts are exact for our own designs; system allocators fill what
// their introspection API offers and leave the rest at zero.
struct AllocatorStats {
  std::uint64_t footprint_bytes = 0;       // held from the OS now
  std::uint64_t footprint_peak_bytes = 0;  // maximum of footprint_bytes so far
  std::uint64_t metadata_bytes = 0;        // footprint that is not payload
  std::uint64_t map_calls = 0;             // OS map/commit calls made
  std::uint64_t unmap_calls = 0;           // OS unmap/decommit calls made
  // Backend-specific figures under their own prefix, e.g. "jemalloc.active".
  std::vector<std::pair<std::string, double>> extra;
};

// Result of a heap-consistency walk: ok, or the first broken invariant.
struct CheckResult {
  bool ok = true;
  std::string problem;  // empty when ok

  static CheckResult good() { return {}; }
  static CheckResult bad(std::string why) { return {false, std::move(why)}; }
};

// The contract every backend honours:
//  - allocate(bytes, alignment): alignment is a power of two; returns nullptr on
//    failure (exhausted, absurd size, unsupported alignment); never throws and
//    never aborts. bytes == 0 returns a unique pointer or nullptr.
//  - deallocate(p, bytes, alignment): p came from this instance and is live;
//    bytes/alignment are the values it was last allocated or reallocated with.
//    deallocate(nullptr, ...) does nothing.
//  - reallocate(p, old_bytes, new_bytes, alignment): keeps the first
//    min(old, new) bytes; p == nullptr behaves as allocate; on failure returns
//    nullptr and leaves p live and unchanged. new_bytes == 0 is never passed
//    (the harness turns it into deallocate).
//  - usable_size(p) >= the request p was made with.
//  - check() walks the whole heap; dump() prints the heap map in the design's
//    own format; reset() returns to the freshly constructed state.
//  - name() is the spelling used on the command line (`-a NAME`).
//  - kThreadSafe says whether concurrent calls from several threads are safe.
//  - kCapabilities declares the optional members it has (capabilities.h), and
//    they must match: a declared member that is missing or misspelt, or a
//    member that is not declared, fails the concept.
template <class A>
concept Allocator = requires(A a, const A ca, void* p, std::size_t n, std::ostream& os) {
  { a.allocate(n, n) }
  noexcept->std::same_as<void*>;
  { a.deallocate(p, n, n) }
  noexcept;
  { a.reallocate(p, n, n, n) }
  noexcept->std::same_as<void*>;
  { ca.usable_size(p) } -> std::convertible_to<std::size_t>;
  { ca.stats() } -> std::same_as<AllocatorStats>;
  { ca.check() } -> std::same_as<CheckResult>;
  {ca.dump(os)};
  {a.reset()};
  { ca.name() } -> std::convertible_to<std::string>;
  { A::kThreadSafe } -> std::convertible_to<bool>;
}
&&CapabilitiesMatchMembers<A>;

}  // namespace heapreplay
