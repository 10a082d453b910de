// A session of program runs (see program_session.h).
#include "harness/process/program_session.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "harness/process/allocator_env.h"
#include "harness/process/exit_text.h"
#include "harness/process/interrupt.h"
#include "harness/process/program_run.h"
#include "harness/process/session.h"

namespace heapreplay {

namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// An unnamed file in $TMPDIR (or /tmp), gone when closed: where a run's
// stderr (for its last line) and, under --check-output, its stdout go when
// they are not kept.
Fd temporary_file() {
  const char* env = std::getenv("TMPDIR");
  std::string dir = env && *env ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {  // a file system without O_TMPFILE: a named file, unlinked at once
    std::string tmpl = dir + "/heapreplay-run-XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(tmpl.c_str());
  }
  if (fd < 0)
    throw std::runtime_error(dir + ": cannot create a temporary file for a program's output: " + std::strerror(errno));
  return Fd(fd);
}

// Where the first difference of two files' contents is, as text for the
// status; nullopt when they are the same.
std::optional<std::string> first_difference(int ours, int reference) {
  char a[65536], b[65536];
  off_t at = 0;
  std::uint64_t line = 1;
  for (;;) {
    ssize_t na = ::pread(ours, a, sizeof a, at);
    ssize_t nb = ::pread(reference, b, sizeof b, at);
    if (na < 0 || nb < 0) return std::string("cannot be read back: ") + std::strerror(errno);
    const ssize_t n = std::min(na, nb);
    for (ssize_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return "differs at line " + std::to_string(line) + " (byte " + std::to_string(at + i + 1) + ")";
      if (a[i] == '\n') ++line;
    }
    if (na != nb) {
      const off_t size = at + n;
      return std::string(na < nb ? "ends early" : "goes on") + " after byte " + std::to_string(size) + " (line " +
             std::to_string(line) + ")";
    }
    if (na == 0) return std::nullopt;
    at += na;
  }
}

// Everything written to `fd` (from its start).
std::string read_all(int fd) {
  std::string text;
  char buf[65536];
  off_t at = 0;
  for (ssize_t n; (n = ::pread(fd, buf, sizeof buf, at)) > 0; at += n) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

std::string name_part(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+' || c == '='))
      c = '_';
  return out;
}

std::string env_name(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

void show_progress(std::size_t done, std::size_t total, const std::string& what) {
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done + 1, total, what.c_str());
  std::fflush(stderr);
}

}  // namespace

std::string kept_output_path(const std::string& dir, const std::string& program, const std::string& allocator,
                             int repetition, const char* stream) {
  return dir + "/" + name_part(program) + "." + name_part(allocator) + "." + std::to_string(repetition + 1) + "." +
         stream;
}

namespace {

// The report's context: the session's, less what only replays have, and
// the program options.
nlohmann::json program_context(const ProgramSessionOptions& opt) {
  SessionOptions so;
  so.command_line = opt.command_line;
  so.repetitions = opt.repetitions;
  so.timeout = opt.timeout;
  so.memory_limit_bytes = opt.memory_limit_bytes;
  so.inherit_env = opt.inherit_env;
  nlohmann::json context = session_context(so);
  for (const char* replay_only :
       {"touch", "malloc_alignment", "validate", "serial", "pace", "sample_every", "latency_every"})
    context.erase(replay_only);
  context["kind"] = "program";
  context["check_output"] = opt.check_output;
  context["stdin"] = opt.stdin_path;
  context["cwd"] = opt.cwd;
  context["env"] = opt.env;
  context["keep_output"] = opt.keep_output_dir;
  nlohmann::json preloads = nlohmann::json::object();
  for (const ProgramAllocator& a : opt.allocators) preloads[a.spec] = a.library;
  context["preloads"] = std::move(preloads);
  return context;
}

// context.shard of a sharded session: the run set's identity and every
// planned run with its shard, in the order the runs are made.
nlohmann::json shard_context(const std::vector<ProgramEntry>& programs, const ProgramSessionOptions& opt,
                             const std::vector<int>& shard_of, const nlohmann::json& context) {
  nlohmann::json ids = nlohmann::json::array(), list = nlohmann::json::array();
  for (const ProgramEntry& e : programs)
    ids.push_back(e.identity.empty() ? nlohmann::json(e.argv) : nlohmann::json(e.identity));
  std::vector<std::string> specs;
  for (const ProgramAllocator& a : opt.allocators) specs.push_back(a.spec);
  std::size_t i = 0;
  for (int rep = 0; rep < opt.repetitions; ++rep)
    for (const ProgramEntry& e : programs)
      for (const std::string& a : specs)
        list.push_back({{"trace", e.name}, {"allocator", a}, {"repetition", rep}, {"shard", shard_of[i++]}});
  const nlohmann::json identity = {
      {"programs", ids},
      {"allocators", specs},
      {"options",
       {{"repetitions", opt.repetitions},
        {"env", opt.env},
        {"cwd", opt.cwd},
        {"stdin", opt.stdin_path},
        {"check_output", opt.check_output},
        {"inherit_env", opt.inherit_env},
        {"timeout_ms", opt.timeout.count()},
        {"memory_limit_bytes", opt.memory_limit_bytes}}},
      {"shards", opt.shard.count},
      {"build", {context["heapreplay_version"], context["git_revision"], context["compiler"], context["build_type"]}}};
  return {{"index", opt.shard.index},
          {"count", opt.shard.count},
          {"run_set", fnv1a_hex(identity.dump())},
          {"planned", std::move(list)}};
}

// One run's files: where its stdout and stderr go (kept, temporary or
// none) and its own stdin; `failure` says why the run cannot start.
struct RunFiles {
  Fd out, err, in;
  std::string failure;
};

RunFiles open_run_files(const ProgramEntry& prog, const ProgramAllocator& alloc, int rep,
                        const ProgramSessionOptions& opt, std::string failure, RunResult& r) {
  RunFiles f;
  f.failure = std::move(failure);
  if (f.failure.empty() && !opt.keep_output_dir.empty()) {
    r.stdout_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stdout");
    r.stderr_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stderr");
    f.out = Fd(::open(r.stdout_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (f.out.get() >= 0) f.err = Fd(::open(r.stderr_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (f.out.get() < 0 || f.err.get() < 0)
      f.failure = "--keep-output: cannot create " + (f.out.get() < 0 ? r.stdout_path : r.stderr_path) + ": " +
                  std::strerror(errno);
  } else if (f.failure.empty()) {
    if (opt.check_output || prog.check_output) f.out = temporary_file();
    f.err = temporary_file();
  }
  if (f.failure.empty() && !prog.stdin_path.empty()) {
    f.in = Fd(::open(prog.stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.in.get() < 0) f.failure = "cannot read " + prog.stdin_path + ": " + std::strerror(errno);
  }
  return f;
}

// The program at `path` under `alloc`, with the session's environment,
// folder and limits and the files of `f` (`stdin_fd` unless it has its own).
RunResult run_under(const ProgramEntry& prog, const std::string& path, const ProgramAllocator& alloc,
                    const ProgramSessionOptions& opt, int stdin_fd, const RunFiles& f) {
  ProgramRunSpec spec;
  spec.process.path = path;
  spec.process.argv = prog.argv;
  spec.process.preload = alloc.library;
  spec.process.preload_mode = ProcessSpec::Preload::kReplace;
  set_allocator_environment(spec.process, alloc.allocator_env, opt.inherit_env);
  std::vector<std::string> env = alloc.env;
  env.insert(env.end(), opt.env.begin(), opt.env.end());
  env.insert(env.end(), prog.env.begin(), prog.env.end());
  for (const std::string& e : env) spec.process.unset_env.push_back(env_name(e));
  spec.process.set_env.insert(spec.process.set_env.end(), env.begin(), env.end());
  spec.process.cwd = prog.cwd.empty() ? opt.cwd : prog.cwd;
  if (opt.memory_limit_bytes != 0)
    spec.process.limits.push_back({RLIMIT_DATA, static_cast<rlim_t>(opt.memory_limit_bytes)});
  spec.timeout = opt.timeout;
  spec.stdin_fd = f.in.get() >= 0 ? f.in.get() : stdin_fd;
  spec.stdout_fd = f.out.get();
  spec.stderr_fd = f.err.get();
  return run_program(spec);
}

// --check-output: per program, the first allocator's latest ok stdout.
struct Reference {
  Fd fd;
  int repetition = -1;
};

// Compares an ok run's stdout (`out`) with the reference's, or makes it the
// reference (the first allocator's run); a difference fails the run.
void check_against_reference(RunResult& r, Fd& out, bool first_allocator, int rep, Reference& ref,
                             const std::string& reference_spec) {
  if (first_allocator) {
    r.output_check = "reference";
    ref.fd = std::move(out);
    ref.repetition = rep;
  } else if (ref.fd.get() < 0) {
    r.output_check = "no reference";
  } else if (auto diff = first_difference(out.get(), ref.fd.get())) {
    r.output_check = "differs";
    r.status = "failed";
    r.status_detail = "stdout " + *diff + " from " + reference_spec + "'s (repetition " +
                      std::to_string(ref.repetition + 1) + "): an allocator must not change a program's output";
  } else {
    r.output_check = "same";
  }
}

// What every run of a session shares: each program found once, as execvp
// would (one not found fails its runs), the --stdin file and the
// --check-output references.
struct ProgramSessionState {
  const std::vector<ProgramEntry>& programs;
  const ProgramSessionOptions& opt;
  std::vector<std::optional<std::string>> paths;
  std::vector<std::string> not_found;
  Fd stdin_file;
  std::vector<Reference> references;

  ProgramSessionState(const std::vector<ProgramEntry>& p, const ProgramSessionOptions& o)
      : programs(p), opt(o), references(p.size()) {
    for (const ProgramEntry& e : programs) {
      int err = 0;
      paths.push_back(e.unavailable.empty() ? find_in_path(e.argv[0], err) : std::nullopt);
      not_found.push_back(paths.back()             ? ""
                          : !e.unavailable.empty() ? e.unavailable
                                                   : "cannot run '" + e.argv[0] + "': " + std::strerror(err));
    }
    if (!opt.stdin_path.empty()) {
      stdin_file = Fd(::open(opt.stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
      if (stdin_file.get() < 0)
        throw std::runtime_error("--stdin: cannot read " + opt.stdin_path + ": " + std::strerror(errno));
    }
  }

  // Program p under allocator a, repetition rep, with its output checked.
  RunResult run(std::size_t p, std::size_t a, int rep) {
    const ProgramEntry& prog = programs[p];
    const ProgramAllocator& alloc = opt.allocators[a];
    RunResult r;
    RunFiles f = open_run_files(prog, alloc, rep, opt, !paths[p] ? not_found[p] : alloc.missing, r);
    for (const std::string& out : prog.outputs) ::unlink(out.c_str());
    if (!f.failure.empty()) {
      r.kind = "program";
      r.command = prog.argv;
      r.rss_method = "ru_maxrss";
      r.status = "failed";
      r.status_detail = f.failure;
    } else {
      r = run_under(prog, *paths[p], alloc, opt, stdin_file.get(), f);
      if (!opt.keep_output_dir.empty()) {
        r.stdout_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stdout");
        r.stderr_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stderr");
      }
    }
    if (prog.check_output && r.status == "ok") {
      if (std::string wrong = prog.check_output(read_all(f.out.get())); !wrong.empty()) {
        r.status = "failed";
        r.status_detail = "wrong output: " + wrong;
      }
    }
    if (opt.check_output && r.status == "ok")
      check_against_reference(r, f.out, a == 0, rep, references[p], opt.allocators[0].spec);
    r.trace = prog.name;
    r.allocator = alloc.spec;
    r.repetition = rep;
    return r;
  }
};

}  // namespace

Report run_program_session(const std::vector<ProgramEntry>& programs, const ProgramSessionOptions& opt) {
  Report report;
  report.context = program_context(opt);
  ProgramSessionState state(programs, opt);

  // --shard K/N: every run of the set gets a shard (the same cost each: a
  // program's time is not known before it runs); this session runs its own.
  const std::size_t planned = programs.size() * opt.allocators.size() * static_cast<std::size_t>(opt.repetitions);
  const std::vector<int> shard_of = opt.shard.active()
                                        ? assign_shards(std::vector<double>(planned, 1.0), opt.shard.count)
                                        : std::vector<int>(planned, 1);
  const int mine = opt.shard.active() ? opt.shard.index : 1;
  if (opt.shard.active()) report.context["shard"] = shard_context(programs, opt, shard_of, report.context);

  const std::size_t total = static_cast<std::size_t>(std::count(shard_of.begin(), shard_of.end(), mine));
  std::size_t slot = 0, done = 0, completed = 0;
  auto stop = [&] {
    int sig = interrupt_signal();
    if (sig == 0) return false;
    report.interrupted = Interruption{signal_text(sig), completed, total};
    return true;
  };
  [&] {
    for (int rep = 0; rep < opt.repetitions; ++rep)
      for (std::size_t p = 0; p < programs.size(); ++p)
        for (std::size_t a = 0; a < opt.allocators.size(); ++a) {
          if (shard_of[slot++] != mine) continue;
          if (stop()) return;
          if (opt.progress)
            show_progress(done, total,
                          opt.allocators[a].spec + " on " + programs[p].name + " (repetition " +
                              std::to_string(rep + 1) + "/" + std::to_string(opt.repetitions) + ")");
          RunResult r = state.run(p, a, rep);
          if (r.status != "interrupted") ++completed;
          report.runs.push_back(std::move(r));
          ++done;
        }
    stop();  // a signal during the last run
  }();
  if (opt.progress) std::fprintf(stderr, "\r\033[K");
  return report;
}

}  // namespace heapreplay
