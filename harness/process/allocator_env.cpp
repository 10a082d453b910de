// A child's allocator environment (see allocator_env.h).
#include "harness/process/allocator_env.h"

#include <cstdlib>
#include <cstring>

#include "allocators/registry.h"

extern char** environ;

namespace heapreplay {

namespace {

// `variable` matches `pattern`: the same name, or a prefix ending in '*'.
bool matches(std::string_view pattern, std::string_view variable) {
  if (!pattern.empty() && pattern.back() == '*') return variable.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == variable;
}

bool is_allocator_variable(std::string_view variable) {
  if (variable == "LD_PRELOAD") return true;
  for (const SystemAllocator& row : system_allocators())
    for (std::string_view pattern : row.config->variables)
      if (matches(pattern, variable)) return true;
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> inherited_allocator_variables() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    std::string name(*e, static_cast<std::size_t>(eq - *e));
    if (is_allocator_variable(name)) out.emplace_back(std::move(name), eq + 1);
  }
  return out;
}

bool allocator_reads(std::string_view name, std::string_view variable) {
  for (std::string_view pattern : allocator_variables(name))
    if (matches(pattern, variable)) return true;
  return false;
}

std::string inherited_conflict(const std::vector<std::string>& spec_names) {
  for (const auto& [var, value] : inherited_allocator_variables()) {
    for (const std::string& name : spec_names) {
      if (!allocator_reads(name, var)) continue;
      std::string shown = value.size() > 60 ? value.substr(0, 57) + "..." : value;
      return var + "=" + shown + " is set in this environment and would change " + name +
             "'s configuration: unset it, or pass --inherit-env to let it through";
    }
  }
  return "";
}

void set_allocator_environment(ProcessSpec& p, const std::vector<EnvSetting>& settings, bool inherit) {
  if (!inherit) {
    for (const auto& [var, value] : inherited_allocator_variables())
      if (var != "LD_PRELOAD") p.unset_env.push_back(var);
  }
  for (const EnvSetting& s : settings) {
    std::string value = s.value;
    if (inherit && s.join != 0) {
      const char* before = std::getenv(s.name.c_str());
      if (before != nullptr && *before != '\0') value = std::string(before) + s.join + value;
    }
    p.unset_env.push_back(s.name);
    p.set_env.push_back(s.name + "=" + value);
  }
}

}  // namespace heapreplay
