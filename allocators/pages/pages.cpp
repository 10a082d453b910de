// The pages design (see pages.h and README.md).
#include "allocators/pages/pages.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace heapreplay {
namespace {

constexpr std::size_t kNodeBytes = 48;  // rough heap cost of one std::map / std::set node

const char* state_name(Pages::PageState s) {
  switch (s) {
    case Pages::PageState::kFree: return "Free";
    case Pages::PageState::kDivided: return "Divided";
    case Pages::PageState::kMulti: return "Multi";
  }
  return "?";
}

}  // namespace

Pages::Pages(PagesConfig config)
    : config_(config),
      page_bytes_(config.page_size_bytes),
      page_shift_(static_cast<unsigned>(std::countr_zero(config.page_size_bytes))) {
  if (std::string why = config_.validate(); !why.empty()) throw std::invalid_argument("pages: " + why);
  source_.emplace(config_.page_source);
  init_heap();
}

Pages::~Pages() { release_heap(); }

void Pages::init_heap() noexcept {
  const std::size_t os_page = PageSource::os_page_bytes();
  const std::size_t heap = config_.memory_heap_bytes / page_bytes_ * page_bytes_;
  const std::size_t limit = config_.faithful ? heap : config_.heap_limit_bytes / page_bytes_ * page_bytes_;
  nonfull_.assign(page_shift_, {});
  reserved_bytes_ = round_up(limit, os_page);
  void* b = source_->reserve(reserved_bytes_, page_bytes_ > os_page ? page_bytes_ : 0);
  if (b == nullptr) {
    reserved_bytes_ = 0;
    max_pages_ = 0;
    return;
  }
  base_ = static_cast<std::byte*>(b);
  max_pages_ = limit / page_bytes_;
  committed_bytes_ = 0;
  const std::size_t commit = round_up(heap, os_page);
  if (!source_->commit(base_, commit)) return;
  committed_bytes_ = commit;
  pages_.resize(heap / page_bytes_);
  for (std::size_t i = 0; i < pages_.size(); ++i) pages_[i].shown_offset = i << page_shift_;
  add_run(0, static_cast<std::uint32_t>(pages_.size()));
}

void Pages::release_heap() noexcept {
  if (base_ != nullptr) source_->release(base_, reserved_bytes_, committed_bytes_);
  base_ = nullptr;
  reserved_bytes_ = 0;
  committed_bytes_ = 0;
  max_pages_ = 0;
  pages_.clear();
  free_runs_.clear();
  fit_index_.clear();
  nonfull_.clear();
  live_small_ = 0;
  live_multi_ = 0;
}

void Pages::reset() {
  release_heap();
  source_.emplace(config_.page_source);
  init_heap();
}

unsigned Pages::small_class_shift(std::size_t bytes, std::size_t alignment) const {
  const std::size_t half = page_bytes_ / 2;
  if (bytes >= half || alignment > half) return 0;
  std::size_t cls = std::bit_ceil(std::max({bytes, alignment, kMinClassBytes}));
  return static_cast<unsigned>(std::countr_zero(cls));
}

std::size_t Pages::pages_for(std::size_t bytes) const {
  std::size_t n = (bytes >> page_shift_) + ((bytes & (page_bytes_ - 1)) != 0 ? 1 : 0);
  return std::max<std::size_t>(n, 1);
}

void Pages::add_run(std::uint32_t start, std::uint32_t pages) {
  free_runs_.emplace(start, pages);
  if (!config_.faithful) fit_index_.emplace(pages, start);
}

void Pages::remove_run(std::map<std::uint32_t, std::uint32_t>::iterator it) {
  if (!config_.faithful) fit_index_.erase({it->second, it->first});
  free_runs_.erase(it);
}

