// heapreplay trace: tools over traces of any format (traces/tools/): slice,
// filter, scale, merge (each writes an .hrt), stats and compare (print).
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"
#include "traces/generators/params.h"
#include "traces/hrt_format.h"
#include "traces/tools/filter.h"
#include "traces/tools/merge.h"
#include "traces/tools/scale.h"
#include "traces/tools/slice.h"
#include "traces/tools/trace_distance.h"
#include "traces/tools/trace_stats.h"
#include "traces/trace_source.h"

namespace heapreplay::cli {

namespace {

const char* kTraceUsage =
    "TOOL ...\n"
    "  slice   TRACE -o OUT.hrt (--events A:B | --time T0:T1) [--prior drop|alloc] [--no-close]\n"
    "  filter  TRACE -o OUT.hrt [--thread LIST] [--size MIN:MAX] [--op LIST]\n"
    "  scale   TRACE -o OUT.hrt [--sizes K] [--threads K]\n"
    "  merge   TRACE TRACE... -o OUT.hrt [--order auto|time|proportional|concat]\n"
    "  stats   TRACE [--json] [--bins-per-octave N] [--points N]\n"
    "  compare TRACE_A TRACE_B [--json]\n"
    "  shrink  TRACE -o OUT.hrt -a ALLOCATOR --until crashed|failed|violation|timeout|METRIC>VALUE [--budget T]\n"
    "\n"
    "Ranges are A:B with either side optional (A:B keeps A up to, not including, B).\n"
    "Counts take k, M, G (x1000); sizes take K, M, G (x1024). Thread lists: 0,2,5-7.\n"
    "Ops: malloc, calloc, realloc, free, aligned.";

struct Range {
  std::uint64_t lo = 0, hi = ~std::uint64_t{0};
};

Range parse_range(const std::string& text, const char* option, bool bytes, bool inclusive_hi) {
  auto colon = text.find(':');
  if (colon == std::string::npos)
    throw UsageError(std::string(option) + " needs A:B (either side may be left out), not '" + text + "'");
  auto number = [&](const std::string& s) {
    auto v = bytes ? parse_size(s) : parse_count(s);
    if (!v) throw UsageError(std::string(option) + ": '" + s + "' is not " + (bytes ? "a size" : "a count"));
    return *v;
  };
  Range r;
  std::string a = text.substr(0, colon), b = text.substr(colon + 1);
  if (!a.empty()) r.lo = number(a);
  if (!b.empty()) r.hi = number(b);
  if (r.lo > r.hi || (!inclusive_hi && r.lo == r.hi && !b.empty()))
    throw UsageError(std::string(option) + ": the range '" + text + "' is empty");
  return r;
}

std::vector<std::uint32_t> parse_threads(const std::string& text) {
  std::vector<std::uint32_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    auto dash = item.find('-');
    auto lo = parse_count(item.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : parse_count(item.substr(dash + 1));
    if (!lo || !hi || *lo > *hi || *hi > 65535)
      throw UsageError("--thread needs thread numbers like 0,2,5-7, not '" + text + "'");
    for (std::uint64_t t = *lo; t <= *hi; ++t) out.push_back(static_cast<std::uint32_t>(t));
  }
  return out;
}

std::uint32_t parse_ops(const std::string& text) {
  std::uint32_t mask = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    bool found = false;
    for (int o = 0; o < kOpCount; ++o)
      if (item == op_name(static_cast<Op>(o))) {
        mask |= 1u << o;
        found = true;
      }
    if (!found) throw UsageError("--op: unknown operation '" + item + "' (malloc, calloc, realloc, free, aligned)");
  }
  return mask;
}

// A factor as an exact fraction: "2" -> 2/1, "0.25" -> 25/100.
std::pair<std::uint64_t, std::uint64_t> parse_factor(const std::string& text) {
  std::uint64_t num = 0, den = 1;
  bool point = false, digit = false;
  for (char c : text) {
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9' || num > 100000000000ull || den > 100000000000ull)
      throw UsageError("--sizes needs a factor such as 2, 0.5 or 1.25, not '" + text + "'");
    digit = true;
    num = num * 10 + static_cast<std::uint64_t>(c - '0');
    if (point) den *= 10;
  }
  if (!digit || num == 0) throw UsageError("--sizes needs a factor above 0, not '" + text + "'");
  return {num, den};
}

std::string counts(const Trace& t) {
  return std::to_string(t.events.size()) + " events, " + std::to_string(t.thread_count) + " thread(s)";
}

int trace_slice(const std::vector<std::string>& args) {
  std::string path, out, format, events, time, prior = "drop";
  po::options_description d("Options");
  d.add_options()("trace", po::value(&path), "the trace")("output,o", po::value(&out), "the .hrt to write")(
      "events", po::value(&events), "A:B: events A (from 0) up to, not including, B")(
      "time", po::value(&time), "T0:T1: from the first event at or after T0 ns to the last before T1 ns")(
      "prior", po::value(&prior)->default_value("drop"),
      "objects live when the slice begins: drop (their frees are left out) or alloc (allocated first)")(
      "no-close", "leave objects live at the end of the slice live (default: free them there)")(
      "format", po::value(&format), "force the input format");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("trace slice", args, d, pos, vm, "TRACE -o OUT.hrt (--events A:B | --time T0:T1) [OPTIONS]"))
    return kExitOk;
  if (path.empty() || out.empty()) throw UsageError("need a trace and -o OUT.hrt");
  if (events.empty() == time.empty()) throw UsageError("give one of --events A:B and --time T0:T1");
  if (prior != "drop" && prior != "alloc") throw UsageError("--prior must be drop or alloc");
  Range r = parse_range(events.empty() ? time : events, events.empty() ? "--time" : "--events", false, false);
  Trace t = load_trace(path, format);
  SliceOptions o;
  if (!events.empty()) {
    o.begin_event = r.lo;
    o.end_event = r.hi;
  } else {
    if (t.timestamps_ns.empty()) throw UsageError(path + " has no timestamps: slice it with --events");
    std::tie(o.begin_event, o.end_event) = event_range_of_time(t, r.lo, r.hi);
  }
  o.prior = prior == "alloc" ? SliceOptions::Prior::kAllocate : SliceOptions::Prior::kDrop;
  o.close = !vm.count("no-close");
  SliceReport rep;
  Trace s = slice_trace(t, o, &rep);
  if (int rc = write_trace(s, out)) return rc;
  std::cerr << "heapreplay: " << path << " events " << o.begin_event << ".."
            << std::min<std::uint64_t>(o.end_event, t.events.size()) << " (" << rep.events_in_range << " events; "
            << rep.prior_objects << " objects live before it, "
            << (o.prior == SliceOptions::Prior::kAllocate
                    ? "allocated first"
                    : std::to_string(rep.dropped_events) + " of their frees dropped, " +
                          std::to_string(rep.fresh_reallocs) + " reallocs made fresh")
            << "; " << rep.closed_objects << " closed at the end) -> " << out << " (" << counts(s) << ")\n";
  return kExitOk;
}

