// Statistics, versions and trimming of the system allocators, found with
// dlsym so that heapreplay links none of them (each runs preloaded in a child
// process).
#include "allocators/system/malloc_allocator.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
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
using MiCollect = void (*)(bool);
using TcProperty = int (*)(const char*, std::size_t*);
using TcVersion = const char* (*)(int*, int*, const char**);
using TcRelease = void (*)();

// jemalloc: a size_t statistic after refreshing the cached ones; -1 if absent.
double jemalloc_stat(Mallctl mallctl, const char* name) {
  std::size_t v = 0, l = sizeof v;
  return mallctl(name, &v, &l, nullptr, 0) == 0 ? static_cast<double>(v) : -1.0;
}

void jemalloc_refresh(Mallctl mallctl) {
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
}

struct MiInfo {
  std::size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0, faults = 0;
};

bool mimalloc_info(MiInfo& i) {
  auto info = lookup<MiProcessInfo>("mi_process_info");
  if (info == nullptr) return false;
  info(&i.elapsed, &i.user, &i.sys, &i.rss, &i.peak_rss, &i.commit, &i.peak_commit, &i.faults);
  return true;
}

std::uint64_t tcmalloc_footprint(TcProperty prop) {
  std::size_t heap = 0, unmapped = 0;
  if (prop("generic.heap_size", &heap) && prop("tcmalloc.pageheap_unmapped_bytes", &unmapped)) return heap - unmapped;
  return 0;
}

}  // namespace

std::uint64_t MallocAllocator::footprint_bytes() const {
  switch (flavor_) {
    case SystemFlavor::kGlibc: {
      struct mallinfo2 mi = mallinfo2();
      return mi.arena + mi.hblkhd;
    }
    case SystemFlavor::kJemalloc: {
      auto mallctl = lookup<Mallctl>("mallctl");
      if (mallctl == nullptr) return 0;
      jemalloc_refresh(mallctl);
      double mapped = jemalloc_stat(mallctl, "stats.mapped");
      return mapped > 0 ? static_cast<std::uint64_t>(mapped) : 0;
    }
    case SystemFlavor::kMimalloc: {
      MiInfo i;
      return mimalloc_info(i) ? i.commit : 0;
    }
    case SystemFlavor::kTcmalloc: {
      auto prop = lookup<TcProperty>("MallocExtension_GetNumericProperty");
      return prop != nullptr ? tcmalloc_footprint(prop) : 0;
    }
    case SystemFlavor::kOther: return 0;
  }
  return 0;
}

std::optional<std::uint64_t> MallocAllocator::allocated_bytes() const {
  switch (flavor_) {
    case SystemFlavor::kGlibc: {
      struct mallinfo2 mi = mallinfo2();
      return mi.uordblks + mi.hblkhd;
    }
    case SystemFlavor::kJemalloc: {
      auto mallctl = lookup<Mallctl>("mallctl");
      if (mallctl == nullptr) return std::nullopt;
      jemalloc_refresh(mallctl);
      double v = jemalloc_stat(mallctl, "stats.allocated");
      return v >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v)) : std::nullopt;
    }
    case SystemFlavor::kTcmalloc: {
      auto prop = lookup<TcProperty>("MallocExtension_GetNumericProperty");
      std::size_t v = 0;
      if (prop != nullptr && prop("generic.current_allocated_bytes", &v)) return v;
      return std::nullopt;
    }
    case SystemFlavor::kMimalloc:
    case SystemFlavor::kOther: return std::nullopt;
  }
  return std::nullopt;
}

