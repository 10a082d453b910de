// segfit: segregated free lists with immediate coalescing and boundary tags,
// the heap layout of seed 002 (CSE 320 sf_malloc, Fall 2021 variant).
//
// Glossary
//   row        8 bytes, the unit of the layout drawings
//   block      header row + payload; sizes are multiples of 64, at least 64
//   header     size | prev-alloc (0x2) | alloc (0x1), the row before the payload
//   footer     copy of the header in the last row of a FREE block only
//   prologue   allocated 64-byte block after 56 bytes of padding at heap start
//   epilogue   header of size 0, alloc 1, in the last row of the heap
//   wilderness the free block just before the epilogue, if any
//
// Heap: one contiguous range reserved once from PageSource and committed in
// whole pages (8192 bytes) as it grows, like sf_mem_grow. Free blocks sit in 9 circular
// doubly linked lists with sentinels (Fibonacci size classes), inserted at the
// front (LIFO) and searched first fit from the request's class upward.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/page_source.h"
#include "allocators/segfit/segfit_config.h"

namespace heapreplay {

class Segfit {
 public:
  using Config = SegfitConfig;  // what allocators/dispatch.h parses options into
  static constexpr bool kThreadSafe = false;
  static constexpr Capabilities kCapabilities{};          // nothing optional
  static constexpr std::size_t kRowBytes = 8;             // one header/footer row
  static constexpr std::size_t kAlignBytes = 64;          // payload alignment
  static constexpr std::size_t kMinBlockBytes = 64;       // M, the smallest block
  static constexpr int kNumFreeLists = 9;                 // NUM_FREE_LISTS
  static constexpr std::size_t kPaddingBytes = 56;        // unused rows before the prologue
  static constexpr std::size_t kHeapOverheadBytes = 128;  // padding + prologue + epilogue
  static constexpr std::uint64_t kAllocBit = 0x1;
  static constexpr std::uint64_t kPrevAllocBit = 0x2;

  // The heap is created lazily on the first non-empty request, as in the
  // original; constructing reserves nothing.
  explicit Segfit(SegfitConfig config = {});
  ~Segfit();
  // The free-list sentinels live inside the object and the heap points at
  // them, so an instance never moves.
  Segfit(const Segfit&) = delete;
  Segfit& operator=(const Segfit&) = delete;

  // sf_malloc. Alignments up to 64 are native; larger ones up to the OS page
  // are served by over-allocating and freeing the front. Returns nullptr (and
  // sets error() to ENOMEM) when the heap cannot grow enough, for alignments
  // that are not a power of two or exceed the OS page, and for absurd sizes.
  // bytes == 0 returns nullptr when faithful, else a minimum block.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  // sf_free: frees and coalesces immediately with both neighbours. A pointer
  // that is not a live block of this heap is ignored (counted under
  // "segfit.invalid_frees") where the original would abort().
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;
  // sf_realloc: shrinking keeps the block and splits off the rest when it is
  // at least 64 bytes (the rest coalesces with a free successor); growing is
  // allocate + copy + free. On failure returns nullptr with p untouched; an
  // invalid p gives nullptr and error() == EINVAL. new_bytes == 0 frees p and
  // returns nullptr (the harness never passes it).
  void* reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept;
  // Block size minus the header row; 0 for a pointer that is not a live block.
  std::size_t usable_size(const void* p) const;

  AllocatorStats stats() const;
  // Full walk of the heap and of the 9 lists (O(n log n)); the first broken
  // invariant as text.
  CheckResult check() const;
  // Heap start/end and the free lists by class with their block sizes, in list order.
  void dump(std::ostream& os) const;
  // Gives the whole heap back and returns to the freshly constructed state.
  void reset();
  // The name on the command line (-a segfit) and what `heapreplay list` says of it.
  static constexpr std::string_view kName = "segfit";
  static constexpr std::string_view kSummary = "sf_malloc segregated fits, boundary tags, coalescing (seed 002)";
  std::string name() const { return std::string(kName); }

  // --- Introspection for tests and reports ---
  // Free blocks as (list index, block size), list 0 to 8, each list front to back.
  std::vector<std::pair<int, std::size_t>> free_blocks() const;
  // The blocks of list `list` (0..8), front to back, each named by its payload
  // address (header + 8), i.e. the pointer it had while allocated.
  std::vector<const void*> free_list(int list) const;
  // Bytes between heap start and heap end (0 before the first request).
  std::size_t heap_bytes() const { return heap_bytes_; }
  const void* heap_start() const { return heap_; }
  // The list index for a block of `block_bytes` (a multiple of 64, >= 64).
  static int size_class(std::size_t block_bytes);
  // The block size a request of `bytes` needs (round_up(bytes + 8, 64), at
  // least 64); 0 when that overflows.
  static std::size_t block_bytes_for(std::size_t bytes);
  // The original's sf_errno: 0, ENOMEM or EINVAL; set on failure, never cleared.
  int error() const { return error_; }
  // List nodes visited by first-fit searches so far (the linear part of the design).
  std::uint64_t list_steps() const { return list_steps_; }
  const SegfitConfig& config() const { return config_; }

 private:
  using Sentinel = std::array<std::uint64_t, 3>;  // header, next, prev: the shape of a free block

  bool init_heap();
  char* find_fit(std::size_t asize);
  char* grow(std::size_t pages);
  char* grow_for(std::size_t asize);
  void* place(char* block, std::size_t asize, std::size_t alignment);
  void free_block(char* block);
  char* coalesce(char* block);
  void insert_free(char* block);
  void remove_free(char* block);
  char* sentinel(int list) const;
  char* heap_end() const { return heap_ + heap_bytes_; }
  char* epilogue() const { return heap_end() - kRowBytes; }
  char* first_block() const { return heap_ + kPaddingBytes + kMinBlockBytes; }
  char* block_of(const void* payload) const;
  void* fail(int err);

  SegfitConfig config_;
  std::optional<PageSource> pages_;   // re-created by reset() so counters restart
  char* heap_ = nullptr;              // reserved range start (64-aligned), nullptr before the first request
  std::size_t heap_bytes_ = 0;        // committed part of the range: heap end - heap start
  std::size_t heap_limit_bytes_ = 0;  // the most the heap may grow to
  mutable std::array<Sentinel, kNumFreeLists> sentinels_{};
  std::size_t free_count_ = 0;  // free blocks in the lists
  std::size_t free_bytes_ = 0;
  std::size_t allocated_count_ = 0;  // allocated blocks, prologue excluded
  std::uint64_t list_steps_ = 0;
  std::uint64_t grow_calls_ = 0;
  std::uint64_t failed_allocations_ = 0;
  std::uint64_t invalid_frees_ = 0;
  int error_ = 0;
};

static_assert(Allocator<Segfit>);

}  // namespace heapreplay
