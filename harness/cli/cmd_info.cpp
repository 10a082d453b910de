// heapreplay info: what a trace holds (counts per operation, threads and
// cross-thread frees, live bytes, what the importer skipped), as text or one
// JSON object.
#include <iostream>

#include "harness/cli/cli.h"
#include "reports/table.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/readers/trace_format.h"
#include "traces/thread_summary.h"
#include "traces/trace_builder.h"
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

// What info prints of a trace.
struct Facts {
  std::string format;
  std::uint32_t threads = 0, objects = 0;
  bool timed = false;
  ImportStats import;
  TraceSummary s;
  ThreadSummary ts;
};

// A .hrt is read a window at a time (checked whole first), so that info
// on a trace of billions of events takes the memory of one window; other
// formats are imported into memory.
Facts facts_of(const std::string& path, const std::string& format) {
  Facts f;
  if (trace_format_of(path, format) == "hrt") {
    HrtEventStream stream(path);
    stream.verify_payload();
    const HrtHeader& h = stream.header();
    std::vector<std::uint64_t> scratch(2 * std::size_t{h.object_count}, 0);
    TraceSummarizer sum(scratch.data());
    ThreadSummarizer threads(h.object_count, h.thread_count);
    while (stream.next()) {
      sum.add(stream.window().events);
      threads.add(stream.window().events);
    }
    const HrtSource src = stream.source();
    f.format = src.format;
    f.import = src.import;
    f.threads = h.thread_count;
    f.objects = h.object_count;
    f.timed = stream.timed();
    f.s = sum.summary();
    f.ts = threads.summary();
    return f;
  }
  Trace t = load_trace(path, format);
  f.format = t.format;
  f.import = t.import;
  f.threads = t.thread_count;
  f.objects = t.object_count;
  f.timed = !t.timestamps_ns.empty();
  f.s = summarize(t.view());
  f.ts = summarize_threads(t.view());
  return f;
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
  const Facts f = facts_of(path, format);
  const TraceSummary& s = f.s;
  const ThreadSummary& ts = f.ts;
  auto op = [&](Op o) { return s.op_count[static_cast<int>(o)]; };
  nlohmann::json j = {{"trace", path},
                      {"format", f.format},
                      {"events", s.events},
                      {"threads", f.threads},
                      {"per_thread_events", ts.events_per_thread},
                      {"cross_thread_frees", ts.cross_thread_frees},
                      {"cross_thread_reallocs", ts.cross_thread_reallocs},
                      {"objects", f.objects},
                      {"malloc", op(Op::kMalloc)},
                      {"calloc", op(Op::kCalloc)},
                      {"realloc", op(Op::kRealloc)},
                      {"free", op(Op::kFree)},
                      {"aligned", op(Op::kAligned)},
                      {"free_null", s.free_null},
                      {"timestamps", f.timed},
                      {"peak_live_objects", s.peak_live_objects},
                      {"peak_live_bytes", s.peak_live_bytes},
                      {"final_live_bytes", s.final_live_bytes},
                      {"max_request_bytes", s.max_request_bytes}};
  j.update(import_stats_to_json(f.import));
  if (vm.count("json")) {
    std::cout << j.dump(2) << '\n';
    return kExitOk;
  }
  std::cout << path << " (" << f.format << ")\n"
            << "  events            " << s.events << "  (malloc " << op(Op::kMalloc) << ", calloc " << op(Op::kCalloc)
            << ", realloc " << op(Op::kRealloc) << ", free " << op(Op::kFree) << ", aligned " << op(Op::kAligned)
            << ")\n"
            << "  free(NULL)        " << s.free_null << '\n'
            << "  threads           " << f.threads << '\n'
            << "  events per thread " << per_thread_text(ts.events_per_thread) << '\n'
            << "  cross-thread      " << ts.cross_thread_frees << " frees of " << ts.frees << ", "
            << ts.cross_thread_reallocs << " reallocs (of a block another thread made)\n"
            << "  object slots      " << f.objects << "  (peak live objects " << s.peak_live_objects << ")\n"
            << "  peak live bytes   " << s.peak_live_bytes << "  ("
            << human_bytes(static_cast<double>(s.peak_live_bytes)) << ")\n"
            << "  final live bytes  " << s.final_live_bytes << '\n'
            << "  largest request   " << s.max_request_bytes << '\n'
            << "  skipped on import unmatched free " << f.import.unmatched_free << ", unmatched realloc "
            << f.import.unmatched_realloc << ", reused live " << f.import.reused_live << ", failed in source "
            << f.import.failed_in_source << ", lines with no size " << f.import.missing_size << ", ignored lines "
            << f.import.ignored_lines << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
