// Our five designs, listed once. Everything that does something for each of
// them (dispatch by name, the catalogue, the conformance and fault-injection
// suites, the designs benchmark, the fuzz targets) iterates this list, so a
// sixth design is one folder and one entry here.
//
// A design is a class satisfying Allocator with a nested Config that has
// `static Config from_options(OptionMap&)`, and `kName` / `kSummary`.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "allocators/blocks/blocks.h"
#include "allocators/pages/pages.h"
#include "allocators/segfit/segfit.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/vmarena/vmarena.h"

namespace heapreplay {

template <class... Ts>
struct TypeList {
  static constexpr std::size_t kSize = sizeof...(Ts);
};

// In the order `-a all` and `heapreplay list` show them.
using Designs = TypeList<Sizeclass, Blocks, Segfit, Pages, Vmarena>;

// Calls f(std::type_identity<D>{}) for each design D, in order.
template <class F>
void for_each_design(F&& f) {
  [&]<class... Ds>(TypeList<Ds...>) { (f(std::type_identity<Ds>{}), ...); }(Designs{});
}

// The designs' names, in order.
inline constexpr auto kDesignNames = []<class... Ds>(TypeList<Ds...>) {
  return std::array<std::string_view, sizeof...(Ds)>{Ds::kName...};
}(Designs{});

// The list as another variadic template's arguments, e.g.
// RebindList<Designs, ::testing::Types> for a typed test suite.
template <class List, template <class...> class To>
struct RebindListImpl;
template <class... Ts, template <class...> class To>
struct RebindListImpl<TypeList<Ts...>, To> {
  using type = To<Ts...>;
};
template <class List, template <class...> class To>
using RebindList = typename RebindListImpl<List, To>::type;

}  // namespace heapreplay
