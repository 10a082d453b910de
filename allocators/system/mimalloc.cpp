// mimalloc: mi_process_info, mi_collect and mi_version; options through
// MIMALLOC_<OPTION> variables, read back with mi_option_get (mimalloc 2.0.9).
#include <cctype>
#include <cstddef>
#include <limits>

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

// mimalloc 2.0.9 (Debian 12): the options that tune it, each with its
// mi_option_t of that version's mimalloc.h (OptionInfo::native). Those that
// only print (show_errors, show_stats, verbose, max_errors, max_warnings),
// the deprecated ones and os_tag (macOS) are left out.
constexpr std::uint64_t kLongMax = std::numeric_limits<long>::max();
constexpr std::uint64_t kMsMax = std::numeric_limits<int>::max();
constexpr OptionInfo kOptions[] = {
    flag_option("eager_commit", "1", "commit a segment's memory when it is reserved (see eager_commit_delay)",
                "mi_option_get", 3),
    unsigned_option("eager_commit_delay", 0, kMsMax, "1", "segments of each thread committed on demand before that",
                    "mi_option_get", 14),
    flag_option("large_os_pages", "0", "2 MiB OS pages where the system gives them", "mi_option_get", 6),
    unsigned_option("reserve_huge_os_pages", 0, 1024, "0", "1 GiB huge pages reserved at start-up", "mi_option_get", 7),
    signed_option("reserve_huge_os_pages_at", -1, 1024, "-1", "the NUMA node they come from (-1: spread over all)",
                  "mi_option_get", 8),
    with_multiple(unsigned_option("reserve_os_memory", 0, std::uint64_t{1} << 40, "0",
                                  "bytes reserved from the OS at start-up", "mi_option_get (KiB)", 9),
                  1024),
    flag_option("page_reset", "0", "give a free page's memory back (reset) as soon as it is free", "mi_option_get", 11),
    flag_option("abandoned_page_decommit", "0", "decommit the free pages of a thread that ends", "mi_option_get", 12),
    unsigned_option("decommit_delay", 0, kMsMax, "25", "ms before the memory of free pages is decommitted",
                    "mi_option_get", 15),
    unsigned_option("use_numa_nodes", 0, 1024, "0", "NUMA nodes used at most (0: all)", "mi_option_get", 16),
    flag_option("limit_os_alloc", "0", "take memory from reserved memory only, never from the OS", "mi_option_get", 17),
    unsigned_option("max_segment_reclaim", 0, kLongMax, "8",
                    "abandoned segments a thread takes over at most per search", "mi_option_get", 21),
    flag_option("allow_decommit", "1", "decommit free memory at all (0: keep it committed)", "mi_option_get", 22),
    unsigned_option("segment_decommit_delay", 0, kMsMax, "500", "ms before a free segment's memory is decommitted",
                    "mi_option_get", 23),
    unsigned_option("decommit_extend_delay", 0, kMsMax, "1",
                    "ms a pending decommit is put off by when more of its segment is freed", "mi_option_get", 24),
};

constexpr std::string_view kVariables[] = {"MIMALLOC_*"};

// MIMALLOC_<KEY>=value, one variable each (flags 1 or 0).
std::vector<EnvSetting> environment(std::span<const OptionSetting> settings) {
  std::vector<EnvSetting> out;
  for (const OptionSetting& s : settings) {
    std::string name = "MIMALLOC_";
    for (char c : s.info->key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // mimalloc holds reserve_os_memory in KiB and reads a K suffix as such.
    std::string value = s.info->native == 9 ? std::to_string(s.value.unsigned_value / 1024) + "K" : s.value.text;
    out.push_back({std::move(name), std::move(value)});
  }
  return out;
}

using MiOptionGet = long (*)(int);

std::optional<OptionValue> read_back(const OptionInfo& o, const OptionValue*) {
  auto get = system_api::lookup<MiOptionGet>("mi_option_get");
  if (get == nullptr) return std::nullopt;
  const long v = get(o.native);
  switch (o.type) {
    case OptionType::kFlag: return OptionValue::of_flag(v != 0);
    case OptionType::kSigned: return OptionValue::of_signed(v);
    case OptionType::kUnsigned:
      if (v < 0) return OptionValue::of_signed(v);  // differs from any value asked
      return OptionValue::of_unsigned(static_cast<std::uint64_t>(v) * (o.native == 9 ? 1024 : 1));
    default: return std::nullopt;
  }
}

// Names of other mimalloc versions, and what 2.0.9 has instead.
std::string hint(std::string_view key) {
  struct Renamed {
    std::string_view other, here;
  };
  constexpr Renamed kRenamed[] = {{"purge_delay", "decommit_delay"},
                                  {"reset_delay", "decommit_delay"},
                                  {"purge_extend_delay", "decommit_extend_delay"},
                                  {"segment_purge_delay", "segment_decommit_delay"},
                                  {"abandoned_page_purge", "abandoned_page_decommit"},
                                  {"abandoned_page_reset", "abandoned_page_decommit"},
                                  {"disallow_os_alloc", "limit_os_alloc"}};
  for (const Renamed& r : kRenamed)
    if (key == r.other) return "mimalloc 2.0.9 calls it " + std::string(r.here);
  for (std::string_view later : {"arena_eager_commit", "purge_decommits", "arena_reserve", "arena_purge_mult",
                                 "disallow_arena_alloc", "retry_on_oom", "visit_abandoned", "guarded_min"})
    if (key == later) return "an option of later mimalloc versions; this one is 2.0.9";
  return "";
}

}  // namespace

extern const SystemConfiguration kMimallocConfiguration = {"MIMALLOC_<OPTION>", kOptions,  kVariables,
                                                           environment,         read_back, hint};

extern const SystemIntrospection kMimallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
