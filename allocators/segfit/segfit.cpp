// segfit: the sf_malloc heap of seed 002 (see segfit.h and README.md).
//
// Blocks are addressed by their header row. Words are read and written with
// memcpy so that the same bytes can serve as header, footer or payload
// without aliasing trouble; each access compiles to one move.
#include "allocators/segfit/segfit.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <ostream>
#include <sstream>

#include "core/hex.h"

namespace heapreplay {
namespace {

constexpr std::uint64_t kSizeMask = ~std::uint64_t{63};
constexpr std::uint64_t kUnusedBits = 0x3c;

std::uint64_t load(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store(char* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }

char* as_ptr(std::uint64_t v) { return reinterpret_cast<char*>(static_cast<std::uintptr_t>(v)); }
std::uint64_t as_word(const char* p) { return reinterpret_cast<std::uintptr_t>(p); }

std::size_t block_size(const char* b) { return load(b) & kSizeMask; }
bool is_alloc(const char* b) { return (load(b) & Segfit::kAllocBit) != 0; }
std::uint64_t prev_alloc_bit(const char* b) { return load(b) & Segfit::kPrevAllocBit; }

// Free-block links sit in the two rows after the header (payload rows 0 and 1).
char* next_link(const char* b) { return as_ptr(load(b + 8)); }
char* prev_link(const char* b) { return as_ptr(load(b + 16)); }
void set_next(char* b, char* n) { store(b + 8, as_word(n)); }
void set_prev(char* b, char* p) { store(b + 16, as_word(p)); }

void write_free(char* b, std::size_t size, std::uint64_t prev_alloc) {
  store(b, size | prev_alloc);
  store(b + size - Segfit::kRowBytes, size | prev_alloc);
}

// Upper bounds (in units of M = 64 bytes) of lists 0..7; list 8 takes the rest.
constexpr std::size_t kClassLimitRows[Segfit::kNumFreeLists - 1] = {1, 2, 3, 5, 8, 13, 21, 34};

}  // namespace

Segfit::Segfit(SegfitConfig config) : config_(config) { reset(); }

Segfit::~Segfit() {
  if (heap_ != nullptr) pages_->release(heap_, heap_limit_bytes_, heap_bytes_);
}

void Segfit::reset() {
  if (heap_ != nullptr && pages_) pages_->release(heap_, heap_limit_bytes_, heap_bytes_);
  pages_.emplace(config_.page_source);
  heap_ = nullptr;
  heap_bytes_ = 0;
  heap_limit_bytes_ = config_.heap_limit_bytes();
  for (int i = 0; i < kNumFreeLists; ++i) {
    char* s = sentinel(i);
    store(s, 0);
    set_next(s, s);
    set_prev(s, s);
  }
  free_count_ = free_bytes_ = allocated_count_ = 0;
  list_steps_ = grow_calls_ = failed_allocations_ = invalid_frees_ = 0;
  error_ = 0;
}

char* Segfit::sentinel(int list) const { return reinterpret_cast<char*>(sentinels_[list].data()); }

int Segfit::size_class(std::size_t block_bytes) {
  const std::size_t rows = block_bytes / kMinBlockBytes;
  for (int i = 0; i < kNumFreeLists - 1; ++i)
    if (rows <= kClassLimitRows[i]) return i;
  return kNumFreeLists - 1;
}

std::size_t Segfit::block_bytes_for(std::size_t bytes) {
  if (bytes > SIZE_MAX - kRowBytes - kAlignBytes) return 0;
  return std::max(round_up(bytes + kRowBytes, kAlignBytes), kMinBlockBytes);
}

void* Segfit::fail(int err) {
  error_ = err;
  ++failed_allocations_;
  return nullptr;
}

// The first request creates the heap: padding, prologue, one page of free
// block and the epilogue (sf_mem_grow's first call in the original).
bool Segfit::init_heap() {
  const std::size_t page = config_.page_bytes;
  if (page == 0 || page % PageSource::os_page_bytes() != 0 || heap_limit_bytes_ < page) return false;
  heap_ = static_cast<char*>(pages_->reserve(heap_limit_bytes_, 0));
  if (heap_ == nullptr) return false;
  if (!pages_->commit(heap_, page)) {
    pages_->release(heap_, heap_limit_bytes_, 0);
    heap_ = nullptr;
    return false;
  }
  ++grow_calls_;
  heap_bytes_ = page;
  store(heap_ + kPaddingBytes, kMinBlockBytes | kAllocBit);  // prologue; its prev-alloc bit is 0
  char* b = first_block();
  write_free(b, page - kHeapOverheadBytes, kPrevAllocBit);
  store(epilogue(), kAllocBit);
  insert_free(b);
  return true;
}

void Segfit::insert_free(char* b) {
  char* s = sentinel(size_class(block_size(b)));
  char* first = next_link(s);
  set_next(b, first);
  set_prev(b, s);
  set_prev(first, b);
  set_next(s, b);
  ++free_count_;
  free_bytes_ += block_size(b);
}

void Segfit::remove_free(char* b) {
  char* n = next_link(b);
  char* p = prev_link(b);
  set_next(p, n);
  set_prev(n, p);
  --free_count_;
  free_bytes_ -= block_size(b);
}

char* Segfit::find_fit(std::size_t asize) {
  for (int c = size_class(asize); c < kNumFreeLists; ++c) {
    char* s = sentinel(c);
    for (char* b = next_link(s); b != s; b = next_link(b)) {
      ++list_steps_;
      if (block_size(b) >= asize) return b;
    }
  }
  return nullptr;
}

// `b` is free with header and footer written and is in no list. Merges it
// with free neighbours, fixes the successor's prev-alloc bit, inserts the
// result at the front of its list and returns it.
char* Segfit::coalesce(char* b) {
  std::size_t size = block_size(b);
  std::uint64_t prev_alloc = prev_alloc_bit(b);
  char* next = b + size;
  if (!is_alloc(next)) {
    remove_free(next);
    size += block_size(next);
  }
  if (prev_alloc == 0) {
    const std::size_t prev_size = load(b - kRowBytes) & kSizeMask;
    char* prev = b - prev_size;
    remove_free(prev);
    size += prev_size;
    b = prev;
    prev_alloc = prev_alloc_bit(prev);
  }
  write_free(b, size, prev_alloc);
  char* after = b + size;
  store(after, load(after) & ~kPrevAllocBit);
  insert_free(b);
  return b;
}

// sf_mem_grow for `pages` pages at once: the old epilogue row becomes the
// header of a new free block, which coalesces with a free block before it.
char* Segfit::grow(std::size_t pages) {
  const std::size_t room = heap_limit_bytes_ - heap_bytes_;
  if (pages == 0 || pages > room / config_.page_bytes) return nullptr;
  const std::size_t add = pages * config_.page_bytes;
  if (!pages_->commit(heap_end(), add)) return nullptr;
  ++grow_calls_;
  char* b = epilogue();
  const std::uint64_t prev_alloc = prev_alloc_bit(b);
  heap_bytes_ += add;
  write_free(b, add, prev_alloc);
  store(epilogue(), kAllocBit);
  return coalesce(b);
}

// Called after first fit failed. Only the block made by growing can fit then,
// because nothing else changed, so the original's "grow one page, coalesce,
// search again" loop reduces to checking that block.
char* Segfit::grow_for(std::size_t asize) {
  const std::size_t page = config_.page_bytes;
  if (config_.faithful) {
    // Page by page, as the original: a request that never fits leaves the
    // heap grown to its limit with all of that space free.
    while (true) {
      char* b = grow(1);
      if (b == nullptr) return nullptr;
      if (block_size(b) >= asize) return b;
    }
  }
  const char* epi = epilogue();
  const std::size_t wilderness = prev_alloc_bit(epi) ? 0 : (load(epi - kRowBytes) & kSizeMask);
  const std::size_t room = heap_limit_bytes_ - heap_bytes_;
  // Refuse without growing when even the whole reservation would not do, so a
  // 36 GB request costs nothing.
  if (asize > room + wilderness) return nullptr;
  const std::size_t need = asize - wilderness;
  char* b = grow((need + page - 1) / page);
  return (b != nullptr && block_size(b) >= asize) ? b : nullptr;
}

// Takes free block `b` (in a list, big enough for asize plus alignment slack)
// and returns the payload of an allocated block of asize bytes, splitting off
// an aligned front and a tail of at least 64 bytes as free blocks.
void* Segfit::place(char* b, std::size_t asize, std::size_t alignment) {
  remove_free(b);
  std::size_t size = block_size(b);
  std::uint64_t prev_alloc = prev_alloc_bit(b);
  if (alignment > kAlignBytes) {
    const std::uintptr_t payload = reinterpret_cast<std::uintptr_t>(b + kRowBytes);
    const std::size_t gap = round_up(payload, alignment) - payload;  // a multiple of 64
    if (gap != 0) {
      // The front stays free; its predecessor is allocated (b was free in a
      // coalesced heap), so it needs no merging.
      write_free(b, gap, prev_alloc);
      insert_free(b);
      b += gap;
      size -= gap;
      prev_alloc = 0;
    }
  }
  if (size - asize >= kMinBlockBytes) {
    store(b, asize | prev_alloc | kAllocBit);
    char* rest = b + asize;
    write_free(rest, size - asize, kPrevAllocBit);
    insert_free(rest);  // its successor's prev-alloc bit is already 0
  } else {
    store(b, size | prev_alloc | kAllocBit);
    char* next = b + size;
    store(next, load(next) | kPrevAllocBit);
  }
  ++allocated_count_;
  return b + kRowBytes;
}

void* Segfit::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment) || alignment > PageSource::os_page_bytes()) return fail(EINVAL);
  if (bytes == 0) {
    if (config_.faithful) return nullptr;  // sf_malloc(0): NULL, errno untouched
    bytes = 1;
  }
  const std::size_t asize = block_bytes_for(bytes);
  if (asize == 0) return fail(ENOMEM);
  std::size_t search = asize;
  if (alignment > kAlignBytes) {
    if (asize > SIZE_MAX - alignment) return fail(ENOMEM);
    search = asize + alignment - kAlignBytes;
  }
  if (heap_ == nullptr && !init_heap()) return fail(ENOMEM);
  char* b = find_fit(search);
  if (b == nullptr) b = grow_for(search);
  if (b == nullptr) return fail(ENOMEM);
  return place(b, asize, alignment);
}

