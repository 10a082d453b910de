// with_allocator(): constructs the allocator a spec names and calls f(a) with
// its concrete type, so everything f instantiates (the replay loop) is
// compiled per allocator. Include only where that is wanted (child process,
// tests, benchmarks): it pulls in every design.
#pragma once

#include <string>

#include "allocators/blocks/blocks.h"
#include "allocators/core/options.h"
#include "allocators/pages/pages.h"
#include "allocators/segfit/segfit.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/system/malloc_allocator.h"
#include "allocators/system/null_allocator.h"
#include "allocators/vmarena/vmarena.h"
#include "allocators/registry.h"

namespace heapreplay {

template <class F>
decltype(auto) with_allocator(const AllocatorSpec& spec, F&& f) {
  // Our designs: parse the spec's options into the design's config first, so
  // a bad option is an OptionError before anything runs.
  auto design = [&]<class A>(std::type_identity<A>) -> decltype(auto) {
    OptionMap opts = OptionMap::parse(spec.name, spec.options);
    auto config = A::Config::from_options(opts);
    opts.finish();
    A a(config);
    return f(a);
  };
  if (spec.name == "sizeclass") return design(std::type_identity<Sizeclass>{});
  if (spec.name == "blocks") return design(std::type_identity<Blocks>{});
  if (spec.name == "segfit") return design(std::type_identity<Segfit>{});
  if (spec.name == "pages") return design(std::type_identity<Pages>{});
  if (spec.name == "vmarena") return design(std::type_identity<Vmarena>{});
  if (spec.name == "null") {
    NullAllocator a;
    return f(a);
  }
  SystemFlavor flavor = SystemFlavor::kOther;
  if (spec.name == "glibc") flavor = SystemFlavor::kGlibc;
  else if (spec.name == "jemalloc") flavor = SystemFlavor::kJemalloc;
  else if (spec.name == "mimalloc") flavor = SystemFlavor::kMimalloc;
  else if (spec.name == "tcmalloc") flavor = SystemFlavor::kTcmalloc;
  else if (spec.name != "preload") throw OptionError("unknown allocator '" + spec.name + "'");
  MallocAllocator a(spec.name == "preload" ? spec.text : spec.name, flavor);
  return f(a);
}

}  // namespace heapreplay
