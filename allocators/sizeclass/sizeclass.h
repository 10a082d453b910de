// Sizeclass: the design of seed 000 (a Rust malloc). Every block carries a
// header {size, is_mmap, next}; requests up to MAX_HEAP_SIZE are served from
// one LIFO free list per class (steps of MEMORY_ALIGMENT), each list refilled
// in batches carved from an sbrk-like heap; larger requests are mapped one by
// one and unmapped on free. Blocks are never split, merged or returned.
//
// The sbrk heap is emulated with PageSource::reserve + commit: a segment of
// address space whose "break" advances batch by batch. See README.md for what
// is kept from the original and what is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/page_source.h"
#include "allocators/sizeclass/sizeclass_config.h"

namespace heapreplay {

class Sizeclass {
 public:
  using Config = SizeclassConfig;  // what allocators/dispatch.h parses options into
  static constexpr bool kThreadSafe = false;
  static constexpr Capabilities kCapabilities{};  // nothing optional

  // Throws std::invalid_argument if config.validate() fails. Maps nothing yet:
  // like the original, the lists are carved at the first allocation.
  explicit Sizeclass(SizeclassConfig config = {});
  ~Sizeclass();
  Sizeclass(const Sizeclass&) = delete;
  Sizeclass& operator=(const Sizeclass&) = delete;

  // Any power-of-two alignment up to 4096 (larger: nullptr). Alignments above
  // memory_alignment_bytes over-allocate and leave a small forwarding header
  // just before the returned pointer. nullptr when the page source refuses or
  // the size overflows.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  // p came from this instance and is live (or nullptr: nothing happens).
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;
  // Faithful: always allocate, copy, free (the original). Default: stays in
  // place when the new size falls in the same class (or the same mapped pages)
  // and fits in the bytes after p.
  // On failure returns nullptr and p stays live and unchanged.
  void* reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept;
  // Bytes usable at p (the class size, or the mapping less its header).
  std::size_t usable_size(const void* p) const;

  AllocatorStats stats() const;
  // Walks every carved block, every free list and every large mapping.
  CheckResult check() const;
  // Per class: class size, free blocks, carved blocks; then large mappings.
  void dump(std::ostream& os) const;
  // Returns everything to the page source; the next allocation starts afresh.
  void reset();
  // The name on the command line (-a sizeclass) and what `heapreplay list` says of it.
  static constexpr std::string_view kName = "sizeclass";
  static constexpr std::string_view kSummary = "size-class free lists, no coalescing (seed 000)";
  std::string name() const { return std::string(kName); }

  const SizeclassConfig& config() const { return config_; }
  // Number of list classes, counting the unused class 0 (65 for the defaults).
  std::size_t class_count() const { return lists_.size(); }
  // Bytes of one header (24 rounded up to memory_alignment_bytes).
  std::size_t header_bytes() const { return header_bytes_; }

 private:
  // The original's header, in front of every block payload.
  struct Header {
    std::size_t size;     // list block: class size; mapped: request + header bytes; shim: offset to the real payload
    std::size_t is_mmap;  // kListBlock, kMapped, or kAlignedShim (ours)
    Header* next;         // free block: next in its list; live block: nullptr; shim: the real header
  };
  static constexpr std::size_t kListBlock = 0;
  static constexpr std::size_t kMapped = 1;
  static constexpr std::size_t kAlignedShim = 2;

  // One carve: `count` blocks of one class, contiguous from `offset`.
  struct Batch {
    std::size_t offset;
    std::uint32_t class_index;
    std::uint32_t count;
  };
  // A reserved range used like the program break.
  struct Segment {
    std::byte* base = nullptr;
    std::size_t reserved_bytes = 0;
    std::size_t brk_bytes = 0;        // carved so far
    std::size_t committed_bytes = 0;  // page-rounded, >= brk_bytes
    std::vector<Batch> batches;       // in address order, tiling [0, brk_bytes)
  };
  struct ClassList {
    Header* head = nullptr;
    std::size_t free_count = 0;
    std::size_t carved_count = 0;
  };

  void* allocate_raw(std::size_t bytes) noexcept;
  void release_raw(Header* h) noexcept;
  bool init_lists() noexcept;
  bool refill(std::size_t class_index, std::size_t payload_bytes) noexcept;
  std::byte* carve(std::size_t bytes) noexcept;
  // The header that owns p, following a shim.
  Header* real_header(const void* p) const;
  std::size_t raw_usable(const Header* h) const;
  void release_all() noexcept;
  // The class index a raw request of `bytes` uses, or 0 for the mapped path.
  std::size_t class_of(std::size_t bytes) const;

  SizeclassConfig config_;
  std::size_t align_;         // memory_alignment_bytes
  std::size_t header_bytes_;  // sizeof(Header) rounded up to align_
  std::optional<PageSource> source_;
  bool initialised_ = false;
  std::vector<ClassList> lists_;  // index = class size / align_; 0 unused
  std::vector<Segment> segments_;
  std::set<std::uintptr_t> large_;  // headers of mapped blocks
  std::uint64_t large_bytes_ = 0;   // sum of their header.size
  std::uint64_t live_list_blocks_ = 0;
  std::uint64_t carved_blocks_ = 0;
  mutable std::vector<std::uint64_t> check_marks_;  // check() scratch: one bit per align_ granule of carved heap
};

static_assert(Allocator<Sizeclass>);

}  // namespace heapreplay
