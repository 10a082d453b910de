// glibc's malloc (ptmalloc2): mallinfo2 and malloc_trim.
#include <gnu/libc-version.h>
#include <malloc.h>

#include "allocators/system/system_allocator.h"

namespace heapreplay {

namespace {

std::uint64_t footprint() {
  struct mallinfo2 mi = mallinfo2();
  return mi.arena + mi.hblkhd;
}

// Chunk sizes of the blocks in use (8-byte headers included).
std::optional<std::uint64_t> allocated() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

void fill_stats(AllocatorStats& s) {
  struct mallinfo2 mi = mallinfo2();
  s.extra.emplace_back("glibc.arena", static_cast<double>(mi.arena));
  s.extra.emplace_back("glibc.hblkhd", static_cast<double>(mi.hblkhd));
  s.extra.emplace_back("glibc.uordblks", static_cast<double>(mi.uordblks));
  s.extra.emplace_back("glibc.fordblks", static_cast<double>(mi.fordblks));
  s.extra.emplace_back("glibc.keepcost", static_cast<double>(mi.keepcost));
}

void trim() { malloc_trim(0); }

std::string version() { return gnu_get_libc_version(); }

bool is_active() { return true; }

}  // namespace

extern const SystemIntrospection kGlibcIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
