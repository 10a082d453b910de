// glibc's malloc (ptmalloc2): mallinfo2 and malloc_trim; options through
// GLIBC_TUNABLES=glibc.malloc.NAME=VALUE:... (glibc 2.36). glibc has no
// call that reports its tunables: only perturb is checked, by its effect.
#include <gnu/libc-version.h>
#include <malloc.h>

#include <limits>

#include "allocators/system/dl_lookup.h"
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

// glibc 2.36 (Debian 12), the malloc tunables (ld.so --list-tunables),
// with the ranges malloc itself takes: mallopt's setters silently ignore a
// value beyond them, and there is no read-back to catch that.
constexpr std::uint64_t kIntMax = std::numeric_limits<int>::max();
constexpr OptionInfo kOptions[] = {
    unsigned_option("arena_max", 1, kNoLimit, "8 x CPUs", "most arenas (threads share them beyond that)"),
    unsigned_option("arena_test", 1, kNoLimit, "8", "arenas made before arena_max is looked at"),
    unsigned_option("mmap_threshold", 0, std::uint64_t{32} << 20, "128K, adjusting itself",
                    "requests at least this large are mmapped (setting it stops the adjusting)"),
    unsigned_option("mmap_max", 0, kIntMax, "65536", "most blocks mmapped at once (0: never mmap)"),
    unsigned_option("trim_threshold", 0, kNoLimit, "128K, adjusting itself",
                    "free memory at the top of the heap beyond this goes back to the OS (setting it stops the "
                    "adjusting)"),
    unsigned_option("top_pad", 0, kNoLimit, "128K", "extra bytes asked of the OS each time the heap grows"),
    unsigned_option("perturb", 0, 255, "0", "fill new blocks with the complement of this byte and freed ones with it",
                    "by its effect: the bytes of a new block"),
    unsigned_option("tcache_count", 0, 65535, "7", "blocks each thread caches per size (0: no thread cache)"),
    unsigned_option("tcache_max", 0, 1032, "1032", "largest request the thread cache holds"),
    unsigned_option("tcache_unsorted_limit", 0, kNoLimit, "0",
                    "unsorted chunks looked at while filling the thread cache (0: no limit)"),
    unsigned_option("mxfast", 0, 160, "128", "largest request served from the fast bins (0: none)"),
    unsigned_option("hugetlb", 0, kNoLimit, "0",
                    "1: transparent huge pages (madvise); 2: huge pages of the default size; a size: of that size"),
};

constexpr std::string_view kVariables[] = {
    "GLIBC_TUNABLES",         "MALLOC_ARENA_MAX", "MALLOC_ARENA_TEST", "MALLOC_CHECK_",          "MALLOC_MMAP_MAX_",
    "MALLOC_MMAP_THRESHOLD_", "MALLOC_PERTURB_",  "MALLOC_TOP_PAD_",   "MALLOC_TRIM_THRESHOLD_",
};

// GLIBC_TUNABLES=glibc.malloc.key=value:glibc.malloc.key=value
std::vector<EnvSetting> environment(std::span<const OptionSetting> settings) {
  if (settings.empty()) return {};
  std::string tunables;
  for (const OptionSetting& s : settings)
    tunables +=
        (tunables.empty() ? "" : ":") + std::string("glibc.malloc.") + std::string(s.info->key) + "=" + s.value.text;
  return {{"GLIBC_TUNABLES", tunables, ':'}};
}

// Only perturb shows, in the bytes of a block fresh from _int_malloc (one
// larger than any thread-cache size): each is the complement of the byte.
std::optional<OptionValue> read_back(const OptionInfo& o, const OptionValue* asked) {
  if (o.key != "perturb" || asked == nullptr || asked->unsigned_value == 0) return std::nullopt;
  constexpr std::size_t kBytes = 4000;
  // Called through pointers, so that the compiler neither drops the pair
  // nor reasons about the block's (allocator-filled) bytes.
  auto do_malloc = system_api::lookup<void* (*)(std::size_t)>("malloc");
  auto do_free = system_api::lookup<void (*)(void*)>("free");
  if (do_malloc == nullptr || do_free == nullptr) return std::nullopt;
  auto* p = static_cast<const unsigned char*>(do_malloc(kBytes));
  if (p == nullptr) return std::nullopt;
  const unsigned char first = p[0];
  bool same = true;
  for (std::size_t i = 1; i < kBytes && same; ++i) same = p[i] == first;
  do_free(const_cast<unsigned char*>(p));
  // Not perturbed: 0, which differs from any byte asked.
  return OptionValue::of_unsigned(same ? static_cast<unsigned char>(first ^ 0xff) : 0);
}

std::string hint(std::string_view key) {
  if (key.starts_with("glibc.malloc.")) return "give the tunable's name without glibc.malloc.";
  if (key == "check") return "malloc checking needs libc_malloc_debug.so since glibc 2.34: not a tuning option";
  return "";
}

}  // namespace

extern const SystemConfiguration kGlibcConfiguration = {"GLIBC_TUNABLES", kOptions,  kVariables,
                                                        environment,      read_back, hint};

extern const SystemIntrospection kGlibcIntrospection = {footprint, allocated, fill_stats, trim, version, is_active};

}  // namespace heapreplay
