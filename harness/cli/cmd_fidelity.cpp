// heapreplay fidelity: does a replay rank allocators as the program does?
// Records the program (or each program of the suite), replays the recording
// through the allocators, runs the program under each, and puts the two side
// by side with the agreement figures of reports/fidelity.h. With --fit, the
// reference is a trace's replay and the stand-in its `gen fit` look-alike.
#include <elf.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "core/numbers.h"
#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "harness/process/allocator_env.h"
#include "harness/process/interrupt.h"
#include "harness/process/program_allocator.h"
#include "harness/process/program_run.h"
#include "harness/process/program_session.h"
#include "harness/process/spawn.h"
#include "recorder/recording.h"
#include "reports/fidelity.h"
#include "traces/generators/fit.h"
#include "traces/trace_builder.h"

namespace heapreplay::cli {

namespace {

const char* kFidelityUsage =
    "-a ALLOCATOR [-a ...] [-r N] [OPTIONS] -- PROGRAM [ARGS...]\n"
    "       heapreplay fidelity -a ALLOCATOR [-a ...] [-r N] [OPTIONS] --suite programs [--scale X] [--only ...]\n"
    "       heapreplay fidelity -a ALLOCATOR [-a ...] [-r N] [OPTIONS] --fit TRACE [--fit TRACE ...]";

// True when the dynamic loader starts `path` (an ELF file with an
// interpreter, or a script whose interpreter it starts): only then does
// LD_TRACE_LOADED_OBJECTS stop it before its own code runs.
bool loader_starts(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Elf64_Ehdr h{};
  bool dynamic = false;
  const ssize_t n = ::pread(fd, &h, sizeof h, 0);
  if (n >= 2 && std::memcmp(&h, "#!", 2) == 0) {
    dynamic = true;
  } else if (n == static_cast<ssize_t>(sizeof h) && std::memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 &&
             h.e_ident[EI_CLASS] == ELFCLASS64 && h.e_phentsize == sizeof(Elf64_Phdr)) {
    for (unsigned i = 0; i < h.e_phnum && !dynamic; ++i) {
      Elf64_Phdr ph{};
      const off_t at = static_cast<off_t>(h.e_phoff + i * sizeof ph);
      if (::pread(fd, &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph)) break;
      dynamic = ph.p_type == PT_INTERP;
    }
  }
  ::close(fd);
  return dynamic;
}

// The program's resident memory before any of its code runs, and the
// libraries it loads: LD_TRACE_LOADED_OBJECTS makes the dynamic loader map
// the executable and its libraries, print them and exit before main
// (ru_maxrss of that run). Nothing when it cannot be measured (a static
// executable would run in full).
struct LoaderBaseline {
  std::uint64_t rss_bytes = 0;
  std::vector<std::string> libraries;  // paths, in the loader's order
};

// The library paths of the loader's list ("\tlibc.so.6 => /lib/.../libc.so.6
// (0x...)"); the vDSO and the loader itself have no "=>". A path LD_PRELOAD
// could not carry (a space or a colon in it) is left out.
std::vector<std::string> loaded_libraries(std::string_view listing) {
  std::vector<std::string> out;
  while (!listing.empty()) {
    const std::size_t eol = std::min(listing.find('\n'), listing.size());
    std::string_view line = listing.substr(0, eol);
    listing.remove_prefix(std::min(eol + 1, listing.size()));
    const std::size_t arrow = line.find(" => /");
    if (arrow == std::string_view::npos) continue;
    std::string_view path = line.substr(arrow + 4);
    path = path.substr(0, path.find(" ("));
    if (path.find_first_of(" :") == std::string_view::npos) out.emplace_back(path);
  }
  return out;
}

LoaderBaseline loader_baseline(const PreparedProgram& run) {
  LoaderBaseline b;
  if (!loader_starts(run.argv[0])) return b;
  const int out = ::memfd_create("heapreplay-loader-list", MFD_CLOEXEC);
  if (out < 0) return b;
  ProgramRunSpec spec;
  spec.process.path = run.argv[0];
  spec.process.argv = run.argv;
  spec.process.set_env = {"LD_TRACE_LOADED_OBJECTS=1"};
  spec.process.unset_env = {"LD_TRACE_LOADED_OBJECTS"};
  spec.process.cwd = run.cwd;
  spec.timeout = std::chrono::milliseconds(10000);
  spec.stdout_fd = out;
  RunResult r = run_program(spec);
  if (r.status == "ok") {
    b.rss_bytes = r.peak_rss_bytes;
    std::string listing(64 * 1024, '\0');
    const ssize_t n = ::pread(out, listing.data(), listing.size(), 0);
    listing.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    b.libraries = loaded_libraries(listing);
  }
  ::close(out);
  return b;
}

// The start-up probe: a C program that does nothing, beside the drop-in
// libraries (harness/programs/startup_probe.c).
std::string startup_probe_path(const std::string& self) {
  std::string path = library_folder_file("hr_startup_probe", self);
  if (::access(path.c_str(), X_OK) != 0)
    throw std::runtime_error("cannot run the start-up probe " + path + " (build the hr_startup_probe target)");
  return path;
}

// Per allocator, what a process with the program's libraries holds at
// start-up under it: the ru_maxrss of the start-up probe with the
// allocator's library and then the program's own libraries preloaded, the
// median of three runs. So a C program pays a C++ allocator's libstdc++
// here, which a C++ program already loads, and each library's start-up
// allocations go through the allocator as they do in the program.
std::map<std::string, std::uint64_t> allocator_startup_rss(const std::vector<ProgramAllocator>& allocators,
                                                           const std::vector<std::string>& libraries,
                                                           const std::string& probe, bool inherit_env) {
  std::map<std::string, std::uint64_t> out;
  for (const ProgramAllocator& a : allocators) {
    if (!a.missing.empty()) continue;
    std::string preload = a.library;
    for (const std::string& lib : libraries) preload += (preload.empty() ? "" : ":") + lib;
    std::vector<std::uint64_t> values;
    for (int i = 0; i < 3; ++i) {
      ProgramRunSpec spec;
      spec.process.path = probe;
      spec.process.argv = {probe};
      spec.process.preload = preload;
      spec.process.preload_mode = ProcessSpec::Preload::kReplace;
      set_allocator_environment(spec.process, a.allocator_env, inherit_env);
      spec.process.set_env.insert(spec.process.set_env.end(), a.env.begin(), a.env.end());
      for (const std::string& e : a.env) spec.process.unset_env.push_back(e.substr(0, e.find('=')));
      spec.timeout = std::chrono::milliseconds(10000);
      RunResult r = run_program(spec);
      if (r.status == "ok") values.push_back(r.peak_rss_bytes);
    }
    if (values.empty()) continue;
    std::sort(values.begin(), values.end());
    out[a.spec] = values[values.size() / 2];
  }
  return out;
}

// A program to measure: how it is run, how it is recorded, what its runs check.
struct Subject {
  ProgramEntry entry;
  PreparedProgram run;
  std::string record_image;  // "": the program's own recording
  bool check = false;
  LoaderBaseline baseline;
  std::map<std::string, std::uint64_t> startup_rss;  // allocator_startup_rss
};

// The allocators named, each good for a replay and for a program run.
std::vector<std::string> fidelity_allocators(const std::vector<std::string>& given, bool programs, bool yes) {
  const std::string self = self_executable();
  std::vector<std::string> out;
  std::size_t swept = 0;
  for (const std::string& g : expand_sweeps(given, yes, swept)) {
    if (g != "all") {
      out.push_back(g);
      continue;
    }
    if (programs) {
      for (const std::string& n : program_allocators_available(self)) out.push_back(n);
    } else {
      for (const std::string& n : resolve_allocators({"all"}))
        if (n != "null") out.push_back(n);
    }
  }
  if (out.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  resolve_allocators(out);  // every spec checked for the replay
  if (programs)
    for (const std::string& a : out) resolve_program_allocator(a, self);  // ... and for the program
  for (const std::string& a : out)
    if (a == "null") throw UsageError("-a null hands out no memory: it has no fidelity to measure");
  return out;
}

int fidelity_of_fits(const std::vector<std::string>& traces, const std::string& format, std::uint64_t seed,
                     SessionOptions so, const std::string& output) {
  InterruptWatch watch;
  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  std::vector<FidelitySubject> subjects;
  for (const std::string& path : traces) {
    if (interrupt_signal() != 0) break;
    Trace source = load_trace(path, format);
    if (source.events.empty()) {
      std::cerr << "heapreplay: " << path << ": the trace holds no events: there is nothing to fit or replay\n";
      return kExitBadInput;
    }
    FitResult fit = fit_trace(source, FitOptions{seed, 1000, FitOptions::Draw::kShuffle});
    FidelitySubject s;
    s.name = path;
    s.reference_trace = path;
    s.reference_kind = "replay";
    s.standin_trace = "look-alike:" + path;
    s.standin_kind = "look-alike";
    s.recorded_events = source.events.size();
    s.recorded_peak_live_bytes = summarize(source.view()).peak_live_bytes;
    prepared.push_back(workspace.add(source, s.reference_trace));
    prepared.push_back(workspace.add(fit.trace, s.standin_trace));
    subjects.push_back(std::move(s));
  }
  so.progress = ::isatty(STDERR_FILENO) == 1;
  Report report = run_session(prepared, so);
  report.context["kind"] = "fidelity";
  report.context["fidelity"] = {{"reference", "replay"}, {"standin", "look-alike"}, {"seed", seed}};
  report.fidelity = compute_fidelity(report, subjects);
  return report_session(report, output);
}

// The command line of fidelity, as parsed.
struct FidelityFlags {
  std::vector<std::string> allocators, env, fits;
  int repetitions = 5;
  double timeout_s = 600, scale = 1.0;
  std::string output, memory_limit, stdin_path, cwd, suite, only, format,
      seed_text = "1", touch = "pages", record_image, tmpdir, malloc_alignment, pace = "fast";
  std::vector<std::string> program;  // after --
  bool only_given = false;
  bool inherit_env = false, yes = false;
};

// Options that take a value: what split_program_arguments must not take for
// the program's first word.
const std::vector<std::string> kValueOptions = {"-a",
                                                "--allocator",
                                                "-r",
                                                "--repetitions",
                                                "-o",
                                                "--output",
                                                "--timeout",
                                                "--memory-limit",
                                                "--stdin",
                                                "--cwd",
                                                "--env",
                                                "--suite",
                                                "--scale",
                                                "--only",
                                                "--fit",
                                                "--format",
                                                "--seed",
                                                "--touch",
                                                "--malloc-alignment",
                                                "--record-image",
                                                "--tmpdir",
                                                "--pace"};

po::options_description fidelity_options(FidelityFlags& f) {
  po::options_description d("Options");
  d.add_options()("allocator,a", po::value(&f.allocators)->composing(),
                  "allocator to compare (repeatable): a system allocator, one of our designs, preload:/path/lib.so, "
                  "or all")("repetitions,r", po::value(&f.repetitions)->default_value(5),
                            "runs of each program and of each replay per allocator, interleaved; a pair is decided "
                            "only when the reference's difference is significant, which needs at least 4")(
      "output,o", po::value(&f.output), "write the JSON report (runs, aggregates and the fidelity block) here")(
      "timeout", po::value(&f.timeout_s)->default_value(600), "seconds each run or replay may take")(
      "memory-limit", po::value(&f.memory_limit), "RLIMIT_DATA of each run and replay (default: half the memory)")(
      "stdin", po::value(&f.stdin_path), "the program's standard input (default: /dev/null)")(
      "cwd", po::value(&f.cwd), "the folder the program runs in")(
      "env", po::value(&f.env)->composing(), "NAME=VALUE set in the program's environment (repeatable)")(
      "record-image", po::value(&f.record_image),
      "replay what the process running this executable (by name, e.g. cc1plus under g++) recorded, not the "
      "program's own")("suite", po::value(&f.suite), "measure every program of the suite (programs)")(
      "scale", po::value(&f.scale)->default_value(1.0), "--suite: input size (1: 0.5 to 5 s each under glibc)")(
      "only", po::value(&f.only), "--suite: these programs only (comma-separated)")(
      "fit", po::value(&f.fits)->composing(),
      "instead of a program: replay TRACE and its gen fit look-alike through the allocators and measure how well "
      "the look-alike ranks them (repeatable)")("format", po::value(&f.format), "--fit: force the traces' format")(
      "seed", po::value(&f.seed_text)->default_value("1"), "--fit: the look-alike's seed")(
      "touch", po::value(&f.touch)->default_value("pages"), "how replays touch the memory (none, first, pages, all)")(
      "malloc-alignment", po::value(&f.malloc_alignment),
      "what the replays' malloc, calloc and realloc ask for: natural or a power of two (default: 16, what "
      "malloc promises the recorded program; natural with --fit)")(
      "pace", po::value(&f.pace)->default_value("fast"),
      "how replays run: fast (as fast as they can) or recorded (each event at its recorded time, as the program "
      "made it)")("tmpdir", po::value(&f.tmpdir),
                  "where the private folders for inputs and recordings go (default: $TMPDIR)")(
      "inherit-env", po::bool_switch(&f.inherit_env),
      "let the programs and replays inherit the allocator variables of this environment (MALLOC_CONF, MIMALLOC_*, "
      "GLIBC_TUNABLES, MALLOC_*_, TCMALLOC_*); without it they start without them, and one that would change an "
      "allocator is refused")("yes", po::bool_switch(&f.yes), "run a sweep of more than 64 allocator configurations");
  return d;
}

// The combinations fidelity refuses (UsageError).
void check_fidelity_flags(const FidelityFlags& f, const po::variables_map& vm) {
  const int sources = !f.program.empty() + !f.suite.empty() + !f.fits.empty();
  if (sources != 1)
    throw UsageError(sources == 0 ? "nothing to measure (-- PROGRAM [ARGS...], --suite programs or --fit TRACE)"
                                  : "give one of -- PROGRAM ARGS, --suite programs and --fit TRACE");
  if (!f.suite.empty() && f.suite != "programs")
    throw UsageError("--suite: the suite is programs, not '" + f.suite + "'");
  if (f.suite.empty() && (f.only_given || !vm["scale"].defaulted()))
    throw UsageError("--scale and --only go with --suite programs");
  if (!valid_program_scale(f.scale))
    throw UsageError("--scale must be above 0 and at most " + std::to_string(static_cast<int>(kMaxProgramScale)));
  if (f.fits.empty() && (vm.count("format") || !vm["seed"].defaulted()))
    throw UsageError("--format and --seed go with --fit");
  const bool program_options = !f.env.empty() || !f.cwd.empty() || !f.stdin_path.empty() || !f.record_image.empty();
  if (!f.fits.empty() && program_options)
    throw UsageError("--env, --cwd, --stdin and --record-image are for a program, not --fit");
  if (!f.suite.empty() && program_options)
    throw UsageError("--env, --cwd, --stdin and --record-image are for one program; the suite brings its own");
  if (f.allocators.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  check_program_env(f.env);
  if (!f.stdin_path.empty() && ::access(f.stdin_path.c_str(), R_OK) != 0)
    throw UsageError("--stdin: cannot read " + f.stdin_path + ": " + std::strerror(errno));
}

// The programs to measure: the suite's installed ones, their inputs
// written under `inputs` (none installed: empty), or the one program named.
std::vector<Subject> program_subjects(const FidelityFlags& f, const std::string& inputs) {
  std::vector<Subject> subjects;
  if (!f.suite.empty()) {
    for (const SuiteProgram* p : select_programs(f.only, f.only_given)) {
      Subject s;
      s.entry.name = p->name;
      if (std::string missing = missing_program(*p); !missing.empty()) {
        std::cerr << "heapreplay: skipped " << missing << '\n';
        continue;
      }
      s.run = p->prepare(inputs + "/" + p->name, f.scale);
      if (p->record_image) s.record_image = p->record_image;
      s.check = true;
      subjects.push_back(std::move(s));
    }
    return subjects;
  }
  int err = 0;
  std::optional<std::string> path = find_in_path(f.program[0], err);
  if (!path) throw UsageError("cannot run '" + f.program[0] + "': " + std::strerror(err));
  Subject s;
  s.entry.name = program_name_of(f.program[0]);
  s.run.argv = f.program;
  s.run.argv[0] = *path;
  s.run.env = f.env;
  s.run.cwd = f.cwd;
  s.run.stdin_path = f.stdin_path;
  s.record_image = f.record_image;
  subjects.push_back(std::move(s));
  return subjects;
}

// What the recordings give the sessions: per subject recorded, its trace,
// its fidelity subject and its program entry.
struct Recorded {
  TraceWorkspace workspace;
  std::vector<PreparedTrace> traces;
  std::vector<FidelitySubject> measured;
  std::vector<ProgramEntry> entries;
  int status = kExitOk;  // kExitRunFailed when a program of several could not be recorded
};

// Records each subject, keeping only the .hrt (the programs' runs must not
// start from a heapreplay that holds the traces: ru_maxrss starts at our
// RSS). Returns an exit status to stop with, or kExitOk.
int record_subjects(std::vector<Subject>& subjects, bool progress, const std::string& tmpdir, Recorded& out) {
  for (Subject& s : subjects) {
    if (interrupt_signal() != 0) break;
    if (progress) std::cerr << "heapreplay: recording " << s.entry.name << "...\n";
    RecordedProgram rec =
        record_program(s.run, s.record_image.empty() ? nullptr : s.record_image.c_str(), s.check, tmpdir);
    if (rec.status > 128) return rec.status;
    const bool one = subjects.size() == 1;
    if (rec.status == kExitOk && rec.trace.events.empty()) {
      rec.status = kExitRunFailed;
      rec.error = "the recording holds no events (nothing called malloc where the recorder could see it)";
    }
    if (rec.status != kExitOk) {
      std::cerr << "heapreplay: " << s.entry.name << ": cannot be recorded: " << rec.error
                << (one ? "; nothing to replay" : "; left out") << '\n';
      if (one) return kExitBadInput;
      out.status = kExitRunFailed;
      continue;
    }
    for (const std::string& w : rec.warnings) std::cerr << "heapreplay: warning: " << s.entry.name << ": " << w << '\n';
    FidelitySubject f;
    f.name = s.entry.name;
    f.reference_trace = s.entry.name;
    f.reference_kind = "program";
    f.standin_trace = "recording:" + s.entry.name;
    f.standin_kind = "recording";
    f.recorded_events = rec.trace.events.size();
    f.recorded_peak_live_bytes = summarize(rec.trace.view()).peak_live_bytes;
    f.baseline_rss_bytes = s.baseline.rss_bytes;
    f.notes = rec.warnings;
    f.allocator_startup_rss_bytes = s.startup_rss;
    out.traces.push_back(out.workspace.add(rec.trace, f.standin_trace));
    out.measured.push_back(std::move(f));
    ProgramEntry e;
    e.name = s.entry.name;
    e.argv = s.run.argv;
    e.env = s.run.env;
    e.cwd = s.run.cwd;
    e.stdin_path = s.run.stdin_path;
    if (s.check) {
      auto run = std::make_shared<PreparedProgram>(s.run);
      for (const ExpectedFile& x : run->expected_files) e.outputs.push_back(run->cwd + "/" + x.path);
      e.check_output = [run](std::string_view text) { return check_program_output(*run, text); };
    }
    out.entries.push_back(std::move(e));
  }
  if (out.measured.empty()) {
    std::cerr << "heapreplay: no program could be recorded; nothing was measured\n";
    return kExitBadInput;
  }
  return kExitOk;
}

// fidelity of programs: baselines, recordings, the programs under each
// allocator, the replays, and the fidelity block.
int fidelity_of_programs(const FidelityFlags& flags, SessionOptions so, const std::string& command_line) {
  const std::string tmpdir = flags.tmpdir.empty() ? temporary_parent() : flags.tmpdir;
  so.progress = ::isatty(STDERR_FILENO) == 1;
  recorder_library_path();  // missing: one line now, before any program runs

  // The programs, their inputs written into a private folder.
  InterruptWatch watch;
  RecordingDir inputs(tmpdir);
  std::vector<Subject> subjects = program_subjects(flags, inputs.path());
  if (subjects.empty()) {
    std::cerr << "heapreplay: no program of the suite is installed here (heapreplay corpus list)\n";
    return kExitBadInput;
  }

  // Every baseline first, while our own RSS (the floor of any ru_maxrss of
  // a process we fork) is still that of a heapreplay that holds no trace.
  // Writing the suite's inputs grew it: that goes back to the system first.
  ::malloc_trim(0);
  const std::string self = self_executable();
  const std::string probe = startup_probe_path(self);
  ProgramSessionOptions po;
  for (const std::string& a : so.allocators) po.allocators.push_back(resolve_program_allocator(a, self));
  check_env_against_allocators(flags.env, po.allocators);
  po.inherit_env = so.inherit_env;
  for (Subject& s : subjects) {
    s.baseline = loader_baseline(s.run);
    s.startup_rss = allocator_startup_rss(po.allocators, s.baseline.libraries, probe, po.inherit_env);
  }
  Recorded rec;
  if (int stop = record_subjects(subjects, so.progress, tmpdir, rec); stop != kExitOk) return stop;

  // The programs under each allocator, then the replays. A program's
  // ru_maxrss starts at our RSS when we fork it: what the recordings left in
  // our heap goes back to the system first.
  ::malloc_trim(0);
  po.repetitions = so.repetitions;
  po.timeout = so.timeout;
  po.memory_limit_bytes = so.memory_limit_bytes;
  po.command_line = command_line;
  po.progress = so.progress;
  Report programs = run_program_session(rec.entries, po);
  Report report;
  if (!programs.interrupted) {
    report = run_session(rec.traces, so);
  } else {  // stopped during the programs: no replay is started
    report.context = programs.context;
    report.interrupted = programs.interrupted;
  }
  report.context["kind"] = "fidelity";
  report.context["fidelity"] = {
      {"reference", "program"}, {"standin", "recording"}, {"preloads", programs.context["preloads"]}};
  for (RunResult& r : programs.runs) report.runs.push_back(std::move(r));
  report.fidelity = compute_fidelity(report, rec.measured);
  const int reported = report_session(report, flags.output);
  return reported == kExitOk ? rec.status : reported;
}

}  // namespace

int cmd_fidelity(const std::vector<std::string>& args, const std::string& command_line) {
  FidelityFlags f;
  std::vector<std::string> ours;
  split_program_arguments(args, kValueOptions, ours, f.program);
  po::options_description d = fidelity_options(f);
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("fidelity", ours, d, pos, vm, kFidelityUsage)) return kExitOk;
  f.only_given = vm.count("only") != 0;
  check_fidelity_flags(f, vm);

  RunFlags flags;
  flags.allocators = fidelity_allocators(f.allocators, f.fits.empty(), f.yes);
  flags.inherit_env = f.inherit_env;
  flags.repetitions = f.repetitions;
  flags.touch = f.touch;
  flags.malloc_alignment = !f.malloc_alignment.empty() ? f.malloc_alignment : f.fits.empty() ? "16" : "natural";
  flags.pace = f.pace;
  flags.timeout_s = f.timeout_s;
  flags.memory_limit = f.memory_limit;
  SessionOptions so = session_options(flags, command_line);
  if (!f.fits.empty()) {
    auto seed = parse_size(f.seed_text);
    if (!seed) throw UsageError("--seed needs a number, not '" + f.seed_text + "'");
    return fidelity_of_fits(f.fits, f.format, *seed, so, f.output);
  }
  return fidelity_of_programs(f, so, command_line);
}

}  // namespace heapreplay::cli