int trace_filter(const std::vector<std::string>& args) {
  std::string path, out, format, threads, size, ops;
  po::options_description d("Options");
  d.add_options()("trace", po::value(&path), "the trace")("output,o", po::value(&out), "the .hrt to write")(
      "thread", po::value(&threads), "keep objects allocated by these threads (e.g. 0,2,5-7)")(
      "size", po::value(&size), "MIN:MAX: keep objects whose first request is MIN..MAX bytes (inclusive)")(
      "op", po::value(&ops), "keep these operations (e.g. malloc,free): a dropped free leaks its object")(
      "format", po::value(&format), "force the input format");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("trace filter", args, d, pos, vm, "TRACE -o OUT.hrt [--thread LIST] [--size MIN:MAX] [--op LIST]"))
    return kExitOk;
  if (path.empty() || out.empty()) throw UsageError("need a trace and -o OUT.hrt");
  FilterOptions o;
  if (!threads.empty()) o.threads = parse_threads(threads);
  if (!size.empty()) {
    Range r = parse_range(size, "--size", true, true);
    o.min_size = r.lo;
    o.max_size = r.hi;
  }
  if (!ops.empty()) o.op_mask = parse_ops(ops);
  Trace t = load_trace(path, format);
  Trace f = filter_trace(t, o);
  if (int rc = write_trace(f, out)) return rc;
  std::cerr << "heapreplay: " << path << " (" << counts(t) << ") filtered -> " << out << " (" << counts(f) << ")\n";
  return kExitOk;
}

int trace_scale(const std::vector<std::string>& args) {
  std::string path, out, format, sizes = "1";
  std::uint32_t threads = 1;
  po::options_description d("Options");
  d.add_options()("trace", po::value(&path), "the trace")("output,o", po::value(&out), "the .hrt to write")(
      "sizes", po::value(&sizes)->default_value("1"), "multiply every request size by this (e.g. 2, 0.5)")(
      "threads", po::value(&threads)->default_value(1), "run this many copies of each thread, interleaved")(
      "format", po::value(&format), "force the input format");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("trace scale", args, d, pos, vm, "TRACE -o OUT.hrt [--sizes K] [--threads K]")) return kExitOk;
  if (path.empty() || out.empty()) throw UsageError("need a trace and -o OUT.hrt");
  if (threads < 1) throw UsageError("--threads must be at least 1");
  ScaleOptions o;
  std::tie(o.size_num, o.size_den) = parse_factor(sizes);
  o.thread_copies = threads;
  Trace t = load_trace(path, format);
  Trace s = scale_trace(t, o);
  if (int rc = write_trace(s, out)) return rc;
  std::cerr << "heapreplay: " << path << " (" << counts(t) << ") sizes x" << sizes << ", threads x" << threads << " -> "
            << out << " (" << counts(s) << ")\n";
  return kExitOk;
}

