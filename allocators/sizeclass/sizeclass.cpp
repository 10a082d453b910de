// The sizeclass design (see sizeclass.h and README.md).
#include "allocators/sizeclass/sizeclass.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "core/hex.h"

namespace heapreplay {
namespace {

constexpr std::size_t kMaxAlignmentBytes = 4096;
// Rough heap cost of one std::set node (three pointers, colour, key, malloc slack).
constexpr std::size_t kSetNodeBytes = 48;

}  // namespace

Sizeclass::Sizeclass(SizeclassConfig config)
    : config_(config),
      align_(config.memory_alignment_bytes),
      header_bytes_(round_up(sizeof(Header), config.memory_alignment_bytes)) {
  if (std::string why = config_.validate(); !why.empty()) throw std::invalid_argument("sizeclass: " + why);
  lists_.resize(config_.max_heap_size_bytes / align_ + 1);
  source_.emplace(config_.page_source);
}

Sizeclass::~Sizeclass() { release_all(); }

void Sizeclass::release_all() noexcept {
  for (std::uintptr_t a : large_) {
    auto* h = reinterpret_cast<Header*>(a);
    source_->unmap(h, h->size);
  }
  large_.clear();
  large_bytes_ = 0;
  for (Segment& s : segments_) source_->release(s.base, s.reserved_bytes, s.committed_bytes);
  segments_.clear();
  for (ClassList& l : lists_) l = ClassList{};
  live_list_blocks_ = 0;
  carved_blocks_ = 0;
  initialised_ = false;
}

void Sizeclass::reset() {
  release_all();
  source_.emplace(config_.page_source);
}

std::size_t Sizeclass::class_of(std::size_t bytes) const {
  if (bytes == 0) bytes = 1;  // the original divides by zero here; we give it the smallest class
  std::size_t s = round_up(bytes, align_);
  if (s == 0 || s > config_.max_heap_size_bytes) return 0;
  return s / align_;
}

std::byte* Sizeclass::carve(std::size_t bytes) noexcept {
  const std::size_t page = PageSource::os_page_bytes();
  if (segments_.empty() || segments_.back().reserved_bytes - segments_.back().brk_bytes < bytes) {
    std::size_t want = std::max(config_.segment_bytes, round_up(bytes, page));
    if (want == 0) return nullptr;
    void* base = source_->reserve(want);
    if (base == nullptr) return nullptr;
    try {
      segments_.push_back(Segment{static_cast<std::byte*>(base), want, 0, 0, {}});
    } catch (...) {
      source_->release(base, want, 0);
      return nullptr;
    }
  }
  Segment& s = segments_.back();
  std::size_t new_brk = s.brk_bytes + bytes;
  std::size_t need = round_up(new_brk, page);
  if (need > s.committed_bytes) {
    if (!source_->commit(s.base + s.committed_bytes, need - s.committed_bytes)) return nullptr;
    s.committed_bytes = need;
  }
  std::byte* p = s.base + s.brk_bytes;
  s.brk_bytes = new_brk;
  return p;
}

bool Sizeclass::refill(std::size_t class_index, std::size_t payload_bytes) noexcept {
  const std::size_t size = class_index * align_;
  // The original carves payload_bytes / size blocks; at least one, so that a
  // class larger than the batch still gets a block.
  std::size_t count = std::max<std::size_t>(payload_bytes / size, 1);
  const std::size_t block = header_bytes_ + size;
  const std::size_t segments_before = segments_.size();
  const std::size_t brk_before = segments_.empty() ? 0 : segments_.back().brk_bytes;
  std::byte* start = carve(count * block);
  if (start == nullptr) return false;
  Segment& seg = segments_.back();
  try {
    seg.batches.push_back(Batch{static_cast<std::size_t>(start - seg.base), static_cast<std::uint32_t>(class_index),
                                static_cast<std::uint32_t>(count)});
  } catch (...) {
    // Give the bytes back to the break so the segment stays tiled by batches.
    seg.brk_bytes = segments_.size() == segments_before ? brk_before : 0;
    return false;
  }
  // Address order, as the original's add_list links them.
  ClassList& l = lists_[class_index];
  Header* next = l.head;
  for (std::size_t j = count; j-- > 0;) {
    auto* h = reinterpret_cast<Header*>(start + j * block);
    h->size = size;
    h->is_mmap = kListBlock;
    h->next = next;
    next = h;
  }
  l.head = next;
  l.free_count += count;
  l.carved_count += count;
  carved_blocks_ += count;
  return true;
}

bool Sizeclass::init_lists() noexcept {
  // As the original's init_malloc: every class gets INITIAL_LIST_MEM_SIZE /
  // class_size blocks up front.
  initialised_ = true;
  for (std::size_t i = 1; i < lists_.size(); ++i) {
    if (config_.initial_list_mem_size_bytes / (i * align_) == 0) continue;
    if (!refill(i, config_.initial_list_mem_size_bytes)) return false;
  }
  return true;
}

void* Sizeclass::allocate_raw(std::size_t bytes) noexcept {
  if (!initialised_ && !init_lists()) return nullptr;
  if (std::size_t idx = class_of(bytes); idx != 0) {
    ClassList& l = lists_[idx];
    if (l.head == nullptr && !refill(idx, config_.add_list_size_bytes)) return nullptr;
    Header* h = l.head;
    l.head = h->next;
    --l.free_count;
    h->next = nullptr;
    ++live_list_blocks_;
    return reinterpret_cast<std::byte*>(h) + header_bytes_;
  }
  if (bytes > std::numeric_limits<std::size_t>::max() - header_bytes_) return nullptr;
  const std::size_t total = bytes + header_bytes_;
  void* m = source_->map(total);
  if (m == nullptr) return nullptr;
  try {
    large_.insert(reinterpret_cast<std::uintptr_t>(m));
  } catch (...) {
    source_->unmap(m, total);
    return nullptr;
  }
  auto* h = static_cast<Header*>(m);
  h->size = total;
  h->is_mmap = kMapped;
  h->next = nullptr;
  large_bytes_ += total;
  return static_cast<std::byte*>(m) + header_bytes_;
}

void* Sizeclass::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > kMaxAlignmentBytes) return nullptr;
  if (alignment <= align_) return allocate_raw(bytes);
  // Over-allocate so that an aligned address with a header-sized gap in front
  // of it fits; the gap holds a shim that points back at the real header.
  if (bytes > std::numeric_limits<std::size_t>::max() - header_bytes_ - alignment) return nullptr;
  auto* raw = static_cast<std::byte*>(allocate_raw(bytes + header_bytes_ + alignment - align_));
  if (raw == nullptr) return nullptr;
  auto raw_addr = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t a = (raw_addr + header_bytes_ + alignment - 1) & ~static_cast<std::uintptr_t>(alignment - 1);
  auto* shim = reinterpret_cast<Header*>(a - header_bytes_);
  shim->size = a - raw_addr;
  shim->is_mmap = kAlignedShim;
  shim->next = reinterpret_cast<Header*>(raw - header_bytes_);
  return reinterpret_cast<void*>(a);
}

