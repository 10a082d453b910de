// vmarena: the virtual memory arena of seed 004 (see vmarena.h and README.md).
#include "allocators/vmarena/vmarena.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <new>
#include <ostream>

#include "core/hex.h"

namespace heapreplay {
namespace {

// printf("0x%lX"): uppercase hex, no leading zeros.
std::string vma_hex(std::uint64_t v) { return hex(v, HexCase::kUpper); }

std::string perm_text(std::uint8_t perm) {
  std::string s = "---";
  if (perm & Vmarena::kPermRead) s[0] = 'R';
  if (perm & Vmarena::kPermWrite) s[1] = 'W';
  if (perm & Vmarena::kPermExec) s[2] = 'X';
  return s;
}

std::uint64_t page_bytes() { return PageSource::os_page_bytes(); }
std::uint64_t page_floor(std::uint64_t x) { return x & ~(page_bytes() - 1); }
// Callers pass offsets inside the reservation, so this never overflows.
std::uint64_t page_ceil(std::uint64_t x) { return (x + page_bytes() - 1) & ~(page_bytes() - 1); }

// Map node size: the value plus colour and three links of a red-black tree node.
constexpr std::size_t kMapNodeOverheadBytes = 32;

}  // namespace

Vmarena::Vmarena(VmarenaConfig config) : config_(config) {
  pages_.emplace(config_.page_source);
  if (config_.arena_bytes != 0) create_arena(config_.arena_bytes);
}

Vmarena::~Vmarena() { dealloc_arena(); }

void Vmarena::reset() {
  dealloc_arena();
  pages_.emplace(config_.page_source);
  if (config_.arena_bytes != 0) create_arena(config_.arena_bytes);
}

VmaStatus Vmarena::create_arena(std::uint64_t bytes) {
  dealloc_arena();
  if (bytes != 0) {
    const std::uint64_t reserved = round_up(bytes, page_bytes());
    if (reserved == 0) return VmaStatus::kOutOfMemory;  // within a page of 2^64: its last page would end past it
    // An arena the OS will not reserve in one piece (past the address space
    // left: about 60 GiB under valgrind, 128 TiB natively) stays sparse.
    void* base = config_.sparse ? nullptr : pages_->reserve(reserved, 0);
    sparse_ = base == nullptr;
    base_ = static_cast<char*>(base);
    reserved_bytes_ = reserved;
    gaps_.insert(0, bytes);
  }
  if (sparse_) {
    committed_.attach_sparse(&*pages_);
  } else {
    committed_.attach(&*pages_, base_);
  }
  has_arena_ = true;
  arena_bytes_ = bytes;
  return VmaStatus::kOk;
}

void Vmarena::dealloc_arena() {
  if (base_ != nullptr) pages_->release(base_, reserved_bytes_, committed_.committed_bytes());
  base_ = nullptr;
  sparse_ = false;
  reserved_bytes_ = 0;
  committed_.attach(&*pages_, nullptr);  // unmaps the pages of a sparse arena
  minis_.clear();
  gaps_.clear();
  has_arena_ = false;
  arena_bytes_ = 0;
  block_count_ = 0;
  allocated_bytes_ = 0;
}

// Makes [offset, offset + size) a miniblock carved out of `gap`, which holds it.
void Vmarena::place(std::uint64_t offset, std::uint64_t size, const GapIndex::Gap& gap) {
  const std::uint64_t end = offset + size;
  minis_.emplace(offset, Mini{size, kPermDefault});  // first: the only step that can throw
  // Reuse the gap's index node for whichever part remains (no rebalancing).
  if (gap.start < offset) {
    gaps_.assign(gap.start, gap.start, offset - gap.start);
    if (end < gap.end()) gaps_.insert(end, gap.end() - end);
  } else if (end < gap.end()) {
    gaps_.assign(gap.start, end, gap.end() - end);
  } else {
    gaps_.erase(gap.start);
  }
  // A gap is maximal, so its ends touch allocated bytes unless they are the arena's ends.
  const bool joins_left = gap.start == offset && offset > 0;
  const bool joins_right = gap.end() == end && end < arena_bytes_;
  block_count_ = block_count_ + 1 - joins_left - joins_right;
  allocated_bytes_ += size;
}

VmaStatus Vmarena::alloc_at(std::uint64_t offset, std::uint64_t size) {
  if (!has_arena_) return VmaStatus::kNoArena;
  if (offset >= arena_bytes_) return VmaStatus::kOutsideArena;
  if (size > arena_bytes_ - offset) return VmaStatus::kEndPastArena;
  if (size == 0) return VmaStatus::kBadArgument;
  // Free iff one gap holds the whole range: the gap starting at or before offset.
  const auto gap = gaps_.floor(offset);
  if (!gap || gap->end() < offset + size) return VmaStatus::kAlreadyAllocated;
  place(offset, size, *gap);
  // Never-written bytes read as zeros: clear what a freed block left behind.
  if (has_memory()) zero_committed(offset, offset + size);
  return VmaStatus::kOk;
}

void Vmarena::free_miniblock(MiniMap::iterator it) {
  const std::uint64_t begin = it->first;
  const std::uint64_t end = begin + it->second.size;
  const bool left_allocated = it != minis_.begin() && [&] {
    auto p = std::prev(it);
    return p->first + p->second.size == begin;
  }();
  const bool right_allocated = [&] {
    auto n = std::next(it);
    return n != minis_.end() && n->first == end;
  }();
  allocated_bytes_ -= it->second.size;
  minis_.erase(it);
  block_count_ = block_count_ - 1 + left_allocated + right_allocated;

  // Merge with the gaps on either side, reusing one of their index nodes.
  const bool gap_left = !left_allocated && begin > 0;
  const bool gap_right = !right_allocated && end < arena_bytes_;
  std::uint64_t gap_end = end;
  if (gap_right) {
    gap_end = gaps_.find(end)->end();
    if (gap_left) gaps_.erase(end);
  }
  if (gap_left) {
    const auto left = gaps_.floor(begin);  // ends exactly at begin
    gaps_.assign(left->start, left->start, gap_end - left->start);
  } else if (gap_right) {
    gaps_.assign(end, begin, gap_end - begin);
  } else {
    gaps_.insert(begin, end - begin);
  }
  release_bytes(begin, end);
}

VmaStatus Vmarena::free_at(std::uint64_t offset) {
  if (!has_arena_) return VmaStatus::kNoArena;
  auto it = minis_.find(offset);
  if (it == minis_.end()) return VmaStatus::kInvalidFree;
  free_miniblock(it);
  return VmaStatus::kOk;
}

// [begin, end) has just become free. Pages no miniblock overlaps any more are
// decommitted, so inside a gap only its two edge pages can be committed; the
// freed bytes there keep their contents until alloc_at() clears them.
void Vmarena::release_bytes(std::uint64_t begin, std::uint64_t end) {
  if (!has_memory() || begin >= end) return;
  const std::uint64_t first = page_floor(begin);
  const std::uint64_t last_end = page_ceil(end);
  auto succ = minis_.lower_bound(end);
  const bool right_shared = succ != minis_.end() && succ->first < last_end;
  bool left_shared = false;
  auto pred = minis_.lower_bound(begin);
  if (pred != minis_.begin()) {
    --pred;
    left_shared = pred->first + pred->second.size > first;
  }
  const std::uint64_t dec_begin = first + (left_shared ? page_bytes() : 0);
  const std::uint64_t dec_end = last_end - (right_shared ? page_bytes() : 0);
  if (dec_begin < dec_end) committed_.decommit(dec_begin, dec_end);
}

// At most the two edge pages of the gap it came from are committed (see
// release_bytes), so this touches at most two pages.
void Vmarena::zero_committed(std::uint64_t begin, std::uint64_t end) {
  committed_.for_each_committed(begin, end,
                                [](std::uint64_t b, std::uint64_t e, char* mem) { std::memset(mem, 0, e - b); });
}

Vmarena::MiniMap::const_iterator Vmarena::containing(std::uint64_t offset) const {
  auto it = minis_.upper_bound(offset);
  if (it == minis_.begin()) return minis_.end();
  --it;
  return offset - it->first < it->second.size ? it : minis_.end();
}

// The end of the block holding allocated `offset`: where the next gap starts.
std::uint64_t Vmarena::block_end(std::uint64_t offset) const {
  const auto gap = gaps_.ceil(offset);
  return gap ? gap->start : arena_bytes_;
}

std::uint64_t Vmarena::bytes_available(std::uint64_t offset) const {
  if (!has_arena_ || containing(offset) == minis_.end()) return 0;
  return block_end(offset) - offset;
}

// The clipped length of an access and the first error it would meet: offset
// not allocated (`invalid`), or a touched miniblock without `perm` (`denied`).
VmaAccess Vmarena::check_access(std::uint64_t offset, std::uint64_t n, std::uint8_t perm, VmaStatus invalid,
                                VmaStatus denied) const {
  if (!has_arena_) return {VmaStatus::kNoArena, 0};
  auto it = containing(offset);
  if (it == minis_.end()) return {invalid, 0};
  const std::uint64_t bytes = std::min(n, block_end(offset) - offset);
  const std::uint64_t end = offset + bytes;
  for (auto m = it; m != minis_.end() && (m == it || m->first < end); ++m)
    if ((m->second.perm & perm) == 0) return {denied, bytes};
  return {VmaStatus::kOk, bytes};
}

VmaAccess Vmarena::check_read(std::uint64_t offset, std::uint64_t n) const {
  return check_access(offset, n, kPermRead, VmaStatus::kInvalidRead, VmaStatus::kReadPermission);
}

VmaAccess Vmarena::check_write(std::uint64_t offset, std::uint64_t n) const {
  return check_access(offset, n, kPermWrite, VmaStatus::kInvalidWrite, VmaStatus::kWritePermission);
}

VmaAccess Vmarena::read(std::uint64_t offset, std::uint64_t n, void* out) const {
  const VmaAccess a = check_read(offset, n);
  if (a.status != VmaStatus::kOk) return a;
  const std::uint64_t end = offset + a.bytes;
  auto* dst = static_cast<char*>(out);
  if (a.bytes != 0) std::memset(dst, 0, a.bytes);
  committed_.for_each_committed(offset, end, [&](std::uint64_t b, std::uint64_t e, const char* mem) {
    std::memcpy(dst + (b - offset), mem, e - b);
  });
  return a;
}

bool Vmarena::commit_bytes(std::uint64_t begin, std::uint64_t end) {
  return begin >= end || committed_.commit(page_floor(begin), page_ceil(end));
}

VmaAccess Vmarena::write(std::uint64_t offset, const void* data, std::uint64_t n) {
  const VmaAccess a = check_write(offset, n);
  if (a.status != VmaStatus::kOk) return a;
  if (!commit_bytes(offset, offset + a.bytes)) return {VmaStatus::kOutOfMemory, a.bytes};
  const auto* src = static_cast<const char*>(data);
  committed_.for_each_committed(offset, offset + a.bytes, [&](std::uint64_t b, std::uint64_t e, char* mem) {
    std::memcpy(mem, src + (b - offset), e - b);
  });
  return a;
}

VmaStatus Vmarena::mprotect(std::uint64_t offset, std::uint8_t perm) {
  if (!has_arena_) return VmaStatus::kNoArena;
  auto it = minis_.find(offset);
  if (it == minis_.end()) return VmaStatus::kInvalidMprotect;
  if (perm > (kPermRead | kPermWrite | kPermExec)) return VmaStatus::kBadArgument;
  it->second.perm = perm;
  return VmaStatus::kOk;
}

std::optional<VmaMiniblock> Vmarena::miniblock(std::uint64_t offset) const {
  auto it = minis_.find(offset);
  if (it == minis_.end()) return std::nullopt;
  return VmaMiniblock{it->first, it->second.size, it->second.perm};
}

void Vmarena::pmap(std::ostream& os) const {
  os << "Total memory: " << vma_hex(arena_bytes_) << " bytes\n"
     << "Free memory: " << vma_hex(arena_bytes_ - allocated_bytes_) << " bytes\n"
     << "Number of allocated blocks: " << block_count_ << "\n"
     << "Number of allocated miniblocks: " << minis_.size() << "\n";
  std::uint64_t block = 0;
  for (auto it = minis_.begin(); it != minis_.end();) {
    // The block is the run of miniblocks that touch; find its end first.
    auto stop = it;
    std::uint64_t end = it->first;
    while (stop != minis_.end() && stop->first == end) {
      end += stop->second.size;
      ++stop;
    }
    ++block;
    os << "\nBlock " << block << " begin\n"
       << "Zone: " << vma_hex(it->first) << " - " << vma_hex(end) << "\n";
    std::uint64_t mini = 0;
    for (; it != stop; ++it)
      os << "Miniblock " << ++mini << ":\t\t" << vma_hex(it->first) << "\t\t-\t\t"
         << vma_hex(it->first + it->second.size) << "\t\t| " << perm_text(it->second.perm) << "\n";
    os << "Block " << block << " end\n";
  }
}

// --- Allocator ---

std::optional<std::uint64_t> Vmarena::offset_of(const void* p) const {
  if (base_ == nullptr || p == nullptr) return std::nullopt;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const auto b = reinterpret_cast<std::uintptr_t>(base_);
  if (a < b || a - b >= arena_bytes_) return std::nullopt;
  return a - b;
}

void* Vmarena::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  try {
    if (base_ == nullptr) return nullptr;
    if (alignment == 0) alignment = 1;
    if (!is_power_of_two(alignment) || alignment > page_bytes()) return nullptr;
    if (bytes == 0) {
      if (config_.faithful) return nullptr;
      bytes = 1;
    }
    const std::uint64_t size = round_up(bytes, config_.granule_bytes());
    if (size == 0 || size > arena_bytes_) return nullptr;
    // Lowest gap long enough; if alignment pushes the block out of it, the
    // lowest gap that fits whatever its alignment.
    auto gap = gaps_.first_fit(size);
    if (!gap) return nullptr;
    std::uint64_t offset = round_up(gap->start, alignment);
    if (offset < gap->start || offset + size > gap->end()) {
      if (size > UINT64_MAX - (alignment - 1)) return nullptr;
      gap = gaps_.first_fit(size + alignment - 1);
      if (!gap) return nullptr;
      offset = round_up(gap->start, alignment);
    }
    place(offset, size, *gap);
    if (!commit_bytes(offset, offset + size)) {
      free_miniblock(minis_.find(offset));
      return nullptr;
    }
    return base_ + offset;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void Vmarena::deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) noexcept {
  const auto offset = offset_of(p);
  if (!offset) return;
  auto it = minis_.find(*offset);
  if (it != minis_.end()) free_miniblock(it);
}

void Vmarena::shrink_miniblock(MiniMap::iterator it, std::uint64_t new_size) {
  const std::uint64_t new_end = it->first + new_size;
  const std::uint64_t old_end = it->first + it->second.size;
  allocated_bytes_ -= old_end - new_end;
  it->second.size = new_size;
  if (const auto right = gaps_.find(old_end)) {
    gaps_.erase(old_end);
    gaps_.insert(new_end, right->end() - new_end);
  } else {
    gaps_.insert(new_end, old_end - new_end);
    if (old_end < arena_bytes_) ++block_count_;  // the miniblock after it now starts a block
  }
  release_bytes(new_end, old_end);
}

void* Vmarena::reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept {
  (void)old_bytes;
  try {
    if (p == nullptr) return allocate(new_bytes, alignment);
    const auto offset = offset_of(p);
    if (!offset) return nullptr;
    auto it = minis_.find(*offset);
    if (it == minis_.end()) return nullptr;
    if (new_bytes == 0) {
      free_miniblock(it);
      return nullptr;
    }
    const std::uint64_t size = round_up(new_bytes, config_.granule_bytes());
    if (size == 0 || size > arena_bytes_) return nullptr;
    const std::uint64_t old_size = it->second.size;
    if (size <= old_size) {
      if (size < old_size) shrink_miniblock(it, size);
      return p;
    }
    const std::uint64_t end = *offset + old_size;
    const std::uint64_t extra = size - old_size;
    if (const auto right = gaps_.find(end); right && right->bytes >= extra) {
      if (!commit_bytes(end, end + extra)) {
        release_bytes(end, end + extra);
        return nullptr;
      }
      gaps_.erase(end);
      if (right->bytes > extra) {
        gaps_.insert(end + extra, right->bytes - extra);
      } else if (right->end() < arena_bytes_) {
        --block_count_;  // reached the next block: the two merge
      }
      it->second.size = size;
      allocated_bytes_ += extra;
      return p;
    }
    void* q = allocate(new_bytes, alignment);
    if (q == nullptr) return nullptr;
    std::memcpy(q, p, old_size);
    free_miniblock(minis_.find(*offset));
    return q;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

std::size_t Vmarena::usable_size(const void* p) const {
  const auto offset = offset_of(p);
  if (!offset) return 0;
  auto it = minis_.find(*offset);
  return it == minis_.end() ? 0 : it->second.size;
}

AllocatorStats Vmarena::stats() const {
  AllocatorStats s;
  s.footprint_bytes = pages_->committed_bytes();
  s.footprint_peak_bytes = pages_->committed_peak_bytes();
  s.metadata_bytes = minis_.size() * (sizeof(MiniMap::value_type) + kMapNodeOverheadBytes) + gaps_.memory_bytes() +
                     committed_.memory_bytes();
  s.map_calls = pages_->map_calls();
  s.unmap_calls = pages_->unmap_calls();
  s.extra = {
      {"vmarena.arena_bytes", static_cast<double>(arena_bytes_)},
      {"vmarena.allocated_bytes", static_cast<double>(allocated_bytes_)},
      {"vmarena.blocks", static_cast<double>(block_count_)},
      {"vmarena.miniblocks", static_cast<double>(minis_.size())},
      {"vmarena.gaps", static_cast<double>(gaps_.size())},
      {"vmarena.committed_runs", static_cast<double>(committed_.runs())},
  };
  s.extra.emplace_back("vmarena.injected_failures", static_cast<double>(pages_->injected_failures()));
  return s;
}

CheckResult Vmarena::check() const {
  if (!has_arena_) {
    if (!minis_.empty() || gaps_.size() != 0 || block_count_ != 0 || allocated_bytes_ != 0 || base_ != nullptr ||
        sparse_)
      return CheckResult::bad("state left behind without an arena");
    return CheckResult::good();
  }
  if (sparse_ ? base_ != nullptr || arena_bytes_ == 0 : (arena_bytes_ == 0) != (base_ == nullptr))
    return CheckResult::bad("arena base and size disagree");
  if (sparse_ != committed_.sparse()) return CheckResult::bad("the commit map and the arena disagree on sparseness");
  // The index is verified before it is walked, so the walk cannot loop.
  if (std::string e = gaps_.verify(); !e.empty()) return CheckResult::bad(e);
  std::vector<GapIndex::Gap>& gaps = check_scratch_;
  gaps.clear();
  gaps_.for_each([&](const GapIndex::Gap& gap) { gaps.push_back(gap); });
  std::size_t g = 0;
  std::uint64_t pos = 0;  // everything below pos is accounted for
  std::uint64_t blocks = 0;
  std::uint64_t allocated = 0;
  bool first = true;
  for (const auto& [start, m] : minis_) {
    auto at = [start = start] { return "miniblock " + vma_hex(start); };  // built only on failure
    if (m.size == 0) return CheckResult::bad(at() + " is empty");
    if (m.perm > 7) return CheckResult::bad(at() + " has permission bits outside RWX");
    if (start < pos) return CheckResult::bad(at() + " overlaps the miniblock before it");
    if (start >= arena_bytes_ || m.size > arena_bytes_ - start) return CheckResult::bad(at() + " runs past the arena");
    if (start > pos) {
      if (g >= gaps.size() || gaps[g].start != pos || gaps[g].end() != start)
        return CheckResult::bad("free range " + vma_hex(pos) + " - " + vma_hex(start) + " is not indexed as one gap");
      ++g;
    }
    if (first || start != pos) ++blocks;
    first = false;
    pos = start + m.size;
    allocated += m.size;
  }
  if (pos < arena_bytes_) {
    if (g >= gaps.size() || gaps[g].start != pos || gaps[g].end() != arena_bytes_)
      return CheckResult::bad("free range " + vma_hex(pos) + " - " + vma_hex(arena_bytes_) +
                              " is not indexed as one gap");
    ++g;
  }
  if (g != gaps.size())
    return CheckResult::bad("the gap index holds " + std::to_string(gaps.size() - g) + " extra gaps");
  if (blocks != block_count_)
    return CheckResult::bad(std::to_string(blocks) + " blocks found, " + std::to_string(block_count_) + " counted");
  if (allocated != allocated_bytes_) return CheckResult::bad("allocated byte counter disagrees with the miniblocks");
  if (std::string e = committed_.verify(reserved_bytes_); !e.empty()) return CheckResult::bad(e);
  if (committed_.committed_bytes() != pages_->committed_bytes())
    return CheckResult::bad("committed runs disagree with the page source");
  return CheckResult::good();
}

}  // namespace heapreplay
