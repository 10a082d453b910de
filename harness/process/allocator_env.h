// The allocator variables of a child's environment. A child starts with a
// clean allocator environment: every variable an allocator reads its
// configuration from (MALLOC_CONF, MIMALLOC_*, GLIBC_TUNABLES and glibc's
// MALLOC_*_ aliases, TCMALLOC_*) that heapreplay inherited is dropped, and
// the spec's own settings are set; LD_PRELOAD is always the allocator's
// (launch.h). Under --inherit-env the inherited ones are kept, and a
// setting of a variable that joins several (MALLOC_CONF, GLIBC_TUNABLES)
// goes after the inherited value, so that it wins.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "allocators/system/system_allocator.h"
#include "harness/process/launch.h"

namespace heapreplay {

// Every allocator variable of heapreplay's own environment, LD_PRELOAD
// included, as (name, value) in the environment's order.
std::vector<std::pair<std::string, std::string>> inherited_allocator_variables();

// Whether the allocator `name` (a spec's name) reads variable `variable`.
bool allocator_reads(std::string_view name, std::string_view variable);

// One line saying which inherited variable would change the configuration
// of which of `spec_names` (allocator names), or "" when none would.
std::string inherited_conflict(const std::vector<std::string>& spec_names);

// Drops the inherited allocator variables from `p`'s environment (unless
// `inherit`) and sets `settings` (joined after an inherited value under
// `inherit`, for the variables that join).
void set_allocator_environment(ProcessSpec& p, const std::vector<EnvSetting>& settings, bool inherit);

}  // namespace heapreplay
