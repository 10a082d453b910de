// Shared subcommand plumbing (see cli.h).
#include "harness/cli/cli.h"

#include <unistd.h>

#include <iostream>

#include "allocators/core/options.h"
#include "allocators/dispatch.h"
#include "allocators/registry.h"
#include "allocators/spec_grid.h"
#include "harness/process/allocator_env.h"
#include "harness/process/interrupt.h"
#include "harness/process/session.h"
#include "harness/replay/touch.h"
#include "reports/aggregate.h"
#include "reports/output_file.h"
#include "reports/table.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"

namespace heapreplay::cli {

bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           const po::positional_options_description& positional, po::variables_map& vm, const std::string& usage) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: heapreplay " << command << " " << usage << "\n\n" << all << '\n';
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

namespace {

// Whether a run of `name` can be validated: the harness's own null allocator
// hands out no memory, so there is nothing to check (the child refuses it).
bool can_be_validated(const std::string& name) {
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.name == name) return e.kind != AllocatorKind::kHarness;
  return true;
}

// `-a all`: every available allocator; under --validate, those that can be
// validated, and the names of those left out in `left_out`.
std::vector<std::string> expand_all(bool validate, std::vector<std::string>& left_out) {
  std::vector<std::string> out;
  left_out.clear();
  for (const std::string& name : all_available_allocators())
    (validate && !can_be_validated(name) ? left_out : out).push_back(name);
  return out;
}

}  // namespace

