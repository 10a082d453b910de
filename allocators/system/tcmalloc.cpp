// gperftools tcmalloc: MallocExtension's numeric properties, releasing free
// memory, tc_version; options through TCMALLOC_<OPTION> variables, read back
// from the numeric properties or, where there is none, from the flag the
// library parsed the variable into (gperftools 2.10, libtcmalloc_minimal).
#include <cctype>
#include <cstddef>
#include <cstdint>

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

// Where each option is read back (OptionInfo::native indexes this): a
// numeric property, or the exported variable of the library's flag.
struct Source {
  enum Kind { kNone, kProperty, kBoolFlag, kInt64Flag, kDoubleFlag } kind;
  const char* name;
};
constexpr Source kSources[] = {
    {Source::kNone, nullptr},
    {Source::kDoubleFlag,
     "_ZN62FLAG__namespace_do_not_use_directly_use_DECLARE_double_instead27FLAGS_tcmalloc_release_rateE"},
    {Source::kProperty, "tcmalloc.max_total_thread_cache_bytes"},
    {Source::kProperty, "tcmalloc.aggressive_memory_decommit"},
    {Source::kProperty, "tcmalloc.heap_limit_mb"},
    {Source::kBoolFlag, "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead22FLAGS_malloc_skip_sbrkE"},
    {Source::kBoolFlag, "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead22FLAGS_malloc_skip_mmapE"},
    {Source::kBoolFlag,
     "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead35FLAGS_malloc_disable_memory_releaseE"},
    {Source::kInt64Flag,
     "_ZN61FLAG__namespace_do_not_use_directly_use_DECLARE_int64_instead43FLAGS_tcmalloc_large_alloc_report_"
     "thresholdE"},
};

// gperftools 2.10 (Debian 12, the minimal library: no heap profiler, so no
// sampling), the variables it reads; the ranges are those it keeps without
// clamping (the thread caches' total is held to 512K..1G).
constexpr OptionInfo kOptions[] = {
    real_option("release_rate", 0, 1000, "1", "how fast free memory goes back to the OS (0: never; higher: sooner)",
                "flag tcmalloc_release_rate", 1),
    unsigned_option("max_total_thread_cache_bytes", 512 << 10, 1 << 30, "32M", "all thread caches together at most",
                    "property tcmalloc.max_total_thread_cache_bytes", 2),
    flag_option("aggressive_decommit", "0", "give free spans back to the OS at once",
                "property tcmalloc.aggressive_memory_decommit", 3),
    unsigned_option("heap_limit_mb", 0, std::uint64_t{1} << 30, "0", "most MiB the heap may take (0: no limit)",
                    "property tcmalloc.heap_limit_mb", 4),
    unsigned_option("transfer_num_obj", 2, 65536, "32",
                    "most blocks moved at once between a thread cache and the central lists"),
    flag_option("skip_sbrk", "0", "never take memory with sbrk", "flag malloc_skip_sbrk", 5),
    flag_option("skip_mmap", "0", "never take memory with mmap", "flag malloc_skip_mmap", 6),
    flag_option("disable_memory_release", "0", "never give memory back to the OS (no madvise)",
                "flag malloc_disable_memory_release", 7),
    unsigned_option("large_alloc_report_threshold", 0, kNoLimit, "1G",
                    "requests at least this large are reported on stderr", "flag tcmalloc_large_alloc_report_threshold",
                    8),
};

constexpr std::string_view kVariables[] = {"TCMALLOC_*"};

// TCMALLOC_<KEY>=value, one variable each (flags 1 or 0).
std::vector<EnvSetting> environment(std::span<const OptionSetting> settings) {
  std::vector<EnvSetting> out;
  for (const OptionSetting& s : settings) {
    std::string name = "TCMALLOC_";
    for (char c : s.info->key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back({std::move(name), s.value.text});
  }
  return out;
}

std::optional<OptionValue> read_back(const OptionInfo& o, const OptionValue*) {
  const Source& src = kSources[o.native];
  switch (src.kind) {
    case Source::kNone: return std::nullopt;
    case Source::kProperty: {
      TcProperty prop = property_fn();
      std::size_t v = 0;
      if (prop == nullptr || !prop(src.name, &v)) return std::nullopt;
      return o.type == OptionType::kFlag ? OptionValue::of_flag(v != 0) : OptionValue::of_unsigned(v);
    }
    case Source::kBoolFlag:
      if (auto* p = system_api::lookup<const bool*>(src.name)) return OptionValue::of_flag(*p);
      return std::nullopt;
    case Source::kInt64Flag:
      if (auto* p = system_api::lookup<const std::int64_t*>(src.name)) {
        if (*p < 0) return OptionValue::of_signed(*p);
        return OptionValue::of_unsigned(static_cast<std::uint64_t>(*p));
      }
      return std::nullopt;
    case Source::kDoubleFlag:
      if (auto* p = system_api::lookup<const double*>(src.name)) return OptionValue::of_real(*p);
      return std::nullopt;
  }
  return std::nullopt;
}

std::string hint(std::string_view key) {
  if (key == "sample_parameter") return "sampling needs the full gperftools library; this is libtcmalloc_minimal";
  if (key.starts_with("memfs_") || key.starts_with("devmem_")) return "not used by libtcmalloc_minimal";
  return "";
}

}  // namespace

extern const SystemConfiguration kTcmallocConfiguration = {"TCMALLOC_<OPTION>", kOptions,  kVariables,
                                                           environment,         read_back, hint};

extern const SystemIntrospection kTcmallocIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