bool Pages::grow(std::size_t min_pages) noexcept {
  if (config_.faithful || base_ == nullptr) return false;
  const std::size_t n = pages_.size();
  std::size_t trailing = 0;
  if (!free_runs_.empty()) {
    auto last = std::prev(free_runs_.end());
    if (last->first + last->second == n) trailing = last->second;
  }
  const std::size_t need = min_pages > trailing ? min_pages - trailing : 0;
  if (need == 0 || need > max_pages_ - n) return false;
  // A whole growth step if it fits under the limit and the page source
  // agrees, otherwise just what this request needs.
  std::size_t add = std::min(std::max(need, config_.grow_bytes / page_bytes_), max_pages_ - n);
  const std::size_t os_page = PageSource::os_page_bytes();
  for (;;) {
    std::size_t want = round_up((n + add) << page_shift_, os_page);
    if (want <= committed_bytes_ || source_->commit(base_ + committed_bytes_, want - committed_bytes_)) {
      committed_bytes_ = std::max(committed_bytes_, want);
      break;
    }
    if (add == need) return false;
    add = need;
  }
  pages_.resize(n + add);
  for (std::size_t i = n; i < n + add; ++i) pages_[i].shown_offset = i << page_shift_;
  std::size_t start = n;
  if (trailing != 0) {
    start = n - trailing;
    remove_run(free_runs_.find(static_cast<std::uint32_t>(start)));
  }
  add_run(static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(n + add - start));
  return true;
}

std::size_t Pages::take_pages(std::size_t pages) noexcept {
  if (pages > max_pages_) return kNoPage;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto it = free_runs_.end();
    if (config_.faithful) {
      // The original takes the first free pages in page order; we take the
      // first run of free pages that is long enough (a linear scan, over at
      // most the 8 pages of the original heap).
      it = std::find_if(free_runs_.begin(), free_runs_.end(), [&](auto& r) { return r.second >= pages; });
    } else if (auto f = fit_index_.lower_bound({static_cast<std::uint32_t>(pages), 0}); f != fit_index_.end()) {
      it = free_runs_.find(f->second);  // best fit, lowest page among equals
    }
    if (it != free_runs_.end()) {
      std::uint32_t start = it->first, len = it->second;
      remove_run(it);
      if (len > pages) add_run(start + static_cast<std::uint32_t>(pages), len - static_cast<std::uint32_t>(pages));
      return start;
    }
    if (attempt == 1 || !grow(pages)) return kNoPage;
  }
  return kNoPage;
}

void Pages::release_pages(std::size_t start, std::size_t pages) {
  auto s = static_cast<std::uint32_t>(start);
  auto n = static_cast<std::uint32_t>(pages);
  if (auto next = free_runs_.find(s + n); next != free_runs_.end()) {
    n += next->second;
    remove_run(next);
  }
  if (auto it = free_runs_.lower_bound(s); it != free_runs_.begin()) {
    --it;
    if (it->first + it->second == s) {
      s = it->first;
      n += it->second;
      remove_run(it);
    }
  }
  add_run(s, n);
}

void* Pages::allocate_small(unsigned shift) noexcept {
  std::set<std::uint32_t>& nonfull = nonfull_[shift];
  std::size_t idx;
  if (nonfull.empty()) {
    idx = take_pages(1);
    if (idx == kNoPage) return nullptr;
    PageHeader& h = pages_[idx];
    h.state = PageState::kDivided;
    h.class_shift = static_cast<std::uint8_t>(shift);
    h.free_blocks = static_cast<std::uint32_t>(page_bytes_ >> shift);
    h.cursor = 0;
    h.free_head = kNoBlock;
    nonfull.insert(static_cast<std::uint32_t>(idx));
  } else {
    idx = *nonfull.begin();  // the lowest page of the class, as the original's search
  }
  PageHeader& h = pages_[idx];
  std::byte* page = page_ptr(idx);
  std::uint32_t off;
  if (h.free_head != kNoBlock) {
    off = h.free_head;
    std::memcpy(&h.free_head, page + off, sizeof h.free_head);
  } else {
    off = h.cursor;
    h.cursor += 1u << shift;
  }
  if (--h.free_blocks == 0) nonfull.erase(static_cast<std::uint32_t>(idx));
  ++live_small_;
  return page + off;
}

void* Pages::allocate_multi(std::size_t pages) noexcept {
  std::size_t start = take_pages(pages);
  if (start == kNoPage) return nullptr;
  for (std::size_t i = start; i < start + pages; ++i) {
    pages_[i].state = PageState::kMulti;
    pages_[i].run_pages = i == start ? static_cast<std::uint32_t>(pages) : 0;
  }
  ++live_multi_;
  return page_ptr(start);
}

void* Pages::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > page_bytes_) return nullptr;
  // The heap's address space could not be reserved at construction (a
  // transient refusal, or an injected one): the default setting tries again
  // rather than failing for ever; the faithful one keeps its fixed heap.
  if (base_ == nullptr && !config_.faithful) init_heap();
  if (base_ == nullptr) return nullptr;
  if (unsigned shift = small_class_shift(bytes, alignment); shift != 0) return allocate_small(shift);
  return allocate_multi(pages_for(bytes));
}

