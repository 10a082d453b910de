// The blocks design (see blocks.h and README.md).
#include "allocators/blocks/blocks.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "core/hex.h"

namespace heapreplay {
namespace {

constexpr std::size_t kMaxAlignmentBytes = 4096;
constexpr std::size_t kWideHeaderBytes = 16;  // flags byte, 7-byte request, 8-byte run length
constexpr std::size_t kNodeBytes = 48;        // rough heap cost of one std::map / std::set node

std::size_t lowest_bit(std::size_t v) { return v & (~v + 1); }

}  // namespace

Blocks::Blocks(BlocksConfig config)
    : config_(config), block_bytes_(config.block_size_bytes), header_bytes_(config.faithful ? 1 : kWideHeaderBytes) {
  if (std::string why = config_.validate(); !why.empty()) throw std::invalid_argument("blocks: " + why);
  // Segments are page aligned, so a payload (run start + header) is aligned
  // to the lowest set bit common to the block size and the header size.
  native_align_ = std::min({lowest_bit(block_bytes_), lowest_bit(header_bytes_), kMaxAlignmentBytes});
  source_.emplace(config_.page_source);
  add_segment(config_.blocks_count);
}

Blocks::~Blocks() { release_all(); }

void Blocks::release_all() noexcept {
  for (auto& [base, s] : segments_) source_->unmap(s.base, s.mapped_bytes);
  segments_.clear();
  free_runs_.clear();
  fit_index_.clear();
  aligned_.clear();
  requested_.clear();
  live_runs_ = 0;
  live_blocks_ = 0;
}

void Blocks::reset() {
  release_all();
  source_.emplace(config_.page_source);
  add_segment(config_.blocks_count);
}

std::size_t Blocks::blocks_for(std::size_t inner_bytes) const {
  if (inner_bytes > std::numeric_limits<std::size_t>::max() - header_bytes_ - block_bytes_) return 0;
  return (inner_bytes + header_bytes_ + block_bytes_ - 1) / block_bytes_;
}

std::uint8_t Blocks::flags_for(std::size_t blocks, bool free) const {
  std::uint8_t f = kReadableBit | kWritableBit;
  if (free) f |= kFreeBit;
  if (blocks > 1) f |= kExtendedBit;
  f |= static_cast<std::uint8_t>(std::min<std::size_t>(blocks - 1, 15) << kCountShift);
  return f;
}

std::size_t Blocks::run_length(const std::byte* run) const {
  if (config_.faithful) return (static_cast<std::uint8_t>(run[0]) >> kCountShift) + 1;
  std::uint64_t n;
  std::memcpy(&n, run + 8, sizeof n);
  return static_cast<std::size_t>(n);
}

std::uint64_t Blocks::run_request(const std::byte* run) const {
  if (config_.faithful) {
    const Segment& s = segments_.begin()->second;
    return requested_[static_cast<std::size_t>(run - s.base) / block_bytes_];
  }
  std::uint64_t r = 0;
  for (int k = 7; k >= 1; --k) r = (r << 8) | static_cast<std::uint8_t>(run[k]);
  return r;
}

void Blocks::write_used_header(std::byte* run, std::size_t blocks, std::uint64_t request) {
  run[0] = static_cast<std::byte>(flags_for(blocks, false));
  if (config_.faithful) {
    const Segment& s = segments_.begin()->second;
    requested_[static_cast<std::size_t>(run - s.base) / block_bytes_] = request;
    return;
  }
  for (int k = 1; k <= 7; ++k) run[k] = static_cast<std::byte>(request >> (8 * (k - 1)));
  std::uint64_t n = blocks;
  std::memcpy(run + 8, &n, sizeof n);
}

void Blocks::write_free_header(std::byte* run, std::size_t blocks) {
  run[0] = static_cast<std::byte>(flags_for(blocks, true));
  for (int k = 1; k <= 7; ++k) run[k] = std::byte{0};
  std::uint64_t n = blocks;
  std::memcpy(run + 8, &n, sizeof n);
}

std::byte* Blocks::run_of(const void* p) const {
  if (!aligned_.empty()) {
    auto it = aligned_.find(reinterpret_cast<std::uintptr_t>(p));
    if (it != aligned_.end()) return reinterpret_cast<std::byte*>(it->second);
  }
  return const_cast<std::byte*>(static_cast<const std::byte*>(p)) - header_bytes_;
}

std::byte* Blocks::run_of_and_forget(void* p) {
  if (!aligned_.empty()) {
    auto it = aligned_.find(reinterpret_cast<std::uintptr_t>(p));
    if (it != aligned_.end()) {
      auto* run = reinterpret_cast<std::byte*>(it->second);
      aligned_.erase(it);
      return run;
    }
  }
  return static_cast<std::byte*>(p) - header_bytes_;
}

const Blocks::Segment* Blocks::find_segment(std::uintptr_t a) const {
  auto it = segments_.upper_bound(a);
  if (it == segments_.begin()) return nullptr;
  --it;
  const Segment& s = it->second;
  if (a >= it->first + s.blocks * block_bytes_) return nullptr;
  return &s;
}

Blocks::Segment& Blocks::segment_of(const std::byte* run) {
  return const_cast<Segment&>(*find_segment(reinterpret_cast<std::uintptr_t>(run)));
}

void Blocks::add_free(std::uintptr_t at, std::size_t blocks, bool tail) {
  free_runs_.emplace(at, FreeRun{blocks, tail});
  if (!config_.faithful) fit_index_.emplace(blocks, at);
}

void Blocks::remove_free(std::map<std::uintptr_t, FreeRun>::iterator it) {
  if (!config_.faithful) fit_index_.erase({it->second.blocks, it->first});
  free_runs_.erase(it);
}

bool Blocks::add_segment(std::size_t min_blocks) {
  std::size_t blocks = config_.blocks_count;
  if (!config_.faithful && !segments_.empty()) blocks = std::max(min_blocks, config_.grow_blocks);
  if (!config_.faithful) blocks = std::max(blocks, min_blocks);
  if (blocks > std::numeric_limits<std::size_t>::max() / block_bytes_) return false;
  std::size_t bytes = round_up(blocks * block_bytes_, PageSource::os_page_bytes());
  if (bytes == 0) return false;
  void* m = source_->map(bytes);
  if (m == nullptr) return false;
  // The default mode uses the whole of the page-rounded mapping.
  if (!config_.faithful) blocks = bytes / block_bytes_;
  auto* base = static_cast<std::byte*>(m);
  auto at = reinterpret_cast<std::uintptr_t>(m);
  segments_.emplace(at, Segment{base, blocks, 0, bytes});
  if (config_.faithful) {
    // init_memory: every block starts in the default state.
    requested_.assign(blocks, 0);
    for (std::size_t i = 0; i < blocks; ++i) base[i * block_bytes_] = std::byte{kDefaultState};
  } else {
    add_free(at, blocks, true);
  }
  return true;
}

void Blocks::release_segment(std::map<std::uintptr_t, Segment>::iterator it) {
  if (auto fr = free_runs_.find(it->first); fr != free_runs_.end()) remove_free(fr);
  source_->unmap(it->second.base, it->second.mapped_bytes);
  segments_.erase(it);
}

std::byte* Blocks::take_run(std::size_t need) {
  if (config_.faithful) {
    // Bump allocation at current only; freed runs come back by rollback.
    if (need > kMaxFaithfulRunBlocks || segments_.empty()) return nullptr;
    Segment& s = segments_.begin()->second;
    if (need > s.blocks - s.current) return nullptr;
    std::byte* run = s.base + s.current * block_bytes_;
    s.current += need;
    // MeMager zeroes the first byte of every glued block.
    for (std::size_t k = 1; k < need; ++k) run[k * block_bytes_] = std::byte{0};
    return run;
  }
  // Best fit: the smallest free run (or segment tail) that holds `need`
  // blocks, the lowest address among equals.
  auto it = fit_index_.lower_bound({need, 0});
  if (it == fit_index_.end()) {
    if (!add_segment(need)) return nullptr;
    it = fit_index_.lower_bound({need, 0});
    if (it == fit_index_.end()) return nullptr;
  }
  std::uintptr_t at = it->second;
  auto fr = free_runs_.find(at);
  FreeRun run = fr->second;
  remove_free(fr);
  auto* p = reinterpret_cast<std::byte*>(at);
  std::size_t rest = run.blocks - need;
  std::uintptr_t rest_at = at + need * block_bytes_;
  if (run.tail) {
    segment_of(p).current += need;
    if (rest != 0) add_free(rest_at, rest, true);
  } else if (rest != 0) {
    write_free_header(reinterpret_cast<std::byte*>(rest_at), rest);
    add_free(rest_at, rest, false);
  }
  return p;
}

void Blocks::release_run(std::byte* run, std::size_t blocks) {
  if (config_.faithful) {
    Segment& s = segments_.begin()->second;
    std::size_t idx = static_cast<std::size_t>(run - s.base) / block_bytes_;
    if (idx + blocks != s.current) {
      run[0] |= std::byte{kFreeBit};
      free_runs_.emplace(reinterpret_cast<std::uintptr_t>(run), FreeRun{blocks, false});
      return;
    }
    // The last occupied run: current moves back over it and every free run
    // right before it.
    s.current = idx;
    while (!free_runs_.empty()) {
      auto last = std::prev(free_runs_.end());
      auto cur = reinterpret_cast<std::uintptr_t>(s.base + s.current * block_bytes_);
      if (last->first + last->second.blocks * block_bytes_ != cur) break;
      s.current = (last->first - reinterpret_cast<std::uintptr_t>(s.base)) / block_bytes_;
      free_runs_.erase(last);
    }
    if (s.current < s.blocks) s.base[s.current * block_bytes_] = std::byte{kDefaultState};
    return;
  }
  Segment& s = segment_of(run);
  const auto base = reinterpret_cast<std::uintptr_t>(s.base);
  const std::uintptr_t seg_end = base + s.blocks * block_bytes_;
  const std::uintptr_t cur = base + s.current * block_bytes_;
  std::uintptr_t at = reinterpret_cast<std::uintptr_t>(run);
  std::size_t n = blocks;
  bool tail = false;
  std::uintptr_t next = at + n * block_bytes_;
  if (next == cur) tail = true;
  if (next < seg_end) {
    if (auto it = free_runs_.find(next); it != free_runs_.end()) {
      n += it->second.blocks;
      remove_free(it);
    }
  }
  if (auto it = free_runs_.lower_bound(at); it != free_runs_.begin()) {
    --it;
    if (it->first >= base && it->first + it->second.blocks * block_bytes_ == at) {
      at = it->first;
      n += it->second.blocks;
      remove_free(it);
    }
  }
  if (!tail) {
    write_free_header(reinterpret_cast<std::byte*>(at), n);
    add_free(at, n, false);
    return;
  }
  // The run reached current: current rolls back to the start of the merged run.
  s.current = (at - base) / block_bytes_;
  add_free(at, n, true);
  if (s.current != 0) return;
  // An empty segment goes back to the page source if it was made for one
  // large request or if another empty one is kept already.
  std::size_t first_pool = round_up(config_.blocks_count * block_bytes_, PageSource::os_page_bytes()) / block_bytes_;
  bool oversized = s.blocks > std::max(config_.grow_blocks, first_pool);
  bool other_empty = false;
  for (auto& [b, other] : segments_)
    if (b != base && other.current == 0) other_empty = true;
  if (oversized || other_empty) release_segment(segments_.find(base));
}

bool Blocks::grow_in_place(std::byte* run, std::size_t blocks, std::size_t need) {
  Segment& s = segment_of(run);
  const std::uintptr_t seg_end = reinterpret_cast<std::uintptr_t>(s.base) + s.blocks * block_bytes_;
  std::uintptr_t next = reinterpret_cast<std::uintptr_t>(run) + blocks * block_bytes_;
  if (next >= seg_end) return false;
  auto it = free_runs_.find(next);
  std::size_t extra = need - blocks;
  if (it == free_runs_.end() || it->second.blocks < extra) return false;
  FreeRun fr = it->second;
  remove_free(it);
  std::size_t rest = fr.blocks - extra;
  std::uintptr_t rest_at = next + extra * block_bytes_;
  if (fr.tail) {
    s.current += extra;
    if (rest != 0) add_free(rest_at, rest, true);
  } else if (rest != 0) {
    write_free_header(reinterpret_cast<std::byte*>(rest_at), rest);
    add_free(rest_at, rest, false);
  }
  return true;
}

void* Blocks::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > kMaxAlignmentBytes) return nullptr;
  const std::size_t slack = alignment > native_align_ ? alignment - native_align_ : 0;
  if (bytes > std::numeric_limits<std::size_t>::max() - slack) return nullptr;
  // A zero-byte request still gets one byte, so that an over-aligned pointer
  // never lands on the end of its run.
  const std::size_t inner = std::max<std::size_t>(bytes, 1) + slack;
  const std::size_t need = blocks_for(inner);
  if (need == 0) return nullptr;
  if (config_.faithful && need > kMaxFaithfulRunBlocks) return nullptr;
  std::byte* run = take_run(need);
  if (run == nullptr) return nullptr;
  write_used_header(run, need, inner);
  ++live_runs_;
  live_blocks_ += need;
  auto p = reinterpret_cast<std::uintptr_t>(run + header_bytes_);
  if (slack != 0) {
    std::uintptr_t a = (p + alignment - 1) & ~static_cast<std::uintptr_t>(alignment - 1);
    if (a != p) aligned_.emplace(a, reinterpret_cast<std::uintptr_t>(run));
    p = a;
  }
  return reinterpret_cast<void*>(p);
}

