// PageSource: where our own allocator designs get memory from the OS.
//
// Always mmap, never brk/sbrk (glibc owns the program break in the same
// process). Every instance keeps exact byte accounting of what it has mapped
// (address space) and committed (readable/writable, may be resident), so a
// design's footprint is known without asking the kernel.
//
// Fault injection: a PageSource can be told to fail every Nth call that takes
// memory from the OS (map, reserve or commit), every Nth commit, or any call
// that would take its committed bytes past a budget, so that designs can be
// tested for graceful nullptr returns (`-a DESIGN:fail_map_every=7`).
//
// Not thread-safe: one instance per allocator instance.
#pragma once

#include <cstddef>
#include <cstdint>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"

namespace heapreplay {

struct PageSourceConfig {
  std::uint64_t fail_map_every = 0;     // fail every Nth map/reserve/commit call (0: never)
  std::uint64_t fail_commit_every = 0;  // fail every Nth commit call (0: never); designs that only map never commit
  std::uint64_t fail_after_bytes = 0;   // fail a map/commit that would exceed this many committed bytes (0: no limit)

  bool any() const { return fail_map_every != 0 || fail_commit_every != 0 || fail_after_bytes != 0; }

  // The keys from_options reads, for every design (`list --options`).
  static constexpr OptionInfo kOptions[] = {
      unsigned_option("fail_map_every", 0, kNoLimit, "0", "fault injection: fail every Nth map, reserve or commit"),
      unsigned_option("fail_commit_every", 0, kNoLimit, "0", "fault injection: fail every Nth commit"),
      unsigned_option("fail_after_bytes", 0, kNoLimit, "0",
                      "fault injection: fail what would commit more than this many bytes in all"),
  };

  // Reads fail_map_every / fail_commit_every / fail_after_bytes from `opts`
  // (keys are removed).
  static PageSourceConfig from_options(OptionMap& opts);
};

class PageSource {
 public:
  explicit PageSource(PageSourceConfig config = {});
  ~PageSource();
  PageSource(const PageSource&) = delete;
  PageSource& operator=(const PageSource&) = delete;

  // The OS page size in bytes (a power of two).
  static std::size_t os_page_bytes();

  // Maps `bytes` (rounded up to whole OS pages) of zeroed, committed,
  // read-write memory aligned to `alignment` (a power of two, at least the OS
  // page). Returns nullptr on failure (OS refusal or injected fault).
  void* map(std::size_t bytes, std::size_t alignment = 0);
  // Unmaps a range returned by map() with the same byte count.
  void unmap(void* p, std::size_t bytes);

  // Reserves `bytes` of address space with no access and no commitment; pages
  // become usable only after commit(). Returns nullptr on failure.
  void* reserve(std::size_t bytes, std::size_t alignment = 0);
  // Makes [p, p+bytes) of a reserved range read-write (page granular; the
  // kernel backs each page on first touch). Returns false on failure.
  bool commit(void* p, std::size_t bytes);
  // Returns [p, p+bytes) to the reserved, no-access state and drops its pages.
  void decommit(void* p, std::size_t bytes);
  // Releases a whole reserved range; `committed_in_range` is how many of its
  // bytes are committed now (the caller knows, the kernel is not asked).
  void release(void* p, std::size_t bytes, std::size_t committed_in_range);

  std::uint64_t mapped_bytes() const { return mapped_bytes_; }        // address space held
  std::uint64_t committed_bytes() const { return committed_bytes_; }  // read-write bytes held
  std::uint64_t committed_peak_bytes() const { return committed_peak_bytes_; }
  std::uint64_t map_calls() const { return map_calls_; }
  std::uint64_t unmap_calls() const { return unmap_calls_; }
  std::uint64_t injected_failures() const { return injected_failures_; }

 private:
  bool should_fail(std::size_t more_committed_bytes, bool is_commit);
  void add_committed(std::size_t bytes);

  PageSourceConfig config_;
  std::uint64_t mapped_bytes_ = 0;
  std::uint64_t committed_bytes_ = 0;
  std::uint64_t committed_peak_bytes_ = 0;
  std::uint64_t map_calls_ = 0;
  std::uint64_t unmap_calls_ = 0;
  std::uint64_t calls_seen_ = 0;
  std::uint64_t commits_seen_ = 0;
  std::uint64_t injected_failures_ = 0;
};

// Rounds n up to a multiple of the power of two `align`; returns 0 if the
// result would overflow (callers treat that as an impossible request).
constexpr std::size_t round_up(std::size_t n, std::size_t align) {
  std::size_t r = (n + align - 1) & ~(align - 1);
  return r < n ? 0 : r;
}

constexpr bool is_power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace heapreplay