Sizeclass::Header* Sizeclass::real_header(const void* p) const {
  auto* h = reinterpret_cast<Header*>(const_cast<std::byte*>(static_cast<const std::byte*>(p)) - header_bytes_);
  return h->is_mmap == kAlignedShim ? h->next : h;
}

std::size_t Sizeclass::raw_usable(const Header* h) const {
  if (h->is_mmap == kMapped) return round_up(h->size, PageSource::os_page_bytes()) - header_bytes_;
  return h->size;
}

std::size_t Sizeclass::usable_size(const void* p) const {
  if (p == nullptr) return 0;
  auto* h = reinterpret_cast<const Header*>(static_cast<const std::byte*>(p) - header_bytes_);
  if (h->is_mmap == kAlignedShim) return raw_usable(h->next) - h->size;
  return raw_usable(h);
}

void Sizeclass::release_raw(Header* h) noexcept {
  if (h->is_mmap == kMapped) {
    large_.erase(reinterpret_cast<std::uintptr_t>(h));
    large_bytes_ -= h->size;
    source_->unmap(h, h->size);
    return;
  }
  std::size_t idx = h->size / align_;
  if (idx == 0 || idx >= lists_.size()) return;  // a damaged header: leak rather than corrupt a list
  ClassList& l = lists_[idx];
  h->next = l.head;
  l.head = h;
  ++l.free_count;
  --live_list_blocks_;
}