// The original's sf_free validity rules, returning nullptr instead of abort().
char* Segfit::block_of(const void* payload) const {
  if (heap_ == nullptr || payload == nullptr) return nullptr;
  const char* p = static_cast<const char*>(payload);
  if (p < first_block() + kRowBytes || p >= epilogue()) return nullptr;
  if (reinterpret_cast<std::uintptr_t>(p) % kAlignBytes != 0) return nullptr;
  char* b = const_cast<char*>(p) - kRowBytes;
  const std::uint64_t h = load(b);
  const std::size_t size = h & kSizeMask;
  if ((h & kAllocBit) == 0 || size < kMinBlockBytes || size > static_cast<std::size_t>(epilogue() - b)) return nullptr;
  if ((h & kPrevAllocBit) == 0) {
    const std::size_t prev_size = load(b - kRowBytes) & kSizeMask;
    if (prev_size < kMinBlockBytes || prev_size > static_cast<std::size_t>(b - first_block())) return nullptr;
    if (is_alloc(b - prev_size)) return nullptr;
  }
  return b;
}

void Segfit::free_block(char* b) {
  write_free(b, block_size(b), prev_alloc_bit(b));
  --allocated_count_;
  coalesce(b);
}

void Segfit::deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) noexcept {
  if (p == nullptr) return;
  char* b = block_of(p);
  if (b == nullptr) {
    ++invalid_frees_;
    return;
  }
  free_block(b);
}

