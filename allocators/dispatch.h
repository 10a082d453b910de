// with_allocator(): constructs the allocator a spec names and calls f(a) with
// its concrete type, so everything f instantiates (the replay loop) is
// compiled per allocator. Include only where that is wanted (child process,
// tests, benchmarks): it pulls in every design.
#pragma once

#include <string>

#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "allocators/registry.h"
#include "allocators/system/malloc_allocator.h"
#include "allocators/system/null_allocator.h"

namespace heapreplay {

namespace dispatch_detail {

// Our design named spec.name, if it is one (else the system allocators').
// Its options are parsed into the design's config first, so a bad option is
// an OptionError before anything runs.
template <class F, class D, class... Rest>
decltype(auto) with_design(const AllocatorSpec& spec, F& f, TypeList<D, Rest...>) {
  if (spec.name == D::kName) {
    OptionMap opts = OptionMap::parse(spec.name, spec.options);
    auto config = D::Config::from_options(opts);
    opts.finish();
    D a(config);
    return f(a);
  }
  if constexpr (sizeof...(Rest) > 0) {
    return with_design(spec, f, TypeList<Rest...>{});
  } else {
    if (spec.name == "null") {
      NullAllocator a;
      return f(a);
    }
    const SystemAllocator* row = find_system_allocator(spec.name);
    if (row == nullptr && spec.name != "preload") throw OptionError("unknown allocator '" + spec.name + "'");
    MallocAllocator a(row != nullptr ? spec.name : spec.text, row != nullptr ? row->api : nullptr);
    return f(a);
  }
}

}  // namespace dispatch_detail

template <class F>
decltype(auto) with_allocator(const AllocatorSpec& spec, F&& f) {
  return dispatch_detail::with_design(spec, f, Designs{});
}

}  // namespace heapreplay
