// jemalloc: statistics, version and purging through mallctl; options
// through MALLOC_CONF, read back as mallctl's opt.* (jemalloc 5.3).
#include <sys/types.h>

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

// The C type of each option's opt.* mallctl (OptionInfo::native).
enum CType { kBool, kUnsignedInt, kSizeT, kSsizeT, kString };

// jemalloc 5.3.0 (Debian 12), the options that tune it; the ranges are
// those its MALLOC_CONF parser takes without clipping. Debugging and
// profiling options (stats_print, prof, utrace, ...) are left out.
constexpr std::int64_t kMaxDecayMs = 18446744072000;  // NSTIME_SEC_MAX seconds, in ms
constexpr OptionInfo kOptions[] = {
    unsigned_option("narenas", 1, 4094, "4 x CPUs", "arenas that threads are spread over", "opt.narenas", kUnsignedInt),
    signed_option("dirty_decay_ms", -1, kMaxDecayMs, "10000",
                  "ms an unused dirty page waits before it is purged (0: at once, -1: never)", "opt.dirty_decay_ms",
                  kSsizeT),
    signed_option("muzzy_decay_ms", -1, kMaxDecayMs, "0",
                  "ms a lazily purged (muzzy) page waits before it is given back for good (0: at once, -1: never)",
                  "opt.muzzy_decay_ms", kSsizeT),
    flag_option("background_thread", "0", "purge in jemalloc's own threads rather than in the application's",
                "opt.background_thread", kBool),
    unsigned_option("max_background_threads", 1, 4094, "set at start-up from the CPUs",
                    "most background threads (with background_thread)", "opt.max_background_threads", kSizeT),
    flag_option("tcache", "1", "a cache of small blocks per thread", "opt.tcache", kBool),
    unsigned_option("tcache_max", 0, std::uint64_t{8} << 20, "32K", "largest size kept in the thread caches",
                    "opt.tcache_max", kSizeT),
    flag_option("retain", "1", "keep unused address space mapped for reuse instead of unmapping it", "opt.retain",
                kBool),
    choice_option("dss", "disabled|primary|secondary", "secondary", "sbrk before (primary) or after mmap, or never",
                  "opt.dss", kString),
    choice_option("percpu_arena", "disabled|percpu|phycpu", "disabled",
                  "one arena per CPU or per physical core (narenas is then at least that many)", "opt.percpu_arena",
                  kString),
    unsigned_option("oversize_threshold", 0, std::uint64_t{1} << 40, "8M",
                    "requests at least this large go to an arena of their own (0: none)", "opt.oversize_threshold",
                    kSizeT),
    unsigned_option("lg_extent_max_active_fit", 0, 64, "6",
                    "a free extent reused for a request is at most 2^N times its size", "opt.lg_extent_max_active_fit",
                    kSizeT),
    choice_option("thp", "default|always|never", "default", "transparent huge pages for the heap (madvise)", "opt.thp",
                  kString),
    choice_option("metadata_thp", "disabled|auto|always", "disabled", "transparent huge pages for jemalloc's metadata",
                  "opt.metadata_thp", kString),
    flag_option("cache_oblivious", "1", "large blocks start at a random cache line of their first page",
                "opt.cache_oblivious", kBool),
    choice_option("junk", "false|true|alloc|free", "false", "fill new blocks with 0xa5 and freed ones with 0x5a",
                  "opt.junk", kString),
    flag_option("zero", "0", "zero-fill every new block", "opt.zero", kBool),
    choice_option("zero_realloc", "free|alloc|abort", "free", "what realloc(p, 0) does", "opt.zero_realloc", kString),
};

constexpr std::string_view kVariables[] = {"MALLOC_CONF"};

// MALLOC_CONF=key:value,key:value (jemalloc spells flags true/false).
std::vector<EnvSetting> environment(std::span<const OptionSetting> settings) {
  if (settings.empty()) return {};
  std::string conf;
  for (const OptionSetting& s : settings) {
    conf += conf.empty() ? "" : ",";
    conf += std::string(s.info->key) + ":" +
            (s.value.type == OptionType::kFlag ? (s.value.flag ? "true" : "false") : s.value.text);
  }
  return {{"MALLOC_CONF", conf, ','}};
}

template <class T>
std::optional<T> read_opt(Mallctl mallctl, const std::string& name) {
  T v{};
  std::size_t len = sizeof v;
  if (mallctl(name.c_str(), &v, &len, nullptr, 0) != 0 || len != sizeof v) return std::nullopt;
  return v;
}

std::optional<OptionValue> read_back(const OptionInfo& o, const OptionValue*) {
  Mallctl mallctl = mallctl_fn();
  if (mallctl == nullptr) return std::nullopt;
  const std::string name = "opt." + std::string(o.key);
  switch (static_cast<CType>(o.native)) {
    case kBool:
      if (auto v = read_opt<bool>(mallctl, name)) return OptionValue::of_flag(*v);
      break;
    case kUnsignedInt:
      if (auto v = read_opt<unsigned>(mallctl, name)) return OptionValue::of_unsigned(*v);
      break;
    case kSizeT:
      if (auto v = read_opt<std::size_t>(mallctl, name)) return OptionValue::of_unsigned(*v);
      break;
    case kSsizeT:
      if (auto v = read_opt<ssize_t>(mallctl, name)) return OptionValue::of_signed(*v);
      break;
    case kString:
      if (auto v = read_opt<const char*>(mallctl, name); v && *v != nullptr) return OptionValue::of_choice(*v);
      break;
  }
  return std::nullopt;
}

std::string hint(std::string_view key) {
  if (key == "lg_tcache_max") return "jemalloc 5.3 takes the size itself: tcache_max";
  if (key == "decay_time" || key == "lg_dirty_mult" || key == "purge")
    return "jemalloc 5 purges by time: dirty_decay_ms and muzzy_decay_ms";
  return "";
}

}  // namespace

extern const SystemConfiguration kJemallocConfiguration = {"MALLOC_CONF", kOptions,  kVariables,
                                                           environment,   read_back, hint};

extern const SystemIntrospection kJemallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