void Pages::free_small(std::size_t idx, std::byte* p) noexcept {
  PageHeader& h = pages_[idx];
  std::byte* page = page_ptr(idx);
  std::memcpy(p, &h.free_head, sizeof h.free_head);
  h.free_head = static_cast<std::uint16_t>(p - page);
  --live_small_;
  std::set<std::uint32_t>& nonfull = nonfull_[h.class_shift];
  if (h.free_blocks++ == 0) nonfull.insert(static_cast<std::uint32_t>(idx));
  if (h.free_blocks != page_bytes_ >> h.class_shift) return;
  // The last block came back: the page is Free again and keeps showing the
  // address its cursor had reached.
  nonfull.erase(static_cast<std::uint32_t>(idx));
  h.shown_offset = (idx << page_shift_) + h.cursor;
  h = PageHeader{h.shown_offset};
  release_pages(idx, 1);
}

void Pages::free_multi(std::size_t idx) noexcept {
  const std::size_t pages = pages_[idx].run_pages;
  if (config_.faithful && debug_stream_ != nullptr) *debug_stream_ << pages << '\n';
  for (std::size_t i = idx; i < idx + pages; ++i) pages_[i] = PageHeader{pages_[i].shown_offset};
  --live_multi_;
  release_pages(idx, pages);
}

void Pages::deallocate(void* p, std::size_t, std::size_t) noexcept {
  if (p == nullptr) return;
  auto* b = static_cast<std::byte*>(p);
  std::size_t idx = static_cast<std::size_t>(b - base_) >> page_shift_;
  if (pages_[idx].state == PageState::kDivided)
    free_small(idx, b);
  else if (pages_[idx].state == PageState::kMulti)
    free_multi(idx);
}

bool Pages::extend_multi(std::size_t idx, std::size_t pages, std::size_t want) noexcept {
  const std::size_t extra = want - pages;
  const std::size_t next = idx + pages;
  auto it = free_runs_.find(static_cast<std::uint32_t>(next));
  std::size_t avail = it != free_runs_.end() ? it->second : 0;
  if (avail < extra) {
    // Free pages up to the end of the heap: the heap can grow under them.
    if (next + avail != pages_.size() || !grow(extra)) return false;
    it = free_runs_.find(static_cast<std::uint32_t>(next));
    if (it == free_runs_.end() || it->second < extra) return false;
  }
  std::uint32_t len = it->second;
  remove_run(it);
  if (len > extra) add_run(static_cast<std::uint32_t>(next + extra), len - static_cast<std::uint32_t>(extra));
  for (std::size_t i = next; i < next + extra; ++i) {
    pages_[i].state = PageState::kMulti;
    pages_[i].run_pages = 0;
  }
  pages_[idx].run_pages = static_cast<std::uint32_t>(want);
  return true;
}

void* Pages::reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept {
  if (p == nullptr) return allocate(new_bytes, alignment);
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > page_bytes_) return nullptr;
  const std::size_t idx = static_cast<std::size_t>(static_cast<std::byte*>(p) - base_) >> page_shift_;
  if (!config_.faithful && reinterpret_cast<std::uintptr_t>(p) % alignment == 0) {
    const PageHeader h = pages_[idx];
    const unsigned shift = small_class_shift(new_bytes, alignment);
    if (h.state == PageState::kDivided && shift == h.class_shift) return p;
    if (h.state == PageState::kMulti && shift == 0) {
      const std::size_t want = pages_for(new_bytes), have = h.run_pages;
      if (want == have) return p;
      if (want < have) {
        for (std::size_t i = idx + want; i < idx + have; ++i) pages_[i] = PageHeader{pages_[i].shown_offset};
        pages_[idx].run_pages = static_cast<std::uint32_t>(want);
        release_pages(idx + want, have - want);
        return p;
      }
      if (want <= max_pages_ && extend_multi(idx, have, want)) return p;
    }
  }
  void* q = allocate(new_bytes, alignment);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min({old_bytes, new_bytes, usable_size(p)}));
  deallocate(p, old_bytes, alignment);
  return q;
}

std::size_t Pages::usable_size(const void* p) const {
  if (p == nullptr) return 0;
  std::size_t idx = static_cast<std::size_t>(static_cast<const std::byte*>(p) - base_) >> page_shift_;
  const PageHeader& h = pages_[idx];
  if (h.state == PageState::kDivided) return std::size_t{1} << h.class_shift;
  if (h.state == PageState::kMulti) return std::size_t{h.run_pages} << page_shift_;
  return 0;
}