AllocatorStats MallocAllocator::stats() const {
  AllocatorStats s;
  s.footprint_bytes = footprint_bytes();
  switch (flavor_) {
    case SystemFlavor::kGlibc: {
      struct mallinfo2 mi = mallinfo2();
      s.extra.emplace_back("glibc.arena", static_cast<double>(mi.arena));
      s.extra.emplace_back("glibc.hblkhd", static_cast<double>(mi.hblkhd));
      s.extra.emplace_back("glibc.uordblks", static_cast<double>(mi.uordblks));
      s.extra.emplace_back("glibc.fordblks", static_cast<double>(mi.fordblks));
      s.extra.emplace_back("glibc.keepcost", static_cast<double>(mi.keepcost));
      break;
    }
    case SystemFlavor::kJemalloc: {
      auto mallctl = lookup<Mallctl>("mallctl");
      if (mallctl == nullptr) break;  // footprint_bytes() refreshed the statistics
      for (const char* n : {"stats.allocated", "stats.active", "stats.metadata", "stats.resident", "stats.mapped",
                            "stats.retained"}) {
        double v = jemalloc_stat(mallctl, n);
        if (v >= 0) s.extra.emplace_back(std::string("jemalloc.") + (n + 6), v);
      }
      double metadata = jemalloc_stat(mallctl, "stats.metadata");
      if (metadata >= 0) s.metadata_bytes = static_cast<std::uint64_t>(metadata);
      break;
    }
    case SystemFlavor::kMimalloc: {
      MiInfo i;
      if (!mimalloc_info(i)) break;
      s.footprint_peak_bytes = i.peak_commit;
      s.extra.emplace_back("mimalloc.current_commit", static_cast<double>(i.commit));
      s.extra.emplace_back("mimalloc.peak_commit", static_cast<double>(i.peak_commit));
      s.extra.emplace_back("mimalloc.current_rss", static_cast<double>(i.rss));
      s.extra.emplace_back("mimalloc.peak_rss", static_cast<double>(i.peak_rss));
      s.extra.emplace_back("mimalloc.page_faults", static_cast<double>(i.faults));
      break;
    }
    case SystemFlavor::kTcmalloc: {
      auto prop = lookup<TcProperty>("MallocExtension_GetNumericProperty");
      if (prop == nullptr) break;
      for (const char* n : {"generic.current_allocated_bytes", "generic.heap_size", "tcmalloc.pageheap_free_bytes",
                            "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.central_cache_free_bytes",
                            "tcmalloc.thread_cache_free_bytes"}) {
        std::size_t v = 0;
        if (prop(n, &v)) s.extra.emplace_back(std::string("tcmalloc.") + n, static_cast<double>(v));
      }
      break;
    }
    case SystemFlavor::kOther: break;
  }
  return s;
}

void MallocAllocator::trim() {
  switch (flavor_) {
    case SystemFlavor::kGlibc: malloc_trim(0); break;
    case SystemFlavor::kJemalloc: {
      auto mallctl = lookup<Mallctl>("mallctl");
      // 4096 is MALLCTL_ARENAS_ALL: purge unused dirty pages of every arena.
      if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
      break;
    }
    case SystemFlavor::kMimalloc: {
      auto collect = lookup<MiCollect>("mi_collect");
      if (collect != nullptr) collect(true);
      break;
    }
    case SystemFlavor::kTcmalloc: {
      auto release = lookup<TcRelease>("MallocExtension_ReleaseFreeMemory");
      if (release != nullptr) release();
      break;
    }
    case SystemFlavor::kOther: break;
  }
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
    case SystemFlavor::kGlibc: return true;
    case SystemFlavor::kOther: {
      // preload:PATH: the library must be loaded, and the malloc this
      // process calls must be its own. The dynamic loader only warns about a
      // preload it cannot load (not an ELF file, wrong architecture) and goes
      // on with glibc, which would then be measured under the library's name.
      constexpr std::string_view kPrefix = "preload:";
      if (name_.rfind(kPrefix, 0) != 0) return true;
      const std::string path = name_.substr(kPrefix.size());
      void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
      if (handle == nullptr) return false;
      dlclose(handle);
      Dl_info info{};
      void* m = dlsym(RTLD_DEFAULT, "malloc");
      if (m == nullptr || dladdr(m, &info) == 0 || info.dli_fname == nullptr) return false;
      char* a = realpath(info.dli_fname, nullptr);
      char* b = realpath(path.c_str(), nullptr);
      const bool same = a != nullptr && b != nullptr && std::strcmp(a, b) == 0;
      std::free(a);
      std::free(b);
      return same;
    }
  }
  return false;
}

}  // namespace heapreplay
