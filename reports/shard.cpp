// Sharding and merging (see shard.h).
#include "reports/shard.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <tuple>

namespace heapreplay {

namespace {

constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::string hex64(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

using RunKey = std::tuple<std::string, std::string, int>;  // trace, allocator, repetition

std::string describe(const RunKey& k) {
  return std::get<1>(k) + " on " + std::get<0>(k) + " (repetition " + std::to_string(std::get<2>(k) + 1) + ")";
}

struct Planned {
  std::size_t order = 0;
  int shard = 0;
};

std::string shard_text(int index, int count) { return std::to_string(index) + "/" + std::to_string(count); }

// The build a fragment's context names, as one line.
std::string build_of(const nlohmann::json& c) {
  auto field = [&](const char* k) { return c.contains(k) && c[k].is_string() ? c[k].get<std::string>() : "?"; };
  return "heapreplay " + field("heapreplay_version") + " at " + field("git_revision") + ", " + field("compiler") +
         ", " + field("build_type");
}

}  // namespace

std::optional<ShardSpec> parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 6) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  ShardSpec s;
  if (!number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count)) return std::nullopt;
  if (s.count < 1 || s.index < 1 || s.index > s.count) return std::nullopt;
  return s;
}

double allocator_cost_per_event(std::string_view spec) {
  const std::string_view name = spec.substr(0, spec.find_first_of(":+"));
  if (name == "null") return 0.2;
  if (name == "jemalloc" || name == "mimalloc" || name == "tcmalloc") return 0.7;
  return 1.0;
}

std::vector<int> assign_shards(const std::vector<double>& costs, int count) {
  std::vector<int> out(costs.size(), 1);
  if (count <= 1) return out;
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  std::vector<double> load(static_cast<std::size_t>(count), 0.0);
  for (std::size_t i : order) {
    const std::size_t least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += costs[i];
    out[i] = static_cast<int>(least) + 1;
  }
  return out;
}

std::string fnv1a_hex(std::string_view bytes, std::uint64_t seed) { return hex64(fnv1a(bytes, seed)); }

std::string file_hash_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read it to hash its content");
  std::uint64_t h = 14695981039346656037ull;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h = fnv1a(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())), h);
  }
  if (in.bad()) throw std::runtime_error(path + ": cannot read it to hash its content");
  return hex64(h);
}

namespace {

// One fragment's context.shard.
struct ShardHeader {
  int index = 0, count = 0;
  std::string run_set;
};

ShardHeader read_shard_header(const std::string& path, const nlohmann::json& c) {
  if (!c.contains("shard") || !c["shard"].is_object())
    throw MergeError(path + ": not a shard's report (no context.shard: it was made without --shard K/N)");
  const nlohmann::json& sh = c["shard"];
  ShardHeader h;
  try {
    h.index = sh.at("index").get<int>();
    h.count = sh.at("count").get<int>();
    h.run_set = sh.at("run_set").get<std::string>();
    if (!sh.at("planned").is_array()) throw std::runtime_error("planned is not an array");
  } catch (const std::exception& e) {
    throw MergeError(path + ": context.shard is malformed (" + e.what() + ")");
  }
  return h;
}

// What the fragments are merged into, fragment by fragment.
struct Merge {
  std::map<RunKey, Planned> planned;  // the run set, from the first fragment
  std::vector<RunKey> planned_order;
  std::string run_set, first_path;
  int count = 0;
  std::map<int, std::string> shard_files;
  std::map<RunKey, std::string> seen;
  std::vector<const RunResult*> runs;
  nlohmann::json versions = nlohmann::json::object();

  void take_plan(const std::string& path, const ShardHeader& h, const nlohmann::json& sh) {
    run_set = h.run_set;
    count = h.count;
    first_path = path;
    for (const nlohmann::json& p : sh["planned"]) {
      try {
        RunKey k{p.at("trace").get<std::string>(), p.at("allocator").get<std::string>(), p.at("repetition").get<int>()};
        planned[k] = Planned{planned_order.size(), p.at("shard").get<int>()};
        planned_order.push_back(k);
      } catch (const std::exception& e) {
        throw MergeError(path + ": context.shard.planned is malformed (" + e.what() + ")");
      }
    }
  }

  // Every fragment after the first must be of the same build and run set.
  void check_same(const std::string& path, const ShardHeader& h, const nlohmann::json& c,
                  const nlohmann::json& first) const {
    if (build_of(c) != build_of(first))
      throw MergeError(path + ": made by " + build_of(c) + ", " + first_path + " by " + build_of(first) +
                       ": the shards of one run must share a build");
    if (h.run_set != run_set || h.count != count)
      throw MergeError(path + ": a fragment of another run set (" + h.run_set + " of " + std::to_string(h.count) +
                       " shards, against " + run_set + " of " + std::to_string(count) + " in " + first_path +
                       "): other traces, allocators or options");
  }

