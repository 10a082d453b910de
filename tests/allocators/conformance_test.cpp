// The conformance suite over our five designs in their default settings.
#include "allocators/blocks/blocks.h"
#include "allocators/pages/pages.h"
#include "allocators/segfit/segfit.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/vmarena/vmarena.h"
#include "conformance_suite.h"

namespace heapreplay::conformance {

template <class A>
struct ConformanceTraits {
  static std::unique_ptr<A> make() { return std::make_unique<A>(); }
  static bool known_misalignment(std::size_t, std::size_t) { return false; }
};

using Designs = ::testing::Types<Sizeclass, Blocks, Segfit, Pages, Vmarena>;
INSTANTIATE_TYPED_TEST_SUITE_P(Designs, Conformance, Designs);

}  // namespace heapreplay::conformance
