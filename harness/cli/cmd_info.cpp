// heapreplay info: what a trace holds (counts per operation, threads and
// cross-thread frees, live bytes, what the importer skipped), as text or one
// JSON object.
#include <iostream>

#include "harness/cli/cli.h"
#include "reports/table.h"
#include "traces/hrt_format.h"
#include "traces/readers/trace_format.h"
#include "traces/thread_summary.h"
#include "traces/trace_source.h"

namespace heapreplay::cli {
namespace {

// "120, 4000, 3998", the first 16 threads and then how many more.
std::string per_thread_text(const std::vector<std::uint64_t>& counts) {
  constexpr std::size_t kShown = 16;
  std::string out;
  for (std::size_t i = 0; i < counts.size() && i < kShown; ++i) out += (i ? ", " : "") + std::to_string(counts[i]);
  if (counts.size() > kShown) out += ", ... (" + std::to_string(counts.size() - kShown) + " more threads)";
  return out;
}

}  // namespace

int cmd_info(const std::vector<std::string>& args) {
  std::string path, format;
  po::options_description d("Options");
  d.add_options()("trace", po::value(&path), "the trace")("json", "print one JSON object")(
      "format", po::value(&format), (std::string("force the format (") + format_names() + ")").c_str());
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("info", args, d, pos, vm, "TRACE [--json] [--format FORMAT]")) return kExitOk;
  if (path.empty()) throw UsageError("no trace given");
  Trace t = load_trace(path, format);
  TraceSummary s = summarize(t.view());
  ThreadSummary ts = summarize_threads(t.view());
  auto op = [&](Op o) { return s.op_count[static_cast<int>(o)]; };
  nlohmann::json j = {{"trace", path},
                      {"format", t.format},
                      {"events", s.events},
                      {"threads", t.thread_count},
                      {"per_thread_events", ts.events_per_thread},
                      {"cross_thread_frees", ts.cross_thread_frees},
                      {"cross_thread_reallocs", ts.cross_thread_reallocs},
                      {"objects", t.object_count},
                      {"malloc", op(Op::kMalloc)},
                      {"calloc", op(Op::kCalloc)},
                      {"realloc", op(Op::kRealloc)},
                      {"free", op(Op::kFree)},
                      {"aligned", op(Op::kAligned)},
                      {"free_null", s.free_null},
                      {"timestamps", !t.timestamps_ns.empty()},
                      {"peak_live_objects", s.peak_live_objects},
                      {"peak_live_bytes", s.peak_live_bytes},
                      {"final_live_bytes", s.final_live_bytes},
                      {"max_request_bytes", s.max_request_bytes}};
  j.update(import_stats_to_json(t.import));
  if (vm.count("json")) {
    std::cout << j.dump(2) << '\n';
    return kExitOk;
  }
  std::cout << path << " (" << t.format << ")\n"
            << "  events            " << s.events << "  (malloc " << op(Op::kMalloc) << ", calloc " << op(Op::kCalloc)
            << ", realloc " << op(Op::kRealloc) << ", free " << op(Op::kFree) << ", aligned " << op(Op::kAligned)
            << ")\n"
            << "  free(NULL)        " << s.free_null << '\n'
            << "  threads           " << t.thread_count << '\n'
            << "  events per thread " << per_thread_text(ts.events_per_thread) << '\n'
            << "  cross-thread      " << ts.cross_thread_frees << " frees of " << ts.frees << ", "
            << ts.cross_thread_reallocs << " reallocs (of a block another thread made)\n"
            << "  object slots      " << t.object_count << "  (peak live objects " << s.peak_live_objects << ")\n"
            << "  peak live bytes   " << s.peak_live_bytes << "  ("
            << human_bytes(static_cast<double>(s.peak_live_bytes)) << ")\n"
            << "  final live bytes  " << s.final_live_bytes << '\n'
            << "  largest request   " << s.max_request_bytes << '\n'
            << "  skipped on import unmatched free " << t.import.unmatched_free << ", unmatched realloc "
            << t.import.unmatched_realloc << ", reused live " << t.import.reused_live << ", failed in source "
            << t.import.failed_in_source << ", lines with no size " << t.import.missing_size << ", ignored lines "
            << t.import.ignored_lines << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
