// Parsing of allocator option strings (see options.h).
#include "allocators/core/options.h"

#include <charconv>
#include <limits>

namespace heapreplay {

OptionMap OptionMap::parse(std::string_view owner, std::string_view text) {
  OptionMap m;
  m.owner_ = std::string(owner);
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string key(item.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1));
    if (key.empty()) throw OptionError(m.owner_ + ": empty option name in '" + std::string(item) + "'");
    if (!m.values_.emplace(key, value).second) throw OptionError(m.owner_ + ": option '" + key + "' given twice");
  }
  return m;
}

bool OptionMap::take_flag(std::string_view key) {
  asked_.emplace_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return false;
  std::string v = it->second;
  values_.erase(it);
  if (v.empty() || v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no") return false;
  throw OptionError(owner_ + ": option '" + std::string(key) + "' takes no value or 0/1, not '" + v + "'");
}

std::optional<std::uint64_t> OptionMap::take_u64(std::string_view key) {
  asked_.emplace_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  auto v = parse_size(it->second);
  if (!v)
    throw OptionError(owner_ + ": option '" + std::string(key) + "' needs an unsigned number, not '" + it->second +
                      "'");
  values_.erase(it);
  return v;
}

std::optional<std::string> OptionMap::take_string(std::string_view key) {
  asked_.emplace_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  std::string v = it->second;
  values_.erase(it);
  return v;
}

void OptionMap::finish() const {
  if (!values_.empty()) throw OptionError(owner_ + ": unknown option '" + values_.begin()->first + "'");
}

}  // namespace heapreplay
