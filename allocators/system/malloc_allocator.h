// MallocAllocator: the process's own malloc family behind the common
// interface. Which allocator that is depends on the process: glibc's, or a
// library preloaded into a child process (jemalloc, mimalloc, tcmalloc, any
// `preload:` library). The harness never loads two of them in one process.
#pragma once

#include <malloc.h>

#include <cstdlib>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "allocators/core/allocator.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

class MallocAllocator {
 public:
  static constexpr bool kThreadSafe = true;
  static constexpr Capabilities kCapabilities{.is_malloc = true,
                                              .allocate_zeroed = true,
                                              .allocate_aligned = true,
                                              .allocated_bytes = true,
                                              .footprint_bytes = true,
                                              .trim = true,
                                              .version = true,
                                              .is_active = true};
  // The alignment plain malloc guarantees for every size. (16 only for
  // requests of 16 bytes or more: jemalloc, mimalloc and tcmalloc return
  // 8-aligned blocks for smaller ones, as C allows.)
  static constexpr std::size_t kMallocAlignment = 8;

  // A system allocator of the table (system_allocator.h), which says how to
  // ask it for statistics; `api` nullptr for a library the table does not
  // know (preload:PATH, named so), which then reports none.
  MallocAllocator(std::string name, const SystemIntrospection* api) : name_(std::move(name)), api_(api) {}
  // The table's allocator `name`; throws std::invalid_argument if unknown.
  static MallocAllocator system(std::string_view name);

  void* allocate(std::size_t bytes, std::size_t alignment) noexcept {
    if (alignment <= kMallocAlignment) return std::malloc(bytes);
    void* p = nullptr;
    return posix_memalign(&p, alignment, bytes) == 0 ? p : nullptr;
  }
  // calloc itself, so an allocator that knows fresh pages are zero can skip the memset.
  void* allocate_zeroed(std::size_t bytes) noexcept { return std::calloc(1, bytes); }
  // The exact call a trace recorded.
  void* allocate_aligned(std::size_t bytes, std::size_t alignment, AlignedCall call) noexcept {
    switch (call) {
      case AlignedCall::kMemalign: return memalign(alignment, bytes);
      case AlignedCall::kPosixMemalign: {
        void* p = nullptr;
        return posix_memalign(&p, alignment, bytes) == 0 ? p : nullptr;
      }
      case AlignedCall::kAlignedAlloc: return aligned_alloc(alignment, bytes);
      case AlignedCall::kValloc: return valloc(bytes);
    }
    return nullptr;
  }
  void deallocate(void* p, std::size_t, std::size_t) noexcept { std::free(p); }
  void* reallocate(void* p, std::size_t, std::size_t new_bytes, std::size_t alignment) noexcept {
    if (alignment <= kMallocAlignment) return std::realloc(p, new_bytes);
    // realloc does not keep over-alignment: allocate, copy, free.
    void* q = allocate(new_bytes, alignment);
    if (q != nullptr && p != nullptr) {
      std::size_t old = malloc_usable_size(p);
      __builtin_memcpy(q, p, old < new_bytes ? old : new_bytes);
      std::free(p);
    }
    return q;
  }
  std::size_t usable_size(void* p) const { return malloc_usable_size(p); }

  // Asks the flavour's own introspection API (looked up at run time, so no
  // allocator library is linked into heapreplay).
  AllocatorStats stats() const;
  // Just the footprint figure of stats(), without building the extras: cheap
  // enough to call while replaying (sampling).
  std::uint64_t footprint_bytes() const;
  // The allocator's own count of bytes in live blocks, where it keeps one:
  // glibc mallinfo2 uordblks + hblkhd (chunk sizes, 8-byte headers included),
  // jemalloc stats.allocated, tcmalloc generic.current_allocated_bytes (both
  // size-class rounded). nullopt for mimalloc 2.0 and unknown libraries.
  std::optional<std::uint64_t> allocated_bytes() const;
  // Asks the allocator to give free memory back to the OS (malloc_trim,
  // jemalloc arena purge, mi_collect, tcmalloc ReleaseFreeMemory).
  void trim();
  CheckResult check() const { return CheckResult::good(); }  // no portable heap walk
  void dump(std::ostream& os) const;
  void reset() {}
  std::string name() const { return name_; }

  // The library's own version string, or "" when it offers none.
  std::string version() const;
  // Whether the flavour's library is really the active malloc of this process
  // (e.g. jemalloc's mallctl is found). Guards against a preload that failed.
  bool is_active() const;

 private:
  std::string name_;
  const SystemIntrospection* api_;
};

static_assert(Allocator<MallocAllocator>);

}  // namespace heapreplay
