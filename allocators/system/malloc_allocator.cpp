// Statistics and versions of the system allocators, found with dlsym so that
// heapreplay links none of them (each runs preloaded in a child process).
#include "allocators/system/malloc_allocator.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <cstdint>
#include <ostream>

namespace heapreplay {

namespace {

template <class Fn>
Fn lookup(const char* symbol) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, symbol));
}

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
using MiProcessInfo = void (*)(std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                               std::size_t*, std::size_t*, std::size_t*);
using MiVersion = int (*)();
using TcProperty = int (*)(const char*, std::size_t*);
using TcVersion = const char* (*)(int*, int*, const char**);

void jemalloc_stats(AllocatorStats& s) {
  auto mallctl = lookup<Mallctl>("mallctl");
  if (mallctl == nullptr) return;
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
  auto get = [&](const char* name) -> double {
    std::size_t v = 0, l = sizeof v;
    return mallctl(name, &v, &l, nullptr, 0) == 0 ? static_cast<double>(v) : -1.0;
  };
  const char* names[] = {"stats.allocated", "stats.active", "stats.metadata", "stats.resident",
                         "stats.mapped", "stats.retained"};
  for (const char* n : names) {
    double v = get(n);
    if (v >= 0) s.extra.emplace_back(std::string("jemalloc.") + (n + 6), v);
  }
  double mapped = get("stats.mapped"), metadata = get("stats.metadata");
  if (mapped >= 0) s.footprint_bytes = static_cast<std::uint64_t>(mapped);
  if (metadata >= 0) s.metadata_bytes = static_cast<std::uint64_t>(metadata);
}

void mimalloc_stats(AllocatorStats& s) {
  auto info = lookup<MiProcessInfo>("mi_process_info");
  if (info == nullptr) return;
  std::size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0, faults = 0;
  info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  s.footprint_bytes = commit;
  s.footprint_peak_bytes = peak_commit;
  s.extra.emplace_back("mimalloc.current_commit", static_cast<double>(commit));
  s.extra.emplace_back("mimalloc.peak_commit", static_cast<double>(peak_commit));
  s.extra.emplace_back("mimalloc.current_rss", static_cast<double>(rss));
  s.extra.emplace_back("mimalloc.peak_rss", static_cast<double>(peak_rss));
  s.extra.emplace_back("mimalloc.page_faults", static_cast<double>(faults));
}

void tcmalloc_stats(AllocatorStats& s) {
  auto prop = lookup<TcProperty>("MallocExtension_GetNumericProperty");
  if (prop == nullptr) return;
  const char* names[] = {"generic.current_allocated_bytes", "generic.heap_size", "tcmalloc.pageheap_free_bytes",
                         "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.central_cache_free_bytes",
                         "tcmalloc.thread_cache_free_bytes"};
  for (const char* n : names) {
    std::size_t v = 0;
    if (prop(n, &v)) s.extra.emplace_back(std::string("tcmalloc.") + n, static_cast<double>(v));
  }
  std::size_t heap = 0, unmapped = 0;
  if (prop("generic.heap_size", &heap) && prop("tcmalloc.pageheap_unmapped_bytes", &unmapped))
    s.footprint_bytes = heap - unmapped;
}

void glibc_stats(AllocatorStats& s) {
  struct mallinfo2 mi = mallinfo2();
  s.footprint_bytes = mi.arena + mi.hblkhd;
  s.extra.emplace_back("glibc.arena", static_cast<double>(mi.arena));
  s.extra.emplace_back("glibc.hblkhd", static_cast<double>(mi.hblkhd));
  s.extra.emplace_back("glibc.uordblks", static_cast<double>(mi.uordblks));
  s.extra.emplace_back("glibc.fordblks", static_cast<double>(mi.fordblks));
  s.extra.emplace_back("glibc.keepcost", static_cast<double>(mi.keepcost));
}

}  // namespace

AllocatorStats MallocAllocator::stats() const {
  AllocatorStats s;
  switch (flavor_) {
    case SystemFlavor::kGlibc: glibc_stats(s); break;
    case SystemFlavor::kJemalloc: jemalloc_stats(s); break;
    case SystemFlavor::kMimalloc: mimalloc_stats(s); break;
    case SystemFlavor::kTcmalloc: tcmalloc_stats(s); break;
    case SystemFlavor::kOther: break;
  }
  return s;
}

void MallocAllocator::dump(std::ostream& os) const {
  AllocatorStats s = stats();
  os << name_ << ": footprint " << s.footprint_bytes << " bytes, metadata " << s.metadata_bytes << " bytes\n";
  for (const auto& [k, v] : s.extra) os << "  " << k << " = " << static_cast<std::uint64_t>(v) << '\n';
}

std::string MallocAllocator::version() const {
  switch (flavor_) {
    case SystemFlavor::kGlibc: return gnu_get_libc_version();
    case SystemFlavor::kJemalloc: {
      auto mallctl = lookup<Mallctl>("mallctl");
      const char* v = nullptr;
      std::size_t len = sizeof v;
      if (mallctl != nullptr && mallctl("version", &v, &len, nullptr, 0) == 0 && v != nullptr) return v;
      return "";
    }
    case SystemFlavor::kMimalloc: {
      auto ver = lookup<MiVersion>("mi_version");
      if (ver == nullptr) return "";
      int v = ver();  // e.g. 209 for 2.0.9
      return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
    }
    case SystemFlavor::kTcmalloc: {
      auto ver = lookup<TcVersion>("tc_version");
      return ver != nullptr ? ver(nullptr, nullptr, nullptr) : "";
    }
    case SystemFlavor::kOther: return "";
  }
  return "";
}

bool MallocAllocator::is_active() const {
  switch (flavor_) {
    case SystemFlavor::kJemalloc: return lookup<Mallctl>("mallctl") != nullptr;
    case SystemFlavor::kMimalloc: return lookup<MiVersion>("mi_version") != nullptr;
    case SystemFlavor::kTcmalloc: return lookup<TcProperty>("MallocExtension_GetNumericProperty") != nullptr;
    case SystemFlavor::kGlibc:
    case SystemFlavor::kOther: return true;
  }
  return false;
}

}  // namespace heapreplay
