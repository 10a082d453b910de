// jemalloc: statistics, version and purging through mallctl.
#include <cstddef>
#include <cstdint>

#include "allocators/system/dl_lookup.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

namespace {

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

Mallctl mallctl_fn() { return system_api::lookup<Mallctl>("mallctl"); }

// A size_t statistic; -1 if absent.
double stat(Mallctl mallctl, const char* name) {
  std::size_t v = 0, l = sizeof v;
  return mallctl(name, &v, &l, nullptr, 0) == 0 ? static_cast<double>(v) : -1.0;
}

// The statistics are cached: a new epoch refreshes them.
void refresh(Mallctl mallctl) {
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
}

std::uint64_t footprint() {
  Mallctl mallctl = mallctl_fn();
  if (mallctl == nullptr) return 0;
  refresh(mallctl);
  double mapped = stat(mallctl, "stats.mapped");
  return mapped > 0 ? static_cast<std::uint64_t>(mapped) : 0;
}

// stats.allocated: size-class rounded bytes of live blocks.
std::optional<std::uint64_t> allocated() {
  Mallctl mallctl = mallctl_fn();
  if (mallctl == nullptr) return std::nullopt;
  refresh(mallctl);
  double v = stat(mallctl, "stats.allocated");
  return v >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v)) : std::nullopt;
}

void fill_stats(AllocatorStats& s) {
  Mallctl mallctl = mallctl_fn();
  if (mallctl == nullptr) return;  // footprint_bytes() refreshed the statistics
  for (const char* n :
       {"stats.allocated", "stats.active", "stats.metadata", "stats.resident", "stats.mapped", "stats.retained"}) {
    double v = stat(mallctl, n);
    if (v >= 0) s.extra.emplace_back(std::string("jemalloc.") + (n + 6), v);
  }
  double metadata = stat(mallctl, "stats.metadata");
  if (metadata >= 0) s.metadata_bytes = static_cast<std::uint64_t>(metadata);
}

void trim() {
  // 4096 is MALLCTL_ARENAS_ALL: purge unused dirty pages of every arena.
  if (Mallctl mallctl = mallctl_fn()) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

std::string version() {
  Mallctl mallctl = mallctl_fn();
  const char* v = nullptr;
  std::size_t len = sizeof v;
  if (mallctl != nullptr && mallctl("version", &v, &len, nullptr, 0) == 0 && v != nullptr) return v;
  return "";
}

bool is_active() { return mallctl_fn() != nullptr; }

}  // namespace

extern const SystemIntrospection kJemallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