void* Segfit::reallocate(void* p, std::size_t /*old_bytes*/, std::size_t new_bytes, std::size_t alignment) noexcept {
  if (p == nullptr) return allocate(new_bytes, alignment);
  char* b = block_of(p);
  if (b == nullptr) {
    error_ = EINVAL;
    return nullptr;
  }
  if (new_bytes == 0) {
    free_block(b);
    return nullptr;
  }
  const std::size_t asize = block_bytes_for(new_bytes);
  if (asize == 0) return fail(ENOMEM);
  const std::size_t size = block_size(b);
  if (asize <= size) {
    if (size - asize >= kMinBlockBytes) {
      store(b, asize | prev_alloc_bit(b) | kAllocBit);
      char* rest = b + asize;
      write_free(rest, size - asize, kPrevAllocBit);
      coalesce(rest);
    }
    return p;
  }
  void* q = allocate(new_bytes, alignment);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, size - kRowBytes);
  free_block(b);
  return q;
}

std::size_t Segfit::usable_size(const void* p) const {
  const char* b = block_of(p);
  return b == nullptr ? 0 : block_size(b) - kRowBytes;
}

AllocatorStats Segfit::stats() const {
  AllocatorStats s;
  s.footprint_bytes = pages_->committed_bytes();
  s.footprint_peak_bytes = pages_->committed_peak_bytes();
  // Padding, prologue and epilogue, one header per allocated block, header
  // and footer per free block.
  s.metadata_bytes =
      heap_ == nullptr ? 0 : kHeapOverheadBytes + kRowBytes * allocated_count_ + 2 * kRowBytes * free_count_;
  s.map_calls = pages_->map_calls();
  s.unmap_calls = pages_->unmap_calls();
  s.extra = {
      {"segfit.heap_bytes", static_cast<double>(heap_bytes_)},
      {"segfit.heap_limit_bytes", static_cast<double>(heap_limit_bytes_)},
      {"segfit.allocated_blocks", static_cast<double>(allocated_count_)},
      {"segfit.free_blocks", static_cast<double>(free_count_)},
      {"segfit.free_bytes", static_cast<double>(free_bytes_)},
      {"segfit.list_steps", static_cast<double>(list_steps_)},
      {"segfit.grow_calls", static_cast<double>(grow_calls_)},
      {"segfit.failed_allocations", static_cast<double>(failed_allocations_)},
      {"segfit.invalid_frees", static_cast<double>(invalid_frees_)},
  };
  s.extra.emplace_back("segfit.injected_failures", static_cast<double>(pages_->injected_failures()));
  return s;
}