AllocatorStats Pages::stats() const {
  AllocatorStats s;
  s.footprint_bytes = source_->committed_bytes();
  s.footprint_peak_bytes = source_->committed_peak_bytes();
  s.map_calls = source_->map_calls();
  s.unmap_calls = source_->unmap_calls();
  std::uint64_t free_pages = 0, divided = 0, multi = 0, nonfull_entries = 0;
  for (const PageHeader& h : pages_) {
    if (h.state == PageState::kFree)
      ++free_pages;
    else if (h.state == PageState::kDivided)
      ++divided;
    else
      ++multi;
  }
  for (const auto& set : nonfull_) nonfull_entries += set.size();
  s.metadata_bytes =
      pages_.capacity() * sizeof(PageHeader) + (free_runs_.size() + fit_index_.size() + nonfull_entries) * kNodeBytes;
  s.extra = {{"pages.heap_bytes", static_cast<double>(heap_bytes())},
             {"pages.pages", static_cast<double>(pages_.size())},
             {"pages.free_pages", static_cast<double>(free_pages)},
             {"pages.divided_pages", static_cast<double>(divided)},
             {"pages.multi_pages", static_cast<double>(multi)},
             {"pages.free_runs", static_cast<double>(free_runs_.size())},
             {"pages.live_small_blocks", static_cast<double>(live_small_)},
             {"pages.live_multi_blocks", static_cast<double>(live_multi_)}};
  s.extra.emplace_back("pages.injected_failures", static_cast<double>(source_->injected_failures()));
  return s;
}