void Sizeclass::deallocate(void* p, std::size_t, std::size_t) noexcept {
  if (p == nullptr) return;
  release_raw(real_header(p));
}

void* Sizeclass::reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept {
  if (p == nullptr) return allocate(new_bytes, alignment);
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > kMaxAlignmentBytes) return nullptr;
  if (!config_.faithful && reinterpret_cast<std::uintptr_t>(p) % alignment == 0) {
    // Stay put when a fresh allocation would land in the same class (or the
    // same number of mapped pages): moving would only cost a copy.
    std::size_t raw_req = new_bytes;
    bool fits = true;
    if (alignment > align_) {
      if (new_bytes > std::numeric_limits<std::size_t>::max() - header_bytes_ - alignment)
        fits = false;
      else
        raw_req = new_bytes + header_bytes_ + alignment - align_;
    }
    // raw_req pads for this call's alignment, but p keeps the offset its first
    // alignment gave it (an aligned_alloc block realloc'd with malloc's
    // alignment sits further in than raw_req allows), so the room after p is
    // checked on its own.
    fits = fits && new_bytes <= usable_size(p);
    Header* h = real_header(p);
    if (fits && h->is_mmap == kListBlock) {
      if (class_of(raw_req) == h->size / align_) return p;
    } else if (fits && h->is_mmap == kMapped && class_of(raw_req) == 0 &&
               raw_req <= std::numeric_limits<std::size_t>::max() - header_bytes_) {
      const std::size_t page = PageSource::os_page_bytes();
      std::size_t total = raw_req + header_bytes_;
      if (round_up(total, page) != 0 && round_up(total, page) == round_up(h->size, page)) {
        large_bytes_ = large_bytes_ - h->size + total;
        h->size = total;
        return p;
      }
    }
  }
  void* q = allocate(new_bytes, alignment);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min({old_bytes, new_bytes, usable_size(p)}));
  deallocate(p, old_bytes, alignment);
  return q;
}

AllocatorStats Sizeclass::stats() const {
  AllocatorStats s;
  s.footprint_bytes = source_->committed_bytes();
  s.footprint_peak_bytes = source_->committed_peak_bytes();
  s.map_calls = source_->map_calls();
  s.unmap_calls = source_->unmap_calls();
  std::uint64_t carved_blocks = 0, free_blocks = 0, carved_bytes = 0, bookkeeping = 0;
  for (const ClassList& l : lists_) {
    carved_blocks += l.carved_count;
    free_blocks += l.free_count;
  }
  for (const Segment& seg : segments_) {
    carved_bytes += seg.brk_bytes;
    bookkeeping += seg.batches.capacity() * sizeof(Batch);
  }
  bookkeeping +=
      lists_.capacity() * sizeof(ClassList) + segments_.capacity() * sizeof(Segment) + large_.size() * kSetNodeBytes;
  s.metadata_bytes = (carved_blocks + large_.size()) * header_bytes_ + bookkeeping;
  s.extra = {{"sizeclass.carved_bytes", static_cast<double>(carved_bytes)},
             {"sizeclass.carved_blocks", static_cast<double>(carved_blocks)},
             {"sizeclass.free_blocks", static_cast<double>(free_blocks)},
             {"sizeclass.live_list_blocks", static_cast<double>(live_list_blocks_)},
             {"sizeclass.large_mappings", static_cast<double>(large_.size())},
             {"sizeclass.large_bytes", static_cast<double>(large_bytes_)},
             {"sizeclass.segments", static_cast<double>(segments_.size())}};
  s.extra.emplace_back("sizeclass.injected_failures", static_cast<double>(source_->injected_failures()));
  return s;
}

