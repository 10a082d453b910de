// The conformance suite over our five designs in their default settings.
#include "allocators/designs.h"
#include "conformance_suite.h"

namespace heapreplay::conformance {

template <class A>
struct ConformanceTraits {
  static std::unique_ptr<A> make() { return std::make_unique<A>(); }
  static bool known_misalignment(std::size_t, std::size_t) { return false; }
};

using DesignTypes = RebindList<Designs, ::testing::Types>;
INSTANTIATE_TYPED_TEST_SUITE_P(Designs, Conformance, DesignTypes);

}  // namespace heapreplay::conformance