void Blocks::deallocate(void* p, std::size_t, std::size_t) noexcept {
  if (p == nullptr) return;
  std::byte* run = run_of_and_forget(p);
  std::size_t len = run_length(run);
  --live_runs_;
  live_blocks_ -= len;
  release_run(run, len);
}

void* Blocks::reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept {
  if (p == nullptr) return allocate(new_bytes, alignment);
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > kMaxAlignmentBytes) return nullptr;
  std::byte* run = run_of(p);
  const std::size_t len = run_length(run);
  const std::size_t offset = static_cast<std::size_t>(static_cast<std::byte*>(p) - (run + header_bytes_));
  if (reinterpret_cast<std::uintptr_t>(p) % alignment == 0 &&
      new_bytes <= std::numeric_limits<std::size_t>::max() - offset) {
    const std::size_t inner = offset + new_bytes;
    const std::size_t need = blocks_for(inner);
    if (need == len) {
      write_used_header(run, len, inner);
      return p;
    }
    if (!config_.faithful && need != 0) {
      if (need < len) {
        write_used_header(run, need, inner);
        live_blocks_ -= len - need;
        release_run(run + need * block_bytes_, len - need);
        return p;
      }
      if (grow_in_place(run, len, need)) {
        write_used_header(run, need, inner);
        live_blocks_ += need - len;
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

std::size_t Blocks::usable_size(const void* p) const {
  if (p == nullptr) return 0;
  const std::byte* run = run_of(p);
  std::size_t offset = static_cast<std::size_t>(static_cast<const std::byte*>(p) - (run + header_bytes_));
  return run_length(run) * block_bytes_ - header_bytes_ - offset;
}

std::uint8_t Blocks::header_byte(const void* p) const { return static_cast<std::uint8_t>(run_of(p)[0]); }

std::size_t Blocks::run_blocks(const void* p) const { return run_length(run_of(p)); }

int Blocks::write(void* p, std::size_t offset, const void* src, std::size_t n) {
  if (p == nullptr) return kErrNullPointer;
  std::size_t usable = usable_size(p);
  if (offset > usable || n > usable - offset) return kErrMoreBytesThanAvailable;
  if (n != 0) std::memcpy(static_cast<std::byte*>(p) + offset, src, n);
  return kOk;
}

int Blocks::read(const void* p, std::size_t offset, void* dst, std::size_t n) const {
  if (p == nullptr) return kErrNullPointer;
  std::size_t usable = usable_size(p);
  if (offset > usable || n > usable - offset) return kErrMoreBytesThanAvailable;
  if (n != 0) std::memcpy(dst, static_cast<const std::byte*>(p) + offset, n);
  return kOk;
}

int Blocks::move(void* dst, void* src) {
  if (src == nullptr || dst == nullptr) return kErrBadPointer;
  if (src == dst) return kOk;
  std::size_t n = usable_size(src);
  if (n > usable_size(dst)) return kErrSmallerDestination;
  std::memmove(dst, src, n);
  deallocate(src, n, 1);
  return kOk;
}

AllocatorStats Blocks::stats() const {
  AllocatorStats s;
  s.footprint_bytes = source_->committed_bytes();
  s.footprint_peak_bytes = source_->committed_peak_bytes();
  s.map_calls = source_->map_calls();
  s.unmap_calls = source_->unmap_calls();
  std::uint64_t free_blocks = 0, tail_blocks = 0, free_runs = 0;
  for (auto& [at, fr] : free_runs_) {
    if (fr.tail) {
      tail_blocks += fr.blocks;
    } else {
      free_blocks += fr.blocks;
      ++free_runs;
    }
  }
  if (config_.faithful)
    for (auto& [at, seg] : segments_) tail_blocks += seg.blocks - seg.current;
  s.metadata_bytes = live_runs_ * header_bytes_ + requested_.capacity() * sizeof(std::uint64_t) +
                     (free_runs_.size() + fit_index_.size() + segments_.size()) * kNodeBytes +
                     aligned_.size() * kNodeBytes;
  s.extra = {{"blocks.segments", static_cast<double>(segments_.size())},
             {"blocks.live_runs", static_cast<double>(live_runs_)},
             {"blocks.live_blocks", static_cast<double>(live_blocks_)},
             {"blocks.free_runs", static_cast<double>(free_runs)},
             {"blocks.free_blocks", static_cast<double>(free_blocks)},
             {"blocks.tail_blocks", static_cast<double>(tail_blocks)}};
  s.extra.emplace_back("blocks.injected_failures", static_cast<double>(source_->injected_failures()));
  return s;
}

CheckResult Blocks::check_segment(const Segment& s, std::uint64_t* live_runs, std::uint64_t* live_blocks,
                                  std::map<std::uintptr_t, FreeRun>::const_iterator* next_free) const {
  const auto base = reinterpret_cast<std::uintptr_t>(s.base);
  const std::uintptr_t seg_end = base + s.blocks * block_bytes_;
  auto where = [&](std::size_t i) { return "segment " + hex(base) + ", block " + std::to_string(i); };
  if (s.current > s.blocks) return CheckResult::bad("segment " + hex(base) + ": current past the end");
  auto& nf = *next_free;
  auto stray = [&](std::uintptr_t before) { return nf != free_runs_.end() && nf->first < before; };
  if (stray(base)) return CheckResult::bad("free run recorded at " + hex(nf->first) + ", outside every segment");
  std::size_t i = 0;
  bool prev_free = false;
  while (i < s.current) {
    const std::byte* run = s.base + i * block_bytes_;
    const auto flags = static_cast<std::uint8_t>(run[0]);
    const std::size_t len = run_length(run);
    if (len == 0 || len > s.current - i)
      return CheckResult::bad(where(i) + ": run of " + std::to_string(len) + " blocks passes current (" +
                              std::to_string(s.current) + ")");
    if ((flags & (kReadableBit | kWritableBit)) != (kReadableBit | kWritableBit))
      return CheckResult::bad(where(i) + ": header " + hex(flags) + " lacks the readable/writable bits");
    if (((flags & kExtendedBit) != 0) != (len > 1))
      return CheckResult::bad(where(i) + ": extended bit of header " + hex(flags) + " disagrees with a run of " +
                              std::to_string(len) + " blocks");
    if ((flags >> kCountShift) != std::min<std::size_t>(len - 1, 15))
      return CheckResult::bad(where(i) + ": count nibble of header " + hex(flags) + " disagrees with a run of " +
                              std::to_string(len) + " blocks");
    const bool is_free = (flags & kFreeBit) != 0;
    const auto at = reinterpret_cast<std::uintptr_t>(run);
    if (stray(at)) return CheckResult::bad("free run recorded at " + hex(nf->first) + ", inside a run");
    const bool recorded = nf != free_runs_.end() && nf->first == at;
    if (is_free) {
      if (!recorded || nf->second.tail || nf->second.blocks != len)
        return CheckResult::bad(where(i) + ": free header " + hex(flags) + " without a matching free run");
      if (!config_.faithful && prev_free) return CheckResult::bad(where(i) + ": two adjacent free runs not merged");
      ++nf;
    } else {
      if (recorded)
        return CheckResult::bad(where(i) + ": header " + hex(flags) + " says used, a free run is recorded there");
      std::uint64_t req = run_request(run);
      if (blocks_for(static_cast<std::size_t>(req)) != len)
        return CheckResult::bad(where(i) + ": a request of " + std::to_string(req) + " bytes in a run of " +
                                std::to_string(len) + " blocks");
      ++*live_runs;
      *live_blocks += len;
    }
    prev_free = is_free;
    i += len;
  }
  if (prev_free) return CheckResult::bad(where(i) + ": a free run ends at current (rollback missed)");
  const std::uintptr_t cur = base + s.current * block_bytes_;
  if (stray(cur)) return CheckResult::bad("free run recorded at " + hex(nf->first) + ", inside a run");
  if (!config_.faithful && s.current < s.blocks) {
    if (nf == free_runs_.end() || nf->first != cur || !nf->second.tail || nf->second.blocks != s.blocks - s.current)
      return CheckResult::bad("segment " + hex(base) + ": tail from current not recorded");
    ++nf;
  }
  if (stray(seg_end)) return CheckResult::bad("segment " + hex(base) + ": a free run recorded at or after current");
  return CheckResult::good();
}

CheckResult Blocks::check() const {
  std::uint64_t live_runs = 0, live_blocks = 0;
  if (config_.faithful && segments_.size() > 1) return CheckResult::bad("faithful pool has several segments");
  auto next_free = free_runs_.cbegin();
  for (auto& [base, s] : segments_) {
    if (base != reinterpret_cast<std::uintptr_t>(s.base)) return CheckResult::bad("segment table damaged");
    if (CheckResult r = check_segment(s, &live_runs, &live_blocks, &next_free); !r.ok) return r;
  }
  if (next_free != free_runs_.cend())
    return CheckResult::bad("free run recorded at " + hex(next_free->first) + ", outside every segment");
  if (!config_.faithful) {
    if (fit_index_.size() != free_runs_.size()) return CheckResult::bad("size index and free runs differ in count");
    for (auto& [blocks, at] : fit_index_) {
      auto it = free_runs_.find(at);
      if (it == free_runs_.end() || it->second.blocks != blocks)
        return CheckResult::bad("size index entry " + hex(at) + " does not match a free run");
    }
  }
  if (live_runs != live_runs_ || live_blocks != live_blocks_)
    return CheckResult::bad("walk found " + std::to_string(live_runs) + " live runs of " + std::to_string(live_blocks) +
                            " blocks, counters say " + std::to_string(live_runs_) + " of " +
                            std::to_string(live_blocks_));
  for (auto& [p, run] : aligned_) {
    const Segment* s = find_segment(run);
    if (s == nullptr) return CheckResult::bad("aligned pointer " + hex(p) + " maps outside every segment");
    const auto* r = reinterpret_cast<const std::byte*>(run);
    if ((static_cast<std::uint8_t>(r[0]) & kFreeBit) != 0)
      return CheckResult::bad("aligned pointer " + hex(p) + " maps to a free run");
    if (p <= run + header_bytes_ || p >= run + run_length(r) * block_bytes_)
      return CheckResult::bad("aligned pointer " + hex(p) + " lies outside its run");
  }
  return CheckResult::good();
}

void Blocks::dump(std::ostream& os) const {
  const std::size_t first_capacity = block_bytes_ - header_bytes_;
  for (auto& [base, s] : segments_) {
    std::size_t i = 0;
    bool first_token = true;
    auto sep = [&]() -> std::ostream& {
      if (!first_token) os << ' ';
      first_token = false;
      return os;
    };
    while (i < s.current) {
      const std::byte* run = s.base + i * block_bytes_;
      std::size_t len = run_length(run);
      if (len == 0 || len > s.current - i) {
        sep() << "[?]";  // a damaged header; check() says more
        break;
      }
      if ((static_cast<std::uint8_t>(run[0]) & kFreeBit) != 0) {
        for (std::size_t k = 0; k < len; ++k) sep() << "[ ]";
      } else {
        std::uint64_t left = run_request(run);
        std::uint64_t used = std::min<std::uint64_t>(left, first_capacity);
        sep() << "[H, " << used << '/' << first_capacity << ']';
        left -= used;
        for (std::size_t k = 1; k < len; ++k) {
          used = std::min<std::uint64_t>(left, block_bytes_);
          sep() << '[' << used << '/' << block_bytes_ << ']';
          left -= used;
        }
      }
      i += len;
    }
    os << '\n';
  }
}

}  // namespace heapreplay
