// heapreplay run: real programs under each allocator, each run a fresh
// process, repetitions interleaved, into the same table and report as
// replays; heapreplay exec: one program once on one allocator, everything
// passed through.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

#include "core/numbers.h"
#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "harness/process/allocator_env.h"
#include "harness/process/interrupt.h"
#include "harness/process/launch.h"
#include "harness/process/program_allocator.h"
#include "harness/process/program_list.h"
#include "harness/process/program_run.h"
#include "harness/process/program_session.h"
#include "harness/process/spawn.h"
#include "recorder/recording.h"

namespace heapreplay::cli {

namespace {

const char* kRunUsage =
    "-a ALLOCATOR [-a ...] [-r N] [OPTIONS] -- PROGRAM [ARGS...]\n"
    "       heapreplay run -a ALLOCATOR [-a ...] [-r N] [OPTIONS] --programs FILE\n"
    "       heapreplay run -a ALLOCATOR [-a ...] [-r N] [OPTIONS] --suite programs [--scale X] [--only NAME,...]";
const char* kExecUsage = "-a ALLOCATOR [--env K=V ...] -- PROGRAM [ARGS...]";

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The --keep-output folder: made if missing (one level), and writable.
bool prepare_keep_output(const std::string& dir) {
  if (!is_directory(dir) && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::cerr << "heapreplay run: --keep-output: cannot create " << dir << ": " << std::strerror(errno)
              << "; nothing was run\n";
    return false;
  }
  if (!is_directory(dir) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    std::cerr << "heapreplay run: --keep-output: cannot write into " << dir << "; nothing was run\n";
    return false;
  }
  return true;
}

// What `run`'s command line says, before it is checked.
struct ProgramRunFlags {
  std::vector<std::string> allocators, env, program;
  int repetitions = 1;
  double timeout_s = 600, scale = 1.0;
  std::string output, memory_limit, keep_output, stdin_path, cwd, programs_file, suite, only, shard;
  bool check_output = false, inherit_env = false, yes = false;
};

po::options_description program_run_options(ProgramRunFlags& f) {
  po::options_description d("Options");
  d.add_options()("allocator,a", po::value(&f.allocators)->composing(),
                  "allocator to run the program on (repeatable): a system allocator, one of our designs "
                  "(NAME[:key=value,...], NAME+lock), preload:/path/lib.so, or all (null cannot run a program)")(
      "repetitions,r", po::value(&f.repetitions)->default_value(1), "runs of each (program, allocator), interleaved")(
      "output,o", po::value(&f.output), "write the JSON report here (atomically)")(
      "timeout", po::value(&f.timeout_s)->default_value(600),
      "seconds each run may take before the program and its process group are killed")(
      "memory-limit", po::value(&f.memory_limit),
      "data memory the program may map (RLIMIT_DATA, e.g. 4G; 0 = no limit; default: half the physical memory)")(
      "keep-output", po::value(&f.keep_output),
      "keep each run's stdout and stderr in DIR/PROGRAM.ALLOCATOR.REP.stdout|stderr (default: discarded)")(
      "stdin", po::value(&f.stdin_path),
      "the program's standard input, read from its start by every run (default: "
      "/dev/null)")("cwd", po::value(&f.cwd), "the folder the program runs in (default: this one)")(
      "env", po::value(&f.env)->composing(), "NAME=VALUE set in the program's environment (repeatable)")(
      "check-output", po::bool_switch(&f.check_output),
      "fail a run whose stdout differs from the first allocator's run of the same repetition (or its latest ok "
      "run, when that one failed)")(
      "programs", po::value(&f.programs_file),
      "run every program of FILE: one 'NAME: COMMAND' per line, COMMAND split into words as a shell does (quotes, "
      "backslashes; no expansion); # comments")(
      "suite", po::value(&f.suite),
      "run the suite of real programs instead (programs: heapreplay corpus list names them), each on inputs "
      "heapreplay writes and with its answer checked")(
      "scale", po::value(&f.scale)->default_value(1.0),
      "--suite: input size (1: each program 0.5 to 5 s under glibc on a 2-core machine; at most 20)")(
      "only", po::value(&f.only), "--suite: these programs only (comma-separated names)")(
      "shard", po::value(&f.shard),
      "K/N: run only shard K of N of the runs, for N machines; heapreplay report merge joins their reports")(
      "inherit-env", po::bool_switch(&f.inherit_env),
      "let the programs inherit the allocator variables of this environment (MALLOC_CONF, MIMALLOC_*, "
      "GLIBC_TUNABLES, MALLOC_*_, TCMALLOC_*); without it they start without them, and one that would change a "
      "run's allocator is refused")("yes", po::bool_switch(&f.yes),
                                    "run a sweep of more than 64 allocator configurations");
  return d;
}

// The checks that need nothing resolved; each failure is a usage error.
void check_run_flags(const ProgramRunFlags& f, const po::variables_map& vm) {
  if (f.allocators.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  if (f.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  if (!(f.timeout_s > 0)) throw UsageError("--timeout must be a positive number of seconds");
  const int sources = !f.program.empty() + !f.programs_file.empty() + !f.suite.empty();
  if (sources != 1)
    throw UsageError(sources == 0 ? "no program given (-- PROGRAM [ARGS...], --programs FILE or --suite programs)"
                                  : "give one of -- PROGRAM ARGS, --programs FILE and --suite programs");
  if (!f.suite.empty() && f.suite != "programs")
    throw UsageError("--suite: run has one suite, programs (bench runs the generated ones), not '" + f.suite + "'");
  if (f.suite.empty() && (vm.count("only") || !vm["scale"].defaulted()))
    throw UsageError("--scale and --only go with --suite programs");
  if (!valid_program_scale(f.scale))
    throw UsageError("--scale must be above 0 and at most " + std::to_string(static_cast<int>(kMaxProgramScale)));
}

// The allocators of -a, sweeps expanded and `all` resolved; `swept` says
// whether a sweep was expanded.
std::vector<ProgramAllocator> run_allocators(const ProgramRunFlags& f, std::size_t& swept) {
  const std::string self = self_executable();
  std::vector<ProgramAllocator> out;
  for (const std::string& a : expand_sweeps(f.allocators, f.yes, swept)) {
    if (a == "all") {
      for (const std::string& n : program_allocators_available(self)) out.push_back(resolve_program_allocator(n, self));
      continue;
    }
    out.push_back(resolve_program_allocator(a, self));
  }
  if (out.empty()) throw UsageError("-a all: no allocator is available for programs here");
  std::vector<std::string> specs;
  for (const ProgramAllocator& a : out) specs.push_back(a.name);
  check_inherited_environment(specs, f.inherit_env);
  check_env_against_allocators(f.env, out);
  return out;
}

// The programs to run: the suite's (their inputs written into `inputs`), a
// --programs file's, or the one after `--`.
std::vector<ProgramEntry> run_programs(const ProgramRunFlags& f, const std::vector<const SuiteProgram*>& chosen,
                                       std::optional<RecordingDir>& inputs) {
  if (!f.suite.empty()) {
    inputs.emplace(temporary_parent());
    return suite_entries(chosen, inputs->path(), f.scale);
  }
  if (!f.programs_file.empty()) return read_program_list(f.programs_file);
  ProgramEntry e;
  e.name = program_name_of(f.program[0]);
  e.argv = f.program;
  return {std::move(e)};
}

// The limits, shard and environment of every run.
void set_run_limits(const ProgramRunFlags& f, ProgramSessionOptions& opt) {
  opt.repetitions = f.repetitions;
  opt.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  opt.memory_limit_bytes = default_memory_limit_bytes();
  if (!f.memory_limit.empty()) {
    auto v = parse_size(f.memory_limit);
    if (!v) throw UsageError("--memory-limit needs a size such as 512M, 4G or 0, not '" + f.memory_limit + "'");
    opt.memory_limit_bytes = *v;
  }
  if (!f.shard.empty()) {
    auto sh = parse_shard(f.shard);
    if (!sh) throw UsageError("--shard needs K/N with 1 <= K <= N (shard K of N), not '" + f.shard + "'");
    opt.shard = *sh;
  }
  opt.stdin_path = f.stdin_path;
  opt.cwd = f.cwd;
  opt.env = f.env;
  opt.check_output = f.check_output;
  opt.progress = ::isatty(STDERR_FILENO) == 1;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args, const std::string& command_line) {
  ProgramRunFlags f;
  std::vector<std::string> ours;
  split_program_arguments(
      args,
      {"-a", "--allocator", "-r", "--repetitions", "-o", "--output", "--timeout", "--memory-limit", "--keep-output",
       "--stdin", "--cwd", "--env", "--programs", "--suite", "--scale", "--only", "--shard"},
      ours, f.program);
  po::options_description d = program_run_options(f);
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("run", ours, d, pos, vm, kRunUsage)) return kExitOk;
  check_run_flags(f, vm);
  const std::vector<const SuiteProgram*> chosen =
      f.suite.empty() ? std::vector<const SuiteProgram*>{} : select_programs(f.only, vm.count("only") != 0);
  check_program_env(f.env);
  if (!f.cwd.empty() && !is_directory(f.cwd)) throw UsageError("--cwd: " + f.cwd + " is not a folder");
  if (!f.stdin_path.empty() && ::access(f.stdin_path.c_str(), R_OK) != 0)
    throw UsageError("--stdin: cannot read " + f.stdin_path + ": " + std::strerror(errno));

  ProgramSessionOptions opt;
  std::size_t swept = 0;
  opt.allocators = run_allocators(f, swept);
  opt.inherit_env = f.inherit_env;
  // The suite's inputs live in a private folder, removed at the end.
  std::optional<RecordingDir> inputs;
  const std::vector<ProgramEntry> programs = run_programs(f, chosen, inputs);
  set_run_limits(f, opt);
  opt.command_line = command_line;
  if (f.check_output && opt.allocators.size() < 2)
    std::cerr << "heapreplay run: --check-output with one allocator compares nothing (its runs are the reference)\n";
  if (!f.keep_output.empty()) {
    if (!prepare_keep_output(f.keep_output)) return kExitOutputFailed;
    opt.keep_output_dir = f.keep_output;
  }
  if (swept != 0) print_run_count(opt.allocators.size(), programs.size(), "program", f.repetitions);
  // From here on SIGINT/SIGTERM stop the session: the run in progress is
  // killed with its process group, and what completed is shown and written.
  InterruptWatch watch;
  return report_session(run_program_session(programs, opt), f.output);
}

int cmd_exec(const std::vector<std::string>& args) {
  std::vector<std::string> ours, program;
  split_program_arguments(args, {"-a", "--allocator", "--env"}, ours, program);
  std::string allocator;
  std::vector<std::string> env;
  bool inherit_env = false;
  po::options_description d("Options");
  d.add_options()("allocator,a", po::value(&allocator),
                  "the allocator: a system allocator, one of our designs (NAME[:key=value,...]), or "
                  "preload:/path/lib.so")("env", po::value(&env)->composing(),
                                          "NAME=VALUE set in the program's environment (repeatable)")(
      "inherit-env", po::bool_switch(&inherit_env),
      "let the program inherit the allocator variables of this environment (MALLOC_CONF, MIMALLOC_*, "
      "GLIBC_TUNABLES, MALLOC_*_, TCMALLOC_*); without it, it starts without them, and one that would change its "
      "allocator is refused");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("exec", ours, d, pos, vm, kExecUsage)) return kExitOk;
  if (allocator.empty()) throw UsageError("no allocator given (use -a NAME)");
  if (allocator == "all") throw UsageError("exec runs the program once, on one allocator: -a all is for run");
  if (program.empty()) throw UsageError("no program given: heapreplay exec " + std::string(kExecUsage));
  check_program_env(env);
  refuse_sweep(allocator, "exec");
  ProgramAllocator alloc = resolve_program_allocator(allocator, self_executable());
  check_inherited_environment({alloc.name}, inherit_env);
  check_env_against_allocators(env, {alloc});
  if (!alloc.missing.empty()) {
    std::cerr << "heapreplay exec: " << alloc.missing << "; nothing was run\n";
    return kExitBadInput;
  }
  int err = 0;
  std::optional<std::string> path = find_in_path(program[0], err);
  // A program that cannot be run ends as a shell's would: 127 when it is
  // not there, 126 when it cannot be executed.
  auto cannot_run = [&](int why) {
    std::cerr << "heapreplay exec: cannot run '" << program[0] << "': " << std::strerror(why) << '\n';
    return why == ENOENT || why == ENOTDIR ? 127 : 126;
  };
  if (!path) return cannot_run(err);
  ProcessSpec spec;
  spec.path = *path;
  spec.argv = program;
  spec.preload = alloc.library;
  spec.preload_mode = ProcessSpec::Preload::kReplace;
  set_allocator_environment(spec, alloc.allocator_env, inherit_env);
  std::vector<std::string> set = alloc.env;
  set.insert(set.end(), env.begin(), env.end());
  for (const std::string& e : set) spec.unset_env.push_back(e.substr(0, e.find('=')));
  spec.set_env.insert(spec.set_env.end(), set.begin(), set.end());
  // heapreplay becomes the program: same pid, stdin, stdout, stderr and
  // terminal, and its exit status (or the signal that ends it) is the
  // command's.
  std::vector<std::string> environment = process_environment(spec);
  std::vector<char*> envp, argv;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (std::string& a : spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execve(spec.path.c_str(), argv.data(), envp.data());
  return cannot_run(errno);
}

}  // namespace heapreplay::cli
