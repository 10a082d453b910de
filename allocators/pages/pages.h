// Pages: the design of seed 003 (a Go page allocator). The heap is a row of
// equal pages. A page is Free, Divided (cut into blocks of one power-of-two
// class, the next power of two at or above the request, for requests under
// half a page) or Multi (one of the contiguous pages of a block of half a page
// or more). A Divided page hands out blocks at a next-free cursor, counts its
// free blocks, and goes back to Free when the last one is freed.
//
// Page headers live outside the heap (as the original's Go structs do); a
// freed block holds a 16-bit link to the previous freed block of its page.
// The default mode lets the heap grow (one reservation, committed in steps)
// and finds pages in O(log n): per-class sets of non-full Divided pages and
// an ordered map of free page runs with a size index. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/page_source.h"
#include "allocators/pages/pages_config.h"

namespace heapreplay {

class Pages {
 public:
  using Config = PagesConfig;  // what allocators/dispatch.h parses options into
  static constexpr bool kThreadSafe = false;
  static constexpr Capabilities kCapabilities{};                                // nothing optional
  enum class PageState : std::uint8_t { kFree = 0, kDivided = 1, kMulti = 2 };  // the original's values
  // The smallest class: a free block must hold its 2-byte link.
  static constexpr std::size_t kMinClassBytes = 2;

  // Reserves and commits the initial heap. Throws std::invalid_argument if
  // config.validate() fails; if the page source refuses, every allocation
  // returns nullptr.
  explicit Pages(PagesConfig config = {});
  ~Pages();
  Pages(const Pages&) = delete;
  Pages& operator=(const Pages&) = delete;

  // Requests under half a page (whose class, max(next power of two, alignment),
  // is at most half a page) get a block of a Divided page; the rest get whole
  // pages. Any power-of-two alignment up to the page size is native; larger
  // ones return nullptr. nullptr also when the heap is exhausted (faithful:
  // the fixed heap; default: heap_limit_bytes) or the size overflows.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  // p came from this instance and is live (or nullptr: nothing happens).
  // Faithful: freeing a Multi block prints its page count to the debug
  // stream, if one is set, as the original's stray debug print did.
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;
  // Faithful: allocate, copy, free (the original, which also forgot the
  // copy). Default: in place within the same class; a Multi block shrinks in
  // place and grows into the free pages after it. On failure nullptr, p intact.
  void* reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept;
  // The class size, or the Multi block's pages times the page size.
  std::size_t usable_size(const void* p) const;

  AllocatorStats stats() const;
  // Walks every page header, every free list of a Divided page, the free page
  // runs, the size index and the per-class sets.
  CheckResult check() const;
  // The original's mem_dump format: a blank line, the allocator info, one
  // line per page `<i>.Status: <Free|Divided|Multi>;Address: 0x<hex>;` (a
  // Divided page adds `Class size: <c>;Free blocks: <n>;` and shows its
  // next-free cursor; a page keeps the address it last showed when it goes
  // back to Free), the closing line and a blank line.
  void dump(std::ostream& os) const;
  // Returns everything and starts again with the initial heap.
  void reset();
  // The name on the command line (-a pages) and what `heapreplay list` says of it.
  static constexpr std::string_view kName = "pages";
  static constexpr std::string_view kSummary = "page allocator: Free/Divided/Multi pages (seed 003)";
  std::string name() const { return std::string(kName); }

  // Faithful mode: where freeing a Multi block writes its page count (the
  // original's stray `fmt.Println`); nullptr (the default) writes nothing.
  void set_debug_stream(std::ostream* os) { debug_stream_ = os; }
  std::size_t page_count() const { return pages_.size(); }
  std::size_t heap_bytes() const { return pages_.size() * page_bytes_; }
  std::uintptr_t heap_base() const { return reinterpret_cast<std::uintptr_t>(base_); }
  const PagesConfig& config() const { return config_; }

 private:
  struct PageHeader {
    std::uint64_t shown_offset = 0;  // the original's `pointer` (from the heap base) for Free and Multi pages
    std::uint32_t run_pages = 0;     // Multi: pages of the block on its first page, 0 on the others
    std::uint32_t free_blocks = 0;   // Divided: blocks not handed out
    std::uint32_t cursor = 0;        // Divided: offset of the first block never handed out
    std::uint16_t free_head = 0;     // Divided: offset of the last freed block, kNoBlock if none
    PageState state = PageState::kFree;
    std::uint8_t class_shift = 0;  // Divided: log2 of the class size
  };
  static constexpr std::uint16_t kNoBlock = 0xFFFF;

  void init_heap() noexcept;
  void release_heap() noexcept;
  std::byte* page_ptr(std::size_t idx) const { return base_ + (idx << page_shift_); }
  // Divided class shift for a request, or 0 when it takes whole pages.
  unsigned small_class_shift(std::size_t bytes, std::size_t alignment) const;
  std::size_t pages_for(std::size_t bytes) const;
  void* allocate_small(unsigned shift) noexcept;
  void* allocate_multi(std::size_t pages) noexcept;
  void free_small(std::size_t idx, std::byte* p) noexcept;
  void free_multi(std::size_t idx) noexcept;
  // First page of `pages` free pages taken out of the free runs, growing the
  // heap if allowed; kNoPage when none.
  std::size_t take_pages(std::size_t pages) noexcept;
  void release_pages(std::size_t start, std::size_t pages);
  bool grow(std::size_t min_pages) noexcept;
  bool extend_multi(std::size_t idx, std::size_t pages, std::size_t want) noexcept;
  void add_run(std::uint32_t start, std::uint32_t pages);
  void remove_run(std::map<std::uint32_t, std::uint32_t>::iterator it);
  std::string address_text(std::uint64_t offset) const;

  static constexpr std::size_t kNoPage = ~std::size_t{0};

  PagesConfig config_;
  std::size_t page_bytes_;
  unsigned page_shift_;
  std::size_t max_pages_;
  std::optional<PageSource> source_;
  std::byte* base_ = nullptr;
  std::size_t reserved_bytes_ = 0;
  std::size_t committed_bytes_ = 0;  // OS-page rounded, >= heap_bytes()
  std::vector<PageHeader> pages_;
  std::map<std::uint32_t, std::uint32_t> free_runs_;             // first page -> pages, maximal runs of Free pages
  std::set<std::pair<std::uint32_t, std::uint32_t>> fit_index_;  // default mode: (pages, first page)
  std::vector<std::set<std::uint32_t>> nonfull_;                 // by class shift: Divided pages with a free block
  std::ostream* debug_stream_ = nullptr;
  std::uint64_t live_small_ = 0;
  std::uint64_t live_multi_ = 0;
  mutable std::vector<std::uint32_t> check_stamp_;  // check() scratch: visit stamp per block slot
  mutable std::uint32_t check_generation_ = 0;
};

static_assert(Allocator<Pages>);

}  // namespace heapreplay