CheckResult Pages::check() const {
  const std::size_t n = pages_.size();
  auto page_text = [](std::size_t i) { return "page " + std::to_string(i); };
  if ((n << page_shift_) > committed_bytes_ || committed_bytes_ > reserved_bytes_ || n > max_pages_)
    return CheckResult::bad("heap of " + std::to_string(n) + " pages exceeds what is committed or reserved");

  std::uint64_t run_total = 0;
  std::size_t prev_end = 0;
  bool first = true;
  for (auto [start, len] : free_runs_) {
    if (len == 0 || std::size_t{start} + len > n)
      return CheckResult::bad("free run at " + page_text(start) + " of " + std::to_string(len) +
                              " pages is empty or runs past the heap");
    if (!first && start <= prev_end)
      return CheckResult::bad(start < prev_end ? "free runs overlap at " + page_text(start)
                                               : "adjacent free runs at " + page_text(start) + " not merged");
    for (std::size_t i = start; i < std::size_t{start} + len; ++i)
      if (pages_[i].state != PageState::kFree)
        return CheckResult::bad(page_text(i) + " is in a free run but is " + state_name(pages_[i].state));
    prev_end = std::size_t{start} + len;
    first = false;
    run_total += len;
  }
  if (!config_.faithful) {
    if (fit_index_.size() != free_runs_.size()) return CheckResult::bad("size index and free runs differ in count");
    for (auto [len, start] : fit_index_) {
      auto it = free_runs_.find(start);
      if (it == free_runs_.end() || it->second != len)
        return CheckResult::bad("size index entry for " + page_text(start) + " does not match a free run");
    }
  }

  if (check_stamp_.size() < page_bytes_ / kMinClassBytes) check_stamp_.assign(page_bytes_ / kMinClassBytes, 0);
  std::uint64_t free_pages = 0, small_live = 0, multi_live = 0, nonfull_pages = 0;
  for (std::size_t i = 0; i < n;) {
    const PageHeader& h = pages_[i];
    if (h.state == PageState::kFree) {
      ++free_pages;
      ++i;
    } else if (h.state == PageState::kDivided) {
      if (h.class_shift < 1 || h.class_shift >= page_shift_)
        return CheckResult::bad(page_text(i) + ": class shift " + std::to_string(h.class_shift) + " out of range");
      const std::uint32_t cls = 1u << h.class_shift;
      const std::size_t blocks = page_bytes_ >> h.class_shift;
      if (h.cursor % cls != 0 || h.cursor > page_bytes_)
        return CheckResult::bad(page_text(i) + ": cursor " + std::to_string(h.cursor) + " is not a block offset");
      if (h.free_blocks >= blocks)
        return CheckResult::bad(page_text(i) + ": " + std::to_string(h.free_blocks) + " of " + std::to_string(blocks) +
                                " blocks free but still Divided");
      if ((nonfull_[h.class_shift].count(static_cast<std::uint32_t>(i)) != 0) != (h.free_blocks > 0))
        return CheckResult::bad(page_text(i) + ": membership of the class-" + std::to_string(cls) +
                                " set disagrees with " + std::to_string(h.free_blocks) + " free blocks");
      if (h.free_blocks > 0) ++nonfull_pages;
      if (++check_generation_ == 0) {
        std::fill(check_stamp_.begin(), check_stamp_.end(), 0);
        check_generation_ = 1;
      }
      std::size_t listed = 0;
      const std::byte* page = page_ptr(i);
      for (std::uint32_t off = h.free_head; off != kNoBlock;) {
        if (off >= h.cursor || off % cls != 0)
          return CheckResult::bad(page_text(i) + ": free-block link " + std::to_string(off) +
                                  " is not a handed-out block of class " + std::to_string(cls) + " (a damaged block?)");
        std::uint32_t& stamp = check_stamp_[off >> h.class_shift];
        if (stamp == check_generation_)
          return CheckResult::bad(page_text(i) + ": free list loops at offset " + std::to_string(off));
        stamp = check_generation_;
        ++listed;
        std::uint16_t next;
        std::memcpy(&next, page + off, sizeof next);
        off = next;
      }
      const std::size_t untouched = (page_bytes_ - h.cursor) >> h.class_shift;
      if (listed + untouched != h.free_blocks)
        return CheckResult::bad(page_text(i) + ": " + std::to_string(listed) + " freed + " + std::to_string(untouched) +
                                " never used blocks, counter says " + std::to_string(h.free_blocks) + " free");
      small_live += blocks - h.free_blocks;
      ++i;
    } else if (h.state == PageState::kMulti) {
      if (h.run_pages == 0) return CheckResult::bad(page_text(i) + ": Multi page outside any Multi block");
      if (i + h.run_pages > n) return CheckResult::bad(page_text(i) + ": Multi block runs past the heap");
      for (std::size_t j = 1; j < h.run_pages; ++j)
        if (pages_[i + j].state != PageState::kMulti || pages_[i + j].run_pages != 0)
          return CheckResult::bad(page_text(i + j) + ": not a continuation of the Multi block at " + page_text(i));
      ++multi_live;
      i += h.run_pages;
    } else {
      return CheckResult::bad(page_text(i) + ": unknown state " + std::to_string(static_cast<int>(h.state)));
    }
  }
  if (free_pages != run_total)
    return CheckResult::bad(std::to_string(free_pages) + " Free pages, free runs cover " + std::to_string(run_total));
  std::uint64_t set_entries = 0;
  for (const auto& set : nonfull_) set_entries += set.size();
  if (set_entries != nonfull_pages)
    return CheckResult::bad("class sets hold " + std::to_string(set_entries) + " pages, " +
                            std::to_string(nonfull_pages) + " Divided pages have free blocks");
  if (small_live != live_small_ || multi_live != live_multi_)
    return CheckResult::bad("walk found " + std::to_string(small_live) + " small and " + std::to_string(multi_live) +
                            " Multi blocks, counters say " + std::to_string(live_small_) + " and " +
                            std::to_string(live_multi_));
  return CheckResult::good();
}

std::string Pages::address_text(std::uint64_t offset) const {
  std::ostringstream os;
  os << "0x" << std::hex << (config_.relative_addresses ? offset : heap_base() + offset);
  return os.str();
}

void Pages::dump(std::ostream& os) const {
  os << "\n|------------Allocator Info------------|\n"
     << "Memory heap: " << heap_bytes() << '\n'
     << "Page size: " << page_bytes_ << '\n'
     << "Amount of pages: " << pages_.size() << '\n'
     << "|--------------Pages Info--------------|\n";
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    const PageHeader& h = pages_[i];
    std::uint64_t shown = h.state == PageState::kDivided ? (i << page_shift_) + h.cursor : h.shown_offset;
    os << i << ".Status: " << state_name(h.state) << ";Address: " << address_text(shown) << ';';
    if (h.state == PageState::kDivided)
      os << "Class size: " << (std::size_t{1} << h.class_shift) << ";Free blocks: " << h.free_blocks << ';';
    os << '\n';
  }
  os << "|--------------------------------------|\n\n";
}

}  // namespace heapreplay
