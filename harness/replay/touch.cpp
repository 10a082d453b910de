// Names of the touch policies as the command line spells them.
#include "harness/replay/touch.h"

namespace heapreplay {

const char* touch_name(Touch t) {
  switch (t) {
    case Touch::kNone: return "none";
    case Touch::kFirst: return "first";
    case Touch::kPages: return "pages";
    case Touch::kAll: return "all";
  }
  return "?";
}

std::optional<Touch> touch_from_name(std::string_view name) {
  for (Touch t : {Touch::kNone, Touch::kFirst, Touch::kPages, Touch::kAll})
    if (name == touch_name(t)) return t;
  return std::nullopt;
}

}  // namespace heapreplay
