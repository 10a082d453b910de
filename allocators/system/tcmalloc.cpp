// gperftools tcmalloc: MallocExtension's numeric properties, releasing free
// memory, tc_version.
#include <cstddef>

#include "allocators/system/dl_lookup.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

namespace {

using TcProperty = int (*)(const char*, std::size_t*);
using TcVersion = const char* (*)(int*, int*, const char**);
using TcRelease = void (*)();

TcProperty property_fn() { return system_api::lookup<TcProperty>("MallocExtension_GetNumericProperty"); }

std::uint64_t footprint() {
  TcProperty prop = property_fn();
  std::size_t heap = 0, unmapped = 0;
  if (prop != nullptr && prop("generic.heap_size", &heap) && prop("tcmalloc.pageheap_unmapped_bytes", &unmapped))
    return heap - unmapped;
  return 0;
}

// generic.current_allocated_bytes: size-class rounded bytes of live blocks.
std::optional<std::uint64_t> allocated() {
  TcProperty prop = property_fn();
  std::size_t v = 0;
  if (prop != nullptr && prop("generic.current_allocated_bytes", &v)) return v;
  return std::nullopt;
}

void fill_stats(AllocatorStats& s) {
  TcProperty prop = property_fn();
  if (prop == nullptr) return;
  for (const char* n :
       {"generic.current_allocated_bytes", "generic.heap_size", "tcmalloc.pageheap_free_bytes",
        "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.central_cache_free_bytes", "tcmalloc.thread_cache_free_bytes"}) {
    std::size_t v = 0;
    if (prop(n, &v)) s.extra.emplace_back(std::string("tcmalloc.") + n, static_cast<double>(v));
  }
}

void trim() {
  if (auto release = system_api::lookup<TcRelease>("MallocExtension_ReleaseFreeMemory")) release();
}

std::string version() {
  auto ver = system_api::lookup<TcVersion>("tc_version");
  return ver != nullptr ? ver(nullptr, nullptr, nullptr) : "";
}

bool is_active() { return property_fn() != nullptr; }

}  // namespace

extern const SystemIntrospection kTcmallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