int trace_merge(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  std::string out, format, order = "auto";
  po::options_description d("Options");
  d.add_options()("trace", po::value(&paths)->composing(), "the traces")("output,o", po::value(&out),
                                                                         "the .hrt to write")(
      "order", po::value(&order)->default_value("auto"),
      "time (by timestamps), proportional (each spread over the whole), concat, or auto (time if all have "
      "timestamps)")("format", po::value(&format), "force the input format of every trace");
  po::positional_options_description pos;
  pos.add("trace", -1);
  po::variables_map vm;
  if (!parse("trace merge", args, d, pos, vm, "TRACE TRACE... -o OUT.hrt [--order ORDER]")) return kExitOk;
  if (paths.empty() || out.empty()) throw UsageError("need traces and -o OUT.hrt");
  MergeOrder mo = order == "auto"           ? MergeOrder::kAuto
                  : order == "time"         ? MergeOrder::kTime
                  : order == "proportional" ? MergeOrder::kProportional
                  : order == "concat"       ? MergeOrder::kConcat
                                            : throw UsageError("--order must be auto, time, proportional or concat");
  std::vector<Trace> traces;
  std::vector<const Trace*> ptrs;
  for (const std::string& p : paths) traces.push_back(load_trace(p, format));
  for (const Trace& t : traces) ptrs.push_back(&t);
  Trace m = merge_traces(ptrs, mo);
  if (int rc = write_trace(m, out)) return rc;
  std::cerr << "heapreplay: merged " << paths.size() << " traces -> " << out << " (" << counts(m) << ")\n";
  return kExitOk;
}

int trace_stats(const std::vector<std::string>& args) {
  std::string path, format;
  unsigned bins = 1;
  std::uint32_t points = 20;
  po::options_description d("Options");
  d.add_options()("trace", po::value(&path), "the trace")("json", "print one JSON object")(
      "bins-per-octave", po::value(&bins)->default_value(1), "histogram bins per power of two: 1, 2, 4, 8 or 16")(
      "points", po::value(&points)->default_value(20), "windows of the live-bytes curve")("format", po::value(&format),
                                                                                          "force the input format");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("trace stats", args, d, pos, vm, "TRACE [--json] [--bins-per-octave N] [--points N]")) return kExitOk;
  if (path.empty()) throw UsageError("no trace given");
  if (bins != 1 && bins != 2 && bins != 4 && bins != 8 && bins != 16)
    throw UsageError("--bins-per-octave must be 1, 2, 4, 8 or 16");
  if (points < 1 || points > 100000) throw UsageError("--points must be 1 to 100000");
  Trace t = load_trace(path, format);
  TraceStats s = compute_stats(t.view(), StatsOptions{bins, points});
  if (vm.count("json")) {
    nlohmann::json j = stats_to_json(s);
    j["trace"] = path;
    j["format"] = t.format;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << path << " (" << t.format << ")\n" << stats_to_text(s);
  }
  return kExitOk;
}

int trace_compare(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  std::string format;
  po::options_description d("Options");
  d.add_options()("trace", po::value(&paths)->composing(), "the two traces")("json", "print one JSON object")(
      "format", po::value(&format), "force the input format of both");
  po::positional_options_description pos;
  pos.add("trace", -1);
  po::variables_map vm;
  if (!parse("trace compare", args, d, pos, vm, "TRACE_A TRACE_B [--json]")) return kExitOk;
  if (paths.size() != 2) throw UsageError("need exactly two traces");
  Trace a = load_trace(paths[0], format), b = load_trace(paths[1], format);
  TraceDistance dist = trace_distance(distance_stats(a.view()), distance_stats(b.view()));
  if (vm.count("json")) {
    std::cout << nlohmann::json{{"a", paths[0]}, {"b", paths[1]}, {"distance", distance_to_json(dist)}}.dump(2) << '\n';
  } else {
    std::cout << "distance of " << paths[1] << " from " << paths[0] << " (0 = identical):\n" << distance_to_text(dist);
  }
  return kExitOk;
}

}  // namespace

int cmd_trace(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: heapreplay trace " << kTraceUsage << '\n';
    return args.empty() ? kExitBadInput : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& tool = args[0];
  try {
    if (tool == "slice") return trace_slice(rest);
    if (tool == "filter") return trace_filter(rest);
    if (tool == "scale") return trace_scale(rest);
    if (tool == "merge") return trace_merge(rest);
    if (tool == "stats") return trace_stats(rest);
    if (tool == "compare") return trace_compare(rest);
    if (tool == "shrink") return trace_shrink(rest);
  } catch (const std::invalid_argument& e) {
    // What the tools refuse (too many threads, no timestamps) is the user's input.
    throw UsageError(e.what());
  }
  throw UsageError("unknown tool '" + tool + "' (slice, filter, scale, merge, stats, compare, shrink)");
}

}  // namespace heapreplay::cli
