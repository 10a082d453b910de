// Sharding a session over machines (`--shard K/N`) and merging what the
// shards wrote (`heapreplay report merge`). A session's runs, every
// (trace, allocator, repetition), form its run set; the shards partition it
// by estimated cost, deterministically, so that N machines given the same
// command and traces each run about 1/N of the work and together run each
// run exactly once. Each shard's report is a fragment: its `context.shard`
// names the run set (an identity over the traces' contents, the allocators,
// the options and the build) and lists every planned run with its shard, so
// that a merge can say exactly what is missing. SCHEMA.md, "shard".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "reports/run_result.h"

namespace heapreplay {

struct ShardSpec {
  int index = 0;  // 1-based: shard K of ...
  int count = 0;  // ... N; 0: not sharded
  bool active() const { return count > 0; }
};

// "K/N" with 1 <= K <= N; nullopt for anything else ("0/4", "5/4", "1/0").
std::optional<ShardSpec> parse_shard(std::string_view text);

// Relative cost per event of a replay through the allocator spec (an
// estimate from the measured tables: our designs and glibc about 1, the
// thread-caching allocators a little less, null a fifth).
double allocator_cost_per_event(std::string_view spec);

// One shard (1-based) per cost, `count` shards: the costs taken from the
// largest down (ties by position), each to the shard with the least cost so
// far (ties to the lowest shard). The same input always gives the same
// assignment.
std::vector<int> assign_shards(const std::vector<double>& costs, int count);

// 64-bit FNV-1a, as 16 hex digits: identity, not security.
std::string fnv1a_hex(std::string_view bytes, std::uint64_t seed = 14695981039346656037ull);

// The same over a file's bytes. Throws std::runtime_error naming the file.
std::string file_hash_hex(const std::string& path);

// A fragment that cannot be merged; the message is one line naming it.
struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MergeOptions {
  bool allow_partial = false;  // missing runs mark the report partial instead of failing
};

// Merges fragments (path, report) of one run set into the report an
// unsharded session would have written: its runs in the unsharded order,
// the context of the first fragment without its shard block, plus
// `merged_shards`; with allow_partial and runs missing, `context.partial`
// lists them. Throws MergeError for a report that is not a fragment, a
// fragment of another run set or build, a shard given twice, a run outside
// its fragment's shard or in two fragments, and (unless allow_partial) for
// missing runs, naming them.
Report merge_fragments(const std::vector<std::pair<std::string, Report>>& fragments, const MergeOptions& options);

}  // namespace heapreplay