std::vector<std::string> resolve_allocators(const std::vector<std::string>& given, bool validate) {
  std::vector<std::string> out, left_out;
  for (const std::string& g : given) {
    if (g == "all") {
      for (const std::string& name : expand_all(validate, left_out)) out.push_back(name);
      continue;
    }
    AllocatorSpec spec = parse_allocator_spec(g);
    // Build it once here so a bad design option stops us before any run.
    if (spec.name != "preload") with_allocator(spec, [](auto&) { return 0; });
    out.push_back(g);
  }
  if (!left_out.empty()) {
    std::string names;
    for (const std::string& n : left_out) names += (names.empty() ? "" : ", ") + n;
    std::cerr << "heapreplay: -a all under --validate leaves out " << names
              << " (it hands out no memory, so it cannot be validated)\n";
  }
  if (out.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  return out;
}

std::vector<std::string> expand_sweeps(const std::vector<std::string>& given, bool yes, std::size_t& swept) {
  std::vector<std::string> out;
  swept = 0;
  std::string biggest;
  std::size_t biggest_size = 0;
  for (const std::string& g : given) {
    if (!is_allocator_grid(g)) {
      allocator_grid_size(g);  // a stray brace is an error here too
      out.push_back(g);
      continue;
    }
    std::vector<std::string> grid = expand_allocator_grid(g, kSweepLimit);
    if (grid.size() > biggest_size) {
      biggest = g;
      biggest_size = grid.size();
    }
    swept += grid.size();
    out.insert(out.end(), grid.begin(), grid.end());
  }
  if (swept > kSweepConfirmAbove && !yes)
    throw UsageError("-a '" + biggest + "' expands to " + std::to_string(biggest_size) + " configurations (" +
                     std::to_string(swept) + " in all), more than " + std::to_string(kSweepConfirmAbove) +
                     ": pass --yes to run them all");
  return out;
}

void check_inherited_environment(const std::vector<std::string>& specs, bool inherit) {
  if (inherit) return;
  std::vector<std::string> names;
  for (const std::string& s : specs) names.push_back(s.substr(0, s.find(':')));
  if (std::string why = inherited_conflict(names); !why.empty()) throw UsageError(why);
}

void refuse_sweep(const std::string& spec, const std::string& command) {
  if (is_allocator_grid(spec))
    throw UsageError(command + " drives one configuration; the sweep '" + spec + "' is for replay, bench, run and " +
                     "fidelity");
}

po::options_description run_options(RunFlags& f) {
  po::options_description d("Options");
  d.add_options()("allocator,a", po::value(&f.allocators)->composing(),
                  "allocator to run (repeatable): NAME[:key=value,...], preload:/path/lib.so, or all")(
      "repetitions,r", po::value(&f.repetitions)->default_value(1), "runs of each (trace, allocator), interleaved")(
      "touch", po::value(&f.touch)->default_value("pages"),
      "what the replay writes into each block: none | first | pages | all")(
      "malloc-alignment", po::value(&f.malloc_alignment)->default_value("natural"),
      "what malloc, calloc and realloc ask for: natural (the allocator's own) or a power of two, e.g. 16 as "
      "malloc promises, which our drop-in libraries ask of a design")("output,o", po::value(&f.output),
                                                                      "write the JSON report here (atomically)")(
      "timeout", po::value(&f.timeout_s)->default_value(600), "seconds each run may take before it is killed")(
      "sample-every", po::value(&f.sample_every)->default_value("auto"),
      "take a memory sample (live, usable, footprint, RSS) every N events; auto: about 300 per run; 0: none")(
      "latency-every", po::value(&f.latency_every)->default_value("auto"),
      "time every K-th event for latency percentiles; auto: 101 (sparser past 101 M events: a million timed); 0: "
      "none")("window-events", po::value(&f.window_events)->default_value("auto"),
              "events of the trace a replay holds in memory at a time; auto: 1048576 (24 MiB)")(
      "serial", po::bool_switch(&f.serial), "replay multi-threaded traces on one thread, in trace order")(
      "pace", po::value(&f.pace)->default_value("fast"),
      "fast: as fast as possible; recorded: follow the trace's timestamps (threaded replay)")(
      "memory-limit", po::value(&f.memory_limit),
      "data memory each run may map (e.g. 4G; 0 = no limit; default: half the physical memory); past it, "
      "allocations fail and are counted")(
      "shard", po::value(&f.shard),
      "K/N: run only shard K of N of the run set, for N machines; heapreplay report merge joins their reports")(
      "inherit-env", po::bool_switch(&f.inherit_env),
      "let the runs inherit the allocator variables of this environment (MALLOC_CONF, MIMALLOC_*, GLIBC_TUNABLES, "
      "MALLOC_*_, TCMALLOC_*); without it they start without them, and one that would change a run's allocator "
      "is refused")("yes", po::bool_switch(&f.yes),
                    "run a sweep of more than 64 allocator configurations (-a 'NAME:key={a,b,...}')");
  return d;
}

SessionOptions session_options(const RunFlags& f, const std::string& command_line) {
  if (f.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  if (!touch_from_name(f.touch)) throw UsageError("--touch must be none, first, pages or all");
  if (!(f.timeout_s > 0)) throw UsageError("--timeout must be a positive number of seconds");
  SessionOptions opt;
  std::size_t swept = 0;
  opt.allocators = resolve_allocators(expand_sweeps(f.allocators, f.yes, swept), f.validate);
  opt.sweep = swept != 0;
  check_inherited_environment(opt.allocators, f.inherit_env);
  opt.inherit_env = f.inherit_env;
  opt.validate = f.validate;
  opt.repetitions = f.repetitions;
  opt.touch = f.touch;
  if (f.malloc_alignment != "natural") {
    auto v = parse_size(f.malloc_alignment);
    if (!v || !valid_malloc_alignment(*v))
      throw UsageError("--malloc-alignment must be natural or a power of two up to 4096, not '" + f.malloc_alignment +
                       "'");
    opt.malloc_alignment = *v;
  }
  opt.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  opt.command_line = command_line;
  auto every = [](const std::string& text, const char* flag) -> std::uint64_t {
    if (text == "auto") return kAutomatic;
    auto v = parse_size(text);
    if (!v || *v == kAutomatic)
      throw UsageError(std::string(flag) + " needs a number of events or auto, not '" + text + "'");
    return *v;
  };
  opt.sample_every = every(f.sample_every, "--sample-every");
  opt.latency_every = every(f.latency_every, "--latency-every");
  if (f.window_events != "auto") {
    auto v = parse_size(f.window_events);
    if (!v || *v == 0 || *v > HrtEventStream::kMaxWindowEvents)
      throw UsageError("--window-events needs a number of events from 1 to 2G, or auto, not '" + f.window_events + "'");
    opt.window_events = *v;
  }
  if (f.pace != "fast" && f.pace != "recorded") throw UsageError("--pace must be fast or recorded");
  opt.pace = f.pace;
  opt.serial = f.serial;
  opt.memory_limit_bytes = default_memory_limit_bytes();
  if (!f.memory_limit.empty()) {
    auto v = parse_size(f.memory_limit);
    if (!v) throw UsageError("--memory-limit needs a size such as 512M, 4G or 0, not '" + f.memory_limit + "'");
    opt.memory_limit_bytes = *v;
  }
  if (!f.shard.empty()) {
    auto s = parse_shard(f.shard);
    if (!s) throw UsageError("--shard needs K/N with 1 <= K <= N (shard K of N), not '" + f.shard + "'");
    opt.shard = *s;
  }
  return opt;
}

void add_validate_option(po::options_description& d, RunFlags& f) {
  d.add_options()("validate", po::bool_switch(&f.validate),
                  "check every block: pattern kept until free, alignment, usable size, no overlap (slow); "
                  "-a all then leaves out null, which hands out no memory");
}

int run_and_report(const std::vector<PreparedTrace>& traces, SessionOptions options, const std::string& output) {
  options.progress = ::isatty(STDERR_FILENO) == 1;
  if (options.sweep) print_run_count(options.allocators.size(), traces.size(), "trace", options.repetitions);
  return report_session(run_session(traces, options), output);
}

void print_run_count(std::size_t configurations, std::size_t subjects, const char* subject, int repetitions) {
  auto count = [](std::size_t n, const std::string& what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  const std::size_t runs = configurations * subjects * static_cast<std::size_t>(repetitions);
  std::cerr << "heapreplay: " << count(configurations, "allocator configuration") << " x " << count(subjects, subject)
            << " x " << count(static_cast<std::size_t>(repetitions), "repetition") << " = " << count(runs, "run")
            << '\n';
}

int report_session(const Report& report, const std::string& output) {
  // With the report on stdout (-o -), the table goes to stderr.
  (output == "-" ? std::cerr : std::cout) << render_table(report) << std::flush;
  bool all_ok = true;
  for (const RunResult& r : report.runs) {
    if (r.status == "ok" || r.status == "interrupted") continue;
    all_ok = false;
    std::cerr << "heapreplay: " << r.allocator << " on " << r.trace << " (repetition " << r.repetition + 1
              << "): " << r.status << (r.status_detail.empty() ? "" : ": " + r.status_detail) << '\n';
  }
  if (report.interrupted)
    std::cerr << "heapreplay: " << interruption_text(report)
              << "; the runs not started are in neither the table nor the report\n";
  if (!output.empty()) {
    try {
      nlohmann::json j = report_to_json(report);
      j["aggregates"] = aggregate_runs(report);  // derived from the runs, for readers of the file
      write_file_atomically(output, j.dump(2) + "\n");
    } catch (const std::runtime_error& e) {
      std::cerr << "heapreplay: " << e.what() << " (report NOT written; the table above has the results)\n";
      return kExitOutputFailed;
    }
    std::cerr << "heapreplay: report written to " << output << '\n';
  }
  if (report.interrupted) return exit_interrupted(interrupt_signal());
  return all_ok ? kExitOk : kExitRunFailed;
}

std::string command_line_text(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

std::string shell_quoted(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./+:,@%") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int write_trace(const Trace& t, const std::string& out) {
  try {
    write_hrt(t, out, HrtEncoding::kCompact);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay: " << e.what() << " (" << out << " not written)\n";
    return kExitOutputFailed;
  }
  return kExitOk;
}

}  // namespace heapreplay::cli
