// heapreplay bench: a suite of generated workloads (traces/generators/
// suites.h; `default` unless --suite says otherwise), or the recordings of
// the real programs (--suite programs), plus any --trace, through every
// available allocator, or the ones named.
#include <iostream>
#include <optional>

#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "harness/process/interrupt.h"
#include "recorder/recording.h"
#include "reports/table.h"
#include "traces/generators/suites.h"
#include "traces/trace_builder.h"

namespace heapreplay::cli {

namespace {

// What a suite trace holds, measured on the trace itself (generating every
// suite takes about a second), so that the listing cannot drift from the
// generators.
struct EntryFigures {
  std::uint64_t events = 0;
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t peak_live_objects = 0;
};

EntryFigures measure(const SuiteEntry& e) {
  Trace t = generate_entry(e);
  TraceSummary s = summarize(t.view());
  return {s.events, s.peak_live_bytes, s.peak_live_objects};
}

void list_suites() {
  for (const Suite& s : suites()) {
    std::vector<EntryFigures> figures;
    std::uint64_t events = 0;
    for (const SuiteEntry& e : s.entries) {
      figures.push_back(measure(e));
      events += figures.back().events;
    }
    std::cout << s.name << ": " << s.description << "; " << s.entries.size() << " traces, " << events << " events\n";
    for (std::size_t i = 0; i < s.entries.size(); ++i) {
      const SuiteEntry& e = s.entries[i];
      const EntryFigures& f = figures[i];
      std::cout << "  suite:" << e.name << "  " << e.description << ": " << f.events << " events, peak live "
                << human_bytes(static_cast<double>(f.peak_live_bytes)) << " (" << f.peak_live_objects
                << " blocks)\n    " << gen_command(e) << '\n';
    }
  }
  std::cout << "programs: the real programs of the suite, recorded when bench starts (heapreplay corpus record "
               "makes the same traces); "
            << suite_programs().size() << " programs\n";
  for (const SuiteProgram& p : suite_programs())
    std::cout << "  program:" << p.name << "  " << p.exercises
              << (missing_program(p).empty() ? "" : " (not installed here: " + missing_program(p) + ")") << '\n';
}

// The suite's programs, each recorded now into the workspace; one that is
// not installed or cannot be recorded is left out, saying why, and makes
// `status` kExitRunFailed. A recording stopped by a signal ends the bench
// with its status (returned).
std::optional<int> record_suite_programs(const std::vector<const SuiteProgram*>& chosen, double scale,
                                         TraceWorkspace& workspace, std::vector<PreparedTrace>& prepared, int& status) {
  recorder_library_path();  // missing: one line now, before any program runs
  RecordingDir inputs(temporary_parent());
  for (const SuiteProgram* p : chosen) {
    if (interrupt_signal() != 0) break;
    if (std::string missing = missing_program(*p); !missing.empty()) {
      std::cerr << "heapreplay: skipped " << missing << '\n';
      status = kExitRunFailed;
      continue;
    }
    RecordedProgram rec =
        record_program(p->prepare(inputs.path() + "/" + p->name, scale), p->record_image, true, temporary_parent());
    if (rec.status > 128) return rec.status;
    if (rec.status != kExitOk || rec.trace.events.empty()) {
      std::cerr << "heapreplay: " << p->name
                << ": cannot be recorded: " << (rec.status != kExitOk ? rec.error : "the recording holds no events")
                << "; left out\n";
      status = kExitRunFailed;
      continue;
    }
    for (const std::string& w : rec.warnings) std::cerr << "heapreplay: warning: " << p->name << ": " << w << '\n';
    prepared.push_back(workspace.add(rec.trace, "program:" + std::string(p->name)));
  }
  return std::nullopt;
}

}  // namespace

int cmd_bench(const std::vector<std::string>& args, const std::string& command_line) {
  RunFlags flags;
  std::vector<std::string> traces;
  std::string format, suite = "default", only;
  double scale = 1.0;
  po::options_description d = run_options(flags);
  d.add_options()("trace", po::value(&traces)->composing(), "add a trace of any format (repeatable)")(
      "format", po::value(&format), "force the format of --trace files")(
      "suite", po::value(&suite)->default_value("default"),
      "the suite of generated workloads: default, quick, classic, mt (see --list-suites); or programs: the "
      "recordings of the real programs of heapreplay corpus list, recorded now")(
      "scale", po::value(&scale)->default_value(1.0), "--suite programs: their input size (at most 20)")(
      "only", po::value(&only), "--suite programs: these programs only (comma-separated)")(
      "no-suite", "leave out the suite (run only the --trace files)")("no-builtin", "the same as --no-suite")(
      "list-suites",
      "print every suite, its traces (with their events and peak live bytes) and the gen command that makes each, "
      "and exit");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("bench", args, d, pos, vm, "[-a ALLOCATOR ...] [--suite NAME] [--trace TRACE ...] [OPTIONS]"))
    return kExitOk;
  if (vm.count("list-suites")) {
    list_suites();
    return kExitOk;
  }
  bool with_suite = !vm.count("no-suite") && !vm.count("no-builtin");
  if (!with_suite && !vm["suite"].defaulted()) throw UsageError("--suite and --no-suite together");
  const bool programs = with_suite && suite == "programs";
  const Suite* chosen = with_suite && !programs ? &suite_or_throw(suite) : nullptr;
  if (!programs && (vm.count("only") || !vm["scale"].defaulted()))
    throw UsageError("--scale and --only go with --suite programs");
  if (!valid_program_scale(scale))
    throw UsageError("--scale must be above 0 and at most " + std::to_string(static_cast<int>(kMaxProgramScale)));
  const std::vector<const SuiteProgram*> chosen_programs =
      programs ? select_programs(only, vm.count("only") != 0) : std::vector<const SuiteProgram*>{};
  if (flags.allocators.empty()) flags.allocators = {"all"};
  SessionOptions opt = session_options(flags, command_line);

  // From here on SIGINT/SIGTERM stop the session, not heapreplay: preparing
  // stops at the next trace, the run in progress is killed, and what
  // completed is shown and written (run_and_report).
  InterruptWatch watch;
  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  if (chosen) {
    // One at a time: each trace is written out, then dropped from memory.
    for (const SuiteEntry& e : chosen->entries) {
      if (interrupt_signal() != 0) break;
      prepared.push_back(workspace.add(generate_entry(e), "suite:" + std::string(e.name)));
    }
  }
  // The programs recorded now, each into the workspace; one that is not
  // installed or cannot be recorded is left out, saying why.
  int status = kExitOk;
  if (programs)
    if (std::optional<int> killed = record_suite_programs(chosen_programs, scale, workspace, prepared, status))
      return *killed;
  for (const std::string& t : traces) {
    if (interrupt_signal() != 0) break;
    prepared.push_back(workspace.prepare(t, format));
  }
  if (prepared.empty() && interrupt_signal() == 0)
    throw UsageError(programs ? "nothing to run: no program of the suite could be recorded"
                              : "nothing to run (--no-suite and no --trace)");
  const int ran = run_and_report(prepared, opt, flags.output);
  return ran == kExitOk ? status : ran;
}

}  // namespace heapreplay::cli
