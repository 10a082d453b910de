// Sweeps: `-a 'jemalloc:dirty_decay_ms={0,1000},narenas={1,4}'` is the grid
// of every combination of the listed values (here 4 configurations), each
// then an allocator spec of its own ("jemalloc:dirty_decay_ms=0,narenas=1",
// ...). A value list is `{a,b,...}` and must be the whole value of its key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace heapreplay {

// Whether `text` spells a grid (a value list in its options).
bool is_allocator_grid(std::string_view text);

// How many configurations `text` spells (1 for a plain spec), without
// making them; saturates at SIZE_MAX. Throws as expand_allocator_grid.
std::size_t allocator_grid_size(std::string_view text);

// The configurations of `text`, the first key's values varying slowest; a
// plain spec (and preload:PATH, whose path is taken as it is) is itself.
// Throws OptionError "allocator 'TEXT': why at position N" (N counted from 1
// in TEXT) for an empty list `{}`, an empty value in a list, an unbalanced
// or nested brace, a list that is not a whole value, a key given twice or a
// value twice in one list, and for more than `limit` configurations.
std::vector<std::string> expand_allocator_grid(std::string_view text, std::size_t limit);

}  // namespace heapreplay
