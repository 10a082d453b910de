// mmap-backed page source with exact accounting (see page_source.h).
#include "allocators/core/page_source.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace heapreplay {

PageSourceConfig PageSourceConfig::from_options(OptionMap& opts) {
  PageSourceConfig c;
  if (auto v = opts.take_u64("fail_map_every")) c.fail_map_every = *v;
  if (auto v = opts.take_u64("fail_commit_every")) c.fail_commit_every = *v;
  if (auto v = opts.take_u64("fail_after_bytes")) c.fail_after_bytes = *v;
  return c;
}

PageSource::PageSource(PageSourceConfig config) : config_(config) {}

// Ranges still held at destruction belong to the owning allocator, which
// releases them in its own destructor; nothing to do here.
PageSource::~PageSource() = default;

std::size_t PageSource::os_page_bytes() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

bool PageSource::should_fail(std::size_t more_committed_bytes, bool is_commit) {
  ++calls_seen_;
  if (is_commit) ++commits_seen_;
  bool fail = false;
  if (config_.fail_map_every != 0 && calls_seen_ % config_.fail_map_every == 0) fail = true;
  if (is_commit && config_.fail_commit_every != 0 && commits_seen_ % config_.fail_commit_every == 0) fail = true;
  if (config_.fail_after_bytes != 0 && committed_bytes_ + more_committed_bytes > config_.fail_after_bytes) fail = true;
  if (fail) ++injected_failures_;
  return fail;
}

void PageSource::add_committed(std::size_t bytes) {
  committed_bytes_ += bytes;
  if (committed_bytes_ > committed_peak_bytes_) committed_peak_bytes_ = committed_bytes_;
}

// Maps size+alignment of address space and trims both ends so that the
// returned range is aligned; the trimmed parts go straight back to the OS.
static void* map_aligned(std::size_t bytes, std::size_t alignment, int prot, int extra_flags) {
  const std::size_t page = PageSource::os_page_bytes();
  if (alignment < page) alignment = page;
  std::size_t span = bytes + (alignment > page ? alignment : 0);
  if (span < bytes) return nullptr;
  void* raw = mmap(nullptr, span, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto base = reinterpret_cast<std::uintptr_t>(raw);
  auto aligned = (base + alignment - 1) & ~(static_cast<std::uintptr_t>(alignment) - 1);
  if (aligned > base) munmap(raw, aligned - base);
  std::size_t tail = (base + span) - (aligned + bytes);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  return reinterpret_cast<void*>(aligned);
}

void* PageSource::map(std::size_t bytes, std::size_t alignment) {
  bytes = round_up(bytes, os_page_bytes());
  if (bytes == 0 || (alignment != 0 && !is_power_of_two(alignment))) return nullptr;
  if (should_fail(bytes, false)) return nullptr;
  void* p = map_aligned(bytes, alignment, PROT_READ | PROT_WRITE, 0);
  if (p == nullptr) return nullptr;
  ++map_calls_;
  mapped_bytes_ += bytes;
  add_committed(bytes);
  return p;
}

void PageSource::unmap(void* p, std::size_t bytes) {
  if (p == nullptr) return;
  bytes = round_up(bytes, os_page_bytes());
  munmap(p, bytes);
  ++unmap_calls_;
  mapped_bytes_ -= bytes;
  committed_bytes_ -= bytes;
}

void* PageSource::reserve(std::size_t bytes, std::size_t alignment) {
  bytes = round_up(bytes, os_page_bytes());
  if (bytes == 0 || (alignment != 0 && !is_power_of_two(alignment))) return nullptr;
  if (should_fail(0, false)) return nullptr;
  void* p = map_aligned(bytes, alignment, PROT_NONE, MAP_NORESERVE);
  if (p == nullptr) return nullptr;
  ++map_calls_;
  mapped_bytes_ += bytes;
  return p;
}

bool PageSource::commit(void* p, std::size_t bytes) {
  bytes = round_up(bytes, os_page_bytes());
  if (should_fail(bytes, true)) return false;
  if (mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) return false;
  ++map_calls_;
  add_committed(bytes);
  return true;
}

void PageSource::decommit(void* p, std::size_t bytes) {
  bytes = round_up(bytes, os_page_bytes());
  // MAP_FIXED over the range drops its pages and makes it inaccessible again in
  // one call, so a later commit() sees zeroed memory.
  mmap(p, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  ++unmap_calls_;
  committed_bytes_ -= bytes;
}

void PageSource::release(void* p, std::size_t bytes, std::size_t committed_in_range) {
  if (p == nullptr) return;
  bytes = round_up(bytes, os_page_bytes());
  munmap(p, bytes);
  ++unmap_calls_;
  mapped_bytes_ -= bytes;
  committed_bytes_ -= round_up(committed_in_range, os_page_bytes());
}

}  // namespace heapreplay