  std::map<RunKey, Planned>::iterator find(const RunResult& r) {
    auto it = planned.find(RunKey{r.trace, r.allocator, r.repetition});
    if (it == planned.end() && r.allocator.ends_with("+lock"))  // a design that ran behind its lock
      it = planned.find(RunKey{r.trace, r.allocator.substr(0, r.allocator.size() - 5), r.repetition});
    return it;
  }

  void take_runs(const std::string& path, int index, const Report& report) {
    for (const RunResult& r : report.runs) {
      if (r.status == "interrupted") continue;  // not run to its end: missing
      RunKey k{r.trace, r.allocator, r.repetition};
      auto it = find(r);
      if (it == planned.end()) throw MergeError(path + ": run " + describe(k) + " is not in the run set");
      if (it->second.shard != index)
        throw MergeError(path + ": run " + describe(k) + " belongs to shard " + shard_text(it->second.shard, count) +
                         ", not to this fragment's " + shard_text(index, count));
      if (auto [s, fresh] = seen.emplace(it->first, path); !fresh)
        throw MergeError("run " + describe(k) + " is in two fragments: " + s->second + " and " + path);
      runs.push_back(&r);
    }
  }

  void take(const std::string& path, const Report& report, const Report& first) {
    const nlohmann::json& c = report.context;
    const ShardHeader h = read_shard_header(path, c);
    if (&report == &first)
      take_plan(path, h, c["shard"]);
    else
      check_same(path, h, c, first.context);
    if (h.index < 1 || h.index > count)
      throw MergeError(path + ": shard " + shard_text(h.index, h.count) + " is not a shard");
    if (auto [it, fresh] = shard_files.emplace(h.index, path); !fresh)
      throw MergeError("shard " + shard_text(h.index, count) + " is given twice: " + it->second + " and " + path);
    if (c.contains("allocators") && c["allocators"].is_object())
      for (const auto& [k, v] : c["allocators"].items()) versions[k] = v;
    take_runs(path, h.index, report);
  }

  // The missing runs, shard by shard: the shards not given and (the first
  // five of) the runs a given shard lacks.
  std::string describe_missing(const std::vector<RunKey>& missing) {
    std::string text;
    std::map<int, std::size_t> absent;  // shards not given: how many runs
    std::vector<std::string> named;
    for (const RunKey& k : missing) {
      const int s = planned[k].shard;
      if (!shard_files.count(s))
        ++absent[s];
      else
        named.push_back(describe(k) + " of shard " + shard_text(s, count) + " (" + shard_files[s] + ")");
    }
    for (const auto& [s, n] : absent)
      text += (text.empty() ? "" : "; ") + std::string("shard ") + shard_text(s, count) + " not given (" +
              std::to_string(n) + " runs)";
    for (std::size_t i = 0; i < named.size() && i < 5; ++i) text += (text.empty() ? "" : "; ") + named[i];
    if (named.size() > 5) text += "; and " + std::to_string(named.size() - 5) + " more";
    return text;
  }

  Report result(const nlohmann::json& first_context, const std::vector<RunKey>& missing) {
    std::stable_sort(runs.begin(), runs.end(), [&](const RunResult* a, const RunResult* b) {
      return find(*a)->second.order < find(*b)->second.order;
    });
    Report out;
    out.context = first_context;
    out.context.erase("shard");
    out.context["allocators"] = versions;
    nlohmann::json files = nlohmann::json::array();
    for (const auto& [s, path] : shard_files) files.push_back(path);
    out.context["merged_shards"] = {{"count", count}, {"run_set", run_set}, {"fragments", files}};
    if (!missing.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const RunKey& k : missing)
        list.push_back({{"trace", std::get<0>(k)},
                        {"allocator", std::get<1>(k)},
                        {"repetition", std::get<2>(k)},
                        {"shard", planned[k].shard}});
      out.context["partial"] = {{"planned_runs", planned_order.size()}, {"missing_runs", std::move(list)}};
    }
    for (const RunResult* r : runs) out.runs.push_back(*r);
    return out;
  }
};

}  // namespace

Report merge_fragments(const std::vector<std::pair<std::string, Report>>& fragments, const MergeOptions& options) {
  if (fragments.empty()) throw MergeError("no fragment to merge");
  Merge m;
  for (const auto& [path, report] : fragments) m.take(path, report, fragments.front().second);
  std::vector<RunKey> missing;
  for (const RunKey& k : m.planned_order)
    if (!m.seen.count(k)) missing.push_back(k);
  if (!missing.empty() && !options.allow_partial)
    throw MergeError("missing " + std::to_string(missing.size()) + " of " + std::to_string(m.planned_order.size()) +
                     " runs: " + m.describe_missing(missing) +
                     " (--allow-partial merges what is there and marks the report partial)");
  return m.result(fragments.front().second.context, missing);
}

}  // namespace heapreplay
