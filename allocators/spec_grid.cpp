// Expanding a sweep's grid into its configurations (see spec_grid.h).
#include "allocators/spec_grid.h"

#include <limits>

#include "allocators/core/options.h"
#include "allocators/registry.h"

namespace heapreplay {

namespace {

// One key of the options and the values it takes (one unless a list).
struct Axis {
  std::string key;
  std::size_t key_at = 0;  // where the key starts in the spec
  bool has_value = true;   // false for a bare flag ("faithful")
  std::vector<std::string> values;
  std::vector<std::size_t> value_at;  // where each value starts
};

struct Grid {
  std::string name;  // up to and with the ':'
  std::vector<Axis> axes;
};

OptionError error_at(std::string_view text, const std::string& why, std::size_t index) {
  return OptionError("allocator '" + std::string(text) + "': " + why + " at position " + std::to_string(index + 1));
}

// Splits `text` (a spec) into its axes, checking the braces.
Grid parse_grid(std::string_view text) {
  Grid g;
  const std::size_t colon = text.find(':');
  const std::size_t stray = text.substr(0, colon).find_first_of("{}");
  if (stray != std::string_view::npos) throw error_at(text, "a brace in the allocator's name", stray);
  if (colon == std::string_view::npos || text.substr(0, colon) == "preload") {
    g.name = std::string(text);
    return g;
  }
  g.name = std::string(text.substr(0, colon + 1));
  std::size_t i = colon + 1;
  while (i <= text.size()) {
    // One item: key[=value], the value a word or a whole {list}.
    const std::size_t start = i;
    while (i < text.size() && text[i] != ',' && text[i] != '=' && text[i] != '{' && text[i] != '}') ++i;
    if (i < text.size() && (text[i] == '{' || text[i] == '}'))
      throw error_at(text, text[i] == '{' ? "a value list before '='" : "'}' without '{'", i);
    Axis axis;
    axis.key = std::string(text.substr(start, i - start));
    axis.key_at = start;
    if (i < text.size() && text[i] == '=') {
      ++i;
      if (i < text.size() && text[i] == '{') {
        const std::size_t open = i++;
        std::size_t value_start = i;
        for (;;) {
          if (i >= text.size()) throw error_at(text, "'{' not closed", open);
          const char c = text[i];
          if (c == '{') throw error_at(text, "a '{' inside a value list", i);
          if (c == ',' || c == '}') {
            std::string v(text.substr(value_start, i - value_start));
            if (v.empty())
              throw error_at(text, c == '}' && axis.values.empty() ? "an empty value list" : "an empty value in a list",
                             c == '}' && axis.values.empty() ? open : i);
            for (const std::string& seen : axis.values)
              if (seen == v) throw error_at(text, "the value '" + v + "' twice in one list", value_start);
            axis.values.push_back(std::move(v));
            axis.value_at.push_back(value_start);
            ++i;
            if (c == '}') break;
            value_start = i;
            continue;
          }
          ++i;
        }
        if (i < text.size() && text[i] != ',') throw error_at(text, "a value list must be the whole value", i);
      } else {
        const std::size_t value_start = i;
        while (i < text.size() && text[i] != ',' && text[i] != '{' && text[i] != '}') ++i;
        if (i < text.size() && text[i] != ',')
          throw error_at(text, text[i] == '}' ? "'}' without '{'" : "a value list must be the whole value", i);
        axis.values.push_back(std::string(text.substr(value_start, i - value_start)));
        axis.value_at.push_back(value_start);
      }
    } else {
      axis.has_value = false;
      axis.values.push_back("");
      axis.value_at.push_back(start);
    }
    if (!axis.key.empty()) {
      for (const Axis& a : g.axes)
        if (a.key == axis.key) throw error_at(text, "option '" + axis.key + "' given twice", start);
      g.axes.push_back(std::move(axis));
    } else if (axis.has_value) {
      throw error_at(text, "an option without a name", start);
    }
    ++i;  // past the ',' (or the end)
  }
  return g;
}

std::size_t size_of(const Grid& g) {
  std::size_t n = 1;
  for (const Axis& a : g.axes) {
    if (n > std::numeric_limits<std::size_t>::max() / a.values.size()) return std::numeric_limits<std::size_t>::max();
    n *= a.values.size();
  }
  return n;
}

}  // namespace

bool is_allocator_grid(std::string_view text) {
  const std::size_t colon = text.find(':');
  return colon != std::string_view::npos && text.substr(0, colon) != "preload" &&
         text.find_first_of("{}", colon) != std::string_view::npos;
}

std::size_t allocator_grid_size(std::string_view text) { return size_of(parse_grid(text)); }

std::vector<std::string> expand_allocator_grid(std::string_view text, std::size_t limit) {
  const Grid g = parse_grid(text);
  if (g.axes.empty() || !is_allocator_grid(text)) return {std::string(text)};
  // Every value checked against the allocator's table now, so that the
  // message can say where in the grid the bad one is.
  const std::string name = g.name.substr(0, g.name.size() - 1);
  if (!allocator_options(name).empty()) {
    for (const Axis& a : g.axes) {
      bool known = false;
      for (const OptionInfo& o : allocator_options(name)) known = known || o.key == a.key;
      for (std::size_t v = 0; v < a.values.size(); ++v) {
        const std::string item = a.has_value ? a.key + "=" + a.values[v] : a.key;
        // Positioned so that the message points at the key when it is
        // unknown, else at the value.
        const std::size_t base = a.has_value && known ? a.value_at[v] - a.key.size() - 1 : a.key_at;
        parse_allocator_options(name, item, text, base);
      }
    }
  }
  const std::size_t n = size_of(g);
  if (n > limit)
    throw OptionError("allocator '" + std::string(text) + "': the grid has " +
                      (n == std::numeric_limits<std::size_t>::max() ? std::string("too many") : std::to_string(n)) +
                      " configurations, more than " + std::to_string(limit) + " can run");
  std::vector<std::string> out;
  out.reserve(n);
  std::vector<std::size_t> at(g.axes.size(), 0);
  for (std::size_t k = 0; k < n; ++k) {
    std::string spec = g.name;
    for (std::size_t a = 0; a < g.axes.size(); ++a) {
      if (a) spec += ',';
      spec += g.axes[a].key;
      if (g.axes[a].has_value) spec += "=" + g.axes[a].values[at[a]];
    }
    out.push_back(std::move(spec));
    // The last axis varies fastest.
    for (std::size_t a = g.axes.size(); a-- > 0;) {
      if (++at[a] < g.axes[a].values.size()) break;
      at[a] = 0;
    }
  }
  return out;
}

}  // namespace heapreplay