std::vector<std::pair<int, std::size_t>> Segfit::free_blocks() const {
  std::vector<std::pair<int, std::size_t>> out;
  for (int c = 0; c < kNumFreeLists; ++c) {
    const char* s = sentinel(c);
    for (const char* b = next_link(s); b != s; b = next_link(b)) out.emplace_back(c, block_size(b));
  }
  return out;
}

std::vector<const void*> Segfit::free_list(int list) const {
  std::vector<const void*> out;
  if (list < 0 || list >= kNumFreeLists) return out;
  const char* s = sentinel(list);
  for (const char* b = next_link(s); b != s; b = next_link(b)) out.push_back(b + kRowBytes);
  return out;
}

CheckResult Segfit::check() const {
  if (heap_ == nullptr) {
    if (heap_bytes_ != 0) return CheckResult::bad("no heap but heap_bytes is " + std::to_string(heap_bytes_));
    for (int c = 0; c < kNumFreeLists; ++c)
      if (next_link(sentinel(c)) != sentinel(c) || prev_link(sentinel(c)) != sentinel(c))
        return CheckResult::bad("list " + std::to_string(c) + " is not empty before the heap exists");
    if (free_count_ != 0 || allocated_count_ != 0)
      return CheckResult::bad("block counters not zero before the heap exists");
    return CheckResult::good();
  }
  if (reinterpret_cast<std::uintptr_t>(heap_) % kAlignBytes != 0) return CheckResult::bad("heap start not 64-aligned");
  if (heap_bytes_ % config_.page_bytes != 0 || heap_bytes_ > heap_limit_bytes_)
    return CheckResult::bad("heap size " + std::to_string(heap_bytes_) + " is not whole pages within the limit");
  if (load(heap_ + kPaddingBytes) != (kMinBlockBytes | kAllocBit))
    return CheckResult::bad("prologue header is not 64|alloc with prev-alloc 0");

  std::vector<const char*> frees;  // ascending addresses, for the list check
  std::size_t allocated = 0;
  std::size_t free_bytes = 0;
  bool prev_allocated = true;  // the prologue
  const char* b = first_block();
  while (b < epilogue()) {
    const std::uint64_t h = load(b);
    const std::size_t size = h & kSizeMask;
    auto at = [b] { return "block " + hex(b); };  // built only on failure: check() runs after every test step
    if ((h & kUnusedBits) != 0) return CheckResult::bad(at() + ": unused header bits are set");
    if (size < kMinBlockBytes)
      return CheckResult::bad(at() + ": size " + std::to_string(size) + " below the minimum 64");
    if (size > static_cast<std::size_t>(epilogue() - b))
      return CheckResult::bad(at() + ": size " + std::to_string(size) + " runs past the epilogue");
    if (reinterpret_cast<std::uintptr_t>(b + kRowBytes) % kAlignBytes != 0)
      return CheckResult::bad(at() + ": payload not 64-aligned");
    if (((h & kPrevAllocBit) != 0) != prev_allocated)
      return CheckResult::bad(at() + ": prev-alloc bit disagrees with the previous block");
    if ((h & kAllocBit) != 0) {
      ++allocated;
    } else {
      if (!prev_allocated) return CheckResult::bad(at() + ": two adjacent free blocks were not coalesced");
      if (load(b + size - kRowBytes) != h) return CheckResult::bad(at() + ": footer differs from header");
      frees.push_back(b);
      free_bytes += size;
    }
    prev_allocated = (h & kAllocBit) != 0;
    b += size;
  }
  if (b != epilogue()) return CheckResult::bad("last block does not end at the epilogue");
  const std::uint64_t eh = load(b);
  if ((eh & kSizeMask) != 0 || (eh & kAllocBit) == 0 || (eh & kUnusedBits) != 0)
    return CheckResult::bad("epilogue is not size 0 / alloc 1");
  if (((eh & kPrevAllocBit) != 0) != prev_allocated)
    return CheckResult::bad("epilogue prev-alloc bit disagrees with the last block");

  std::size_t listed = 0;
  for (int c = 0; c < kNumFreeLists; ++c) {
    auto list = [c] { return "list " + std::to_string(c); };
    const char* s = sentinel(c);
    const char* prev = s;
    const char* cur = next_link(s);
    std::size_t steps = 0;
    while (cur != s) {
      if (++steps > frees.size()) return CheckResult::bad(list() + " has a cycle or more nodes than free blocks");
      if (!std::binary_search(frees.begin(), frees.end(), cur, std::less<const char*>()))
        return CheckResult::bad(list() + " links to " + hex(cur) + ", which is not a free block");
      if (size_class(block_size(cur)) != c)
        return CheckResult::bad(list() + " holds a block of " + std::to_string(block_size(cur)) +
                                " bytes of another class");
      if (prev_link(cur) != prev) return CheckResult::bad(list() + ": prev link of " + hex(cur) + " is broken");
      prev = cur;
      cur = next_link(cur);
    }
    if (prev_link(s) != prev) return CheckResult::bad(list() + ": sentinel prev link is not the last node");
    listed += steps;
  }
  if (listed != frees.size())
    return CheckResult::bad(std::to_string(frees.size() - listed) + " free blocks are in no list");
  if (frees.size() != free_count_ || free_bytes != free_bytes_ || allocated != allocated_count_)
    return CheckResult::bad("block counters disagree with the heap walk");
  return CheckResult::good();
}

void Segfit::dump(std::ostream& os) const {
  static const char* const kClassNames[kNumFreeLists] = {
      "64", "128", "192", "(192,320]", "(320,512]", "(512,832]", "(832,1344]", "(1344,2176]", ">2176"};
  if (heap_ == nullptr) {
    os << "segfit heap: not created\n";
    return;
  }
  os << "segfit heap " << static_cast<const void*>(heap_) << " - " << static_cast<const void*>(heap_end()) << " ("
     << heap_bytes_ << " bytes, limit " << heap_limit_bytes_ << ", " << allocated_count_ << " allocated, "
     << free_count_ << " free)\n";
  for (int c = 0; c < kNumFreeLists; ++c) {
    os << "list " << c << " " << kClassNames[c] << ":";
    const char* s = sentinel(c);
    for (const char* b = next_link(s); b != s; b = next_link(b))
      os << " [" << static_cast<const void*>(b) << " " << block_size(b) << "]";
    os << "\n";
  }
}

}  // namespace heapreplay