CheckResult Sizeclass::check() const {
  const std::size_t page = PageSource::os_page_bytes();
  const int shift = std::countr_zero(align_);
  // Free-list nodes are first marked in a bitmap with one bit per align_
  // granule of carved heap (per segment, in segments_ order); the block walk
  // then reads the mark at each block start. Every node is range-checked
  // before its link is followed, so a damaged link cannot lead the walk astray.
  std::vector<std::size_t> first_word(segments_.size() + 1, 0);
  for (std::size_t k = 0; k < segments_.size(); ++k)
    first_word[k + 1] = first_word[k] + ((segments_[k].brk_bytes >> shift) + 63) / 64;
  std::vector<std::uint64_t>& marks = check_marks_;
  marks.assign(first_word.back(), 0);
  // The bit index of granule a, or kOutside if a is not in a carved range.
  constexpr std::size_t kOutside = ~std::size_t{0};
  auto granule = [&](std::uintptr_t a) -> std::size_t {
    for (std::size_t k = 0; k < segments_.size(); ++k) {
      auto base = reinterpret_cast<std::uintptr_t>(segments_[k].base);
      if (a < base || a >= base + segments_[k].brk_bytes || ((a - base) & (align_ - 1)) != 0) continue;
      return first_word[k] * 64 + ((a - base) >> shift);
    }
    return kOutside;
  };

  if (lists_[0].head != nullptr || lists_[0].carved_count != 0) return CheckResult::bad("class 0 holds blocks");
  std::uint64_t free_nodes = 0;
  for (std::size_t idx = 1; idx < lists_.size(); ++idx) {
    const ClassList& l = lists_[idx];
    std::size_t steps = 0;
    for (const Header* h = l.head; h != nullptr; h = h->next) {
      auto a = reinterpret_cast<std::uintptr_t>(h);
      if (++steps > l.carved_count)
        return CheckResult::bad("class " + std::to_string(idx * align_) +
                                ": free list longer than the blocks carved for it (a cycle?)");
      std::size_t g = granule(a);
      if (g == kOutside)
        return CheckResult::bad("class " + std::to_string(idx * align_) + ": free-list node " + hex(a) +
                                " is not in the carved heap");
      std::uint64_t bit = std::uint64_t{1} << (g % 64);
      if (marks[g / 64] & bit) return CheckResult::bad("block " + hex(a) + " is on a free list twice");
      marks[g / 64] |= bit;
      if (h->is_mmap != kListBlock || h->size != idx * align_)
        return CheckResult::bad("class " + std::to_string(idx * align_) + ": free block " + hex(a) +
                                ": header damaged (size " + std::to_string(h->size) + ", is_mmap " +
                                std::to_string(h->is_mmap) + ")");
    }
    if (steps != l.free_count)
      return CheckResult::bad("class " + std::to_string(idx * align_) + ": free list holds " + std::to_string(steps) +
                              " blocks, counter says " + std::to_string(l.free_count));
    free_nodes += steps;
  }

  std::vector<std::uint64_t> carved(lists_.size(), 0);
  std::uint64_t live = 0, free_found = 0;
  for (std::size_t k = 0; k < segments_.size(); ++k) {
    const Segment& s = segments_[k];
    auto base = reinterpret_cast<std::uintptr_t>(s.base);
    if (s.brk_bytes > s.committed_bytes || s.committed_bytes > s.reserved_bytes ||
        s.committed_bytes < round_up(s.brk_bytes, page))
      return CheckResult::bad("segment " + hex(base) + ": break/commit/reserve out of order");
    const std::uint64_t* seg_marks = marks.data() + first_word[k];
    std::size_t expect = 0;
    for (const Batch& b : s.batches) {
      if (b.offset != expect)
        return CheckResult::bad("segment " + hex(base) + ": batch at offset " + std::to_string(b.offset) +
                                " does not follow the previous one (expected " + std::to_string(expect) + ")");
      if (b.class_index == 0 || b.class_index >= lists_.size() || b.count == 0)
        return CheckResult::bad("segment " + hex(base) + ": bad batch record");
      const std::size_t size = b.class_index * align_;
      const std::size_t block = header_bytes_ + size;
      for (std::size_t j = 0; j < b.count; ++j) {
        std::size_t off = b.offset + j * block;
        std::uintptr_t a = base + off;
        auto* h = reinterpret_cast<const Header*>(a);
        std::size_t g = off >> shift;
        bool is_free = (seg_marks[g / 64] >> (g % 64)) & 1;
        if (h->size != size)
          return CheckResult::bad("block " + hex(a) + ": header size " + std::to_string(h->size) + ", expected " +
                                  std::to_string(size));
        if (h->is_mmap != kListBlock)
          return CheckResult::bad("block " + hex(a) + ": is_mmap " + std::to_string(h->is_mmap) + " in a heap block");
        if (is_free) {
          ++free_found;
        } else {
          if (h->next != nullptr)
            return CheckResult::bad("live block " + hex(a) + ": next pointer set (header damaged)");
          ++live;
        }
      }
      carved[b.class_index] += b.count;
      expect += b.count * block;
    }
    if (expect != s.brk_bytes)
      return CheckResult::bad("segment " + hex(base) + ": batches cover " + std::to_string(expect) +
                              " bytes, break is at " + std::to_string(s.brk_bytes));
  }
  // A marked granule that no block starts at was a node inside a block.
  if (free_found != free_nodes)
    return CheckResult::bad(std::to_string(free_nodes - free_found) +
                            " free-list node(s) do not start a block (a damaged link)");
  if (std::uint64_t sum = std::accumulate(carved.begin(), carved.end(), std::uint64_t{0}); sum != carved_blocks_)
    return CheckResult::bad("batches hold " + std::to_string(sum) + " blocks, " + std::to_string(carved_blocks_) +
                            " were carved");
  for (std::size_t idx = 1; idx < lists_.size(); ++idx)
    if (carved[idx] != lists_[idx].carved_count)
      return CheckResult::bad("class " + std::to_string(idx * align_) + ": " + std::to_string(carved[idx]) +
                              " blocks carved, counter says " + std::to_string(lists_[idx].carved_count));
  if (live != live_list_blocks_)
    return CheckResult::bad(std::to_string(live) + " live heap blocks, counter says " +
                            std::to_string(live_list_blocks_));

  std::uint64_t large_sum = 0;
  for (std::uintptr_t a : large_) {
    auto* h = reinterpret_cast<const Header*>(a);
    if (a % page != 0) return CheckResult::bad("mapping " + hex(a) + " is not page aligned");
    if (h->is_mmap != kMapped || h->next != nullptr || h->size <= header_bytes_ ||
        h->size - header_bytes_ <= config_.max_heap_size_bytes)
      return CheckResult::bad("mapping " + hex(a) + ": header damaged (size " + std::to_string(h->size) + ", is_mmap " +
                              std::to_string(h->is_mmap) + ")");
    large_sum += h->size;
  }
  if (large_sum != large_bytes_) return CheckResult::bad("mapped bytes do not add up");
  return CheckResult::good();
}

void Sizeclass::dump(std::ostream& os) const {
  std::uint64_t carved_bytes = 0, committed = 0;
  for (const Segment& s : segments_) {
    carved_bytes += s.brk_bytes;
    committed += s.committed_bytes;
  }
  os << "sizeclass heap: " << segments_.size() << " segment(s), " << carved_bytes << " bytes carved, " << committed
     << " bytes committed\n";
  for (std::size_t idx = 1; idx < lists_.size(); ++idx) {
    const ClassList& l = lists_[idx];
    if (l.carved_count == 0) continue;
    os << "class " << idx * align_ << ": " << l.free_count << " free of " << l.carved_count << " carved\n";
  }
  os << "large mappings: " << large_.size() << '\n';
  for (std::uintptr_t a : large_) {
    auto* h = reinterpret_cast<const Header*>(a);
    os << "  " << hex(a) << ": " << h->size << " bytes\n";
  }
}

}  // namespace heapreplay
