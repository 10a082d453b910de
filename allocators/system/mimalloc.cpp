// mimalloc: mi_process_info, mi_collect and mi_version.
#include <cstddef>

#include "allocators/system/dl_lookup.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

namespace {

using MiProcessInfo = void (*)(std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                               std::size_t*, std::size_t*);
using MiVersion = int (*)();
using MiCollect = void (*)(bool);

struct MiInfo {
  std::size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0, faults = 0;
};

bool process_info(MiInfo& i) {
  auto info = system_api::lookup<MiProcessInfo>("mi_process_info");
  if (info == nullptr) return false;
  info(&i.elapsed, &i.user, &i.sys, &i.rss, &i.peak_rss, &i.commit, &i.peak_commit, &i.faults);
  return true;
}

std::uint64_t footprint() {
  MiInfo i;
  return process_info(i) ? i.commit : 0;
}

// mimalloc 2.0 keeps no count of live bytes that is cheap to read.
std::optional<std::uint64_t> allocated() { return std::nullopt; }

void fill_stats(AllocatorStats& s) {
  MiInfo i;
  if (!process_info(i)) return;
  s.footprint_peak_bytes = i.peak_commit;
  s.extra.emplace_back("mimalloc.current_commit", static_cast<double>(i.commit));
  s.extra.emplace_back("mimalloc.peak_commit", static_cast<double>(i.peak_commit));
  s.extra.emplace_back("mimalloc.current_rss", static_cast<double>(i.rss));
  s.extra.emplace_back("mimalloc.peak_rss", static_cast<double>(i.peak_rss));
  s.extra.emplace_back("mimalloc.page_faults", static_cast<double>(i.faults));
}

void trim() {
  if (auto collect = system_api::lookup<MiCollect>("mi_collect")) collect(true);
}

std::string version() {
  auto ver = system_api::lookup<MiVersion>("mi_version");
  if (ver == nullptr) return "";
  int v = ver();  // e.g. 209 for 2.0.9
  return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
}

bool is_active() { return system_api::lookup<MiVersion>("mi_version") != nullptr; }

}  // namespace

extern const SystemIntrospection kMimallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
