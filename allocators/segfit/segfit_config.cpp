// Reading SegfitConfig from an option string (see segfit_config.h).
#include "allocators/segfit/segfit_config.h"

#include <limits>
#include <string>

namespace heapreplay {

SegfitConfig SegfitConfig::from_options(OptionMap& opts) {
  SegfitConfig c;
  c.faithful = opts.take_flag("faithful");
  if (auto v = opts.take_u64("page_bytes")) c.page_bytes = *v;
  if (auto v = opts.take_u64("max_heap_pages")) c.max_heap_pages = *v;
  if (auto v = opts.take_u64("heap_reserve_bytes")) c.heap_reserve_bytes = *v;
  c.page_source = PageSourceConfig::from_options(opts);

  const std::uint64_t os_page = PageSource::os_page_bytes();
  // A page must at least hold the fixed overhead and one minimum block, and
  // growth must line up with what PageSource commits.
  if (c.page_bytes == 0 || c.page_bytes % os_page != 0)
    throw OptionError(opts.owner() + ": page_bytes must be a non-zero multiple of the OS page (" +
                      std::to_string(os_page) + ")");
  if (c.max_heap_pages == 0 || c.max_heap_pages > std::numeric_limits<std::uint64_t>::max() / c.page_bytes)
    throw OptionError(opts.owner() + ": max_heap_pages must be at least 1 and fit in 64 bits of bytes");
  if (c.heap_reserve_bytes < c.page_bytes)
    throw OptionError(opts.owner() + ": heap_reserve_bytes must be at least one page (page_bytes)");
  return c;
}

std::uint64_t SegfitConfig::heap_limit_bytes() const {
  if (page_bytes == 0) return 0;
  if (faithful) {
    if (max_heap_pages > std::numeric_limits<std::uint64_t>::max() / page_bytes) return 0;
    return max_heap_pages * page_bytes;
  }
  return heap_reserve_bytes / page_bytes * page_bytes;
}

}  // namespace heapreplay
