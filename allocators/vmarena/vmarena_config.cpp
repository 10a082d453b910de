// Reading VmarenaConfig from an option string (see vmarena_config.h).
#include "allocators/vmarena/vmarena_config.h"

#include <string>

namespace heapreplay {

VmarenaConfig VmarenaConfig::from_options(OptionMap& opts) {
  VmarenaConfig c;
  c.faithful = opts.take_flag("faithful");
  if (auto v = opts.take_u64("arena_bytes")) c.arena_bytes = *v;
  if (auto v = opts.take_u64("size_granule_bytes")) c.size_granule_bytes = *v;
  c.sparse = opts.take_flag("sparse");
  c.page_source = PageSourceConfig::from_options(opts);
  if (!is_power_of_two(c.size_granule_bytes) || c.size_granule_bytes > PageSource::os_page_bytes())
    throw OptionError(opts.owner() + ": size_granule_bytes must be a power of two up to the OS page (" +
                      std::to_string(PageSource::os_page_bytes()) + ")");
  return c;
}

}  // namespace heapreplay
