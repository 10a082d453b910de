// The generator catalogue (see generator.h).
#include "traces/generators/generator.h"

namespace heapreplay {

std::span<const GeneratorKind* const> generator_kinds() {
  static const GeneratorKind* const kinds[] = {
      &synthetic_generator(), &larson_generator(),         &xmalloc_generator(),      &churn_generator(),
      &large_generator(),     &realloc_buffer_generator(), &fragmentation_generator()};
  return kinds;
}

const GeneratorKind* find_generator(std::string_view name) {
  for (const GeneratorKind* k : generator_kinds())
    if (k->name == name) return k;
  return nullptr;
}

Trace generate_trace(std::string_view kind, const std::vector<std::string>& params, std::uint64_t seed) {
  const GeneratorKind* k = find_generator(kind);
  if (!k) {
    std::string list;
    for (const GeneratorKind* g : generator_kinds()) list += (list.empty() ? "" : ", ") + std::string(g->name);
    throw GenError("unknown generator '" + std::string(kind) + "' (known: " + list + ", fit)");
  }
  GenParams p(std::string(k->name), k->params, params, k->phased);
  Trace t = k->generate(p, seed);
  t.format = "generated:" + std::string(k->name);
  return t;
}

}  // namespace heapreplay
