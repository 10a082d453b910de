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

Report run_program_session(const std::vector<ProgramEntry>& programs, const ProgramSessionOptions& opt) {
  Report report;
  SessionOptions so;
  so.command_line = opt.command_line;
  so.repetitions = opt.repetitions;
  so.timeout = opt.timeout;
  so.memory_limit_bytes = opt.memory_limit_bytes;
  report.context = session_context(so);
  for (const char* replay_only :
       {"touch", "malloc_alignment", "validate", "serial", "pace", "sample_every", "latency_every"})
    report.context.erase(replay_only);
  report.context["kind"] = "program";
  report.context["check_output"] = opt.check_output;
  report.context["stdin"] = opt.stdin_path;
  report.context["cwd"] = opt.cwd;
  report.context["env"] = opt.env;
  report.context["keep_output"] = opt.keep_output_dir;
  nlohmann::json preloads = nlohmann::json::object();
  for (const ProgramAllocator& a : opt.allocators) preloads[a.spec] = a.library;
  report.context["preloads"] = std::move(preloads);

  // Each program found once, as execvp would; one not found fails its runs.
  std::vector<std::optional<std::string>> paths;
  std::vector<std::string> not_found;
  for (std::size_t p = 0; p < programs.size(); ++p) {
    const ProgramEntry& e = programs[p];
    int err = 0;
    paths.push_back(e.unavailable.empty() ? find_in_path(e.argv[0], err) : std::nullopt);
    not_found.push_back(paths.back()             ? ""
                        : !e.unavailable.empty() ? e.unavailable
                                                 : "cannot run '" + e.argv[0] + "': " + std::strerror(err));
  }
  Fd stdin_file;
  if (!opt.stdin_path.empty()) {
    stdin_file = Fd(::open(opt.stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (stdin_file.get() < 0)
      throw std::runtime_error("--stdin: cannot read " + opt.stdin_path + ": " + std::strerror(errno));
  }
  // --check-output: per program, the first allocator's latest ok stdout.
  struct Reference {
    Fd fd;
    int repetition = -1;
  };
  std::vector<Reference> references(programs.size());

  // --shard K/N: every run of the set gets a shard (the same cost each: a
  // program's time is not known before it runs); this session runs its own.
  const std::size_t planned = programs.size() * opt.allocators.size() * static_cast<std::size_t>(opt.repetitions);
  const std::vector<int> shard_of = opt.shard.active()
                                        ? assign_shards(std::vector<double>(planned, 1.0), opt.shard.count)
                                        : std::vector<int>(planned, 1);
  const int mine = opt.shard.active() ? opt.shard.index : 1;
  if (opt.shard.active()) {
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
    const nlohmann::json identity = {{"programs", ids},
                                     {"allocators", specs},
                                     {"options",
                                      {{"repetitions", opt.repetitions},
                                       {"env", opt.env},
                                       {"cwd", opt.cwd},
                                       {"stdin", opt.stdin_path},
                                       {"check_output", opt.check_output},
                                       {"timeout_ms", opt.timeout.count()},
                                       {"memory_limit_bytes", opt.memory_limit_bytes}}},
                                     {"shards", opt.shard.count},
                                     {"build",
                                      {report.context["heapreplay_version"], report.context["git_revision"],
                                       report.context["compiler"], report.context["build_type"]}}};
    report.context["shard"] = {{"index", opt.shard.index},
                               {"count", opt.shard.count},
                               {"run_set", fnv1a_hex(identity.dump())},
                               {"planned", std::move(list)}};
  }
  const std::size_t total = static_cast<std::size_t>(std::count(shard_of.begin(), shard_of.end(), mine));
  std::size_t slot = 0;
  std::size_t done = 0, completed = 0;
  auto stop = [&] {
    int sig = interrupt_signal();
    if (sig == 0) return false;
    report.interrupted = Interruption{signal_text(sig), completed, total};
    return true;
  };
  auto run_all = [&] {
    for (int rep = 0; rep < opt.repetitions; ++rep) {
      for (std::size_t p = 0; p < programs.size(); ++p) {
        const ProgramEntry& prog = programs[p];
        for (std::size_t a = 0; a < opt.allocators.size(); ++a) {
          if (shard_of[slot++] != mine) continue;
          if (stop()) return;
          const ProgramAllocator& alloc = opt.allocators[a];
          if (opt.progress)
            show_progress(done, total,
                          alloc.spec + " on " + prog.name + " (repetition " + std::to_string(rep + 1) + "/" +
                              std::to_string(opt.repetitions) + ")");
          RunResult r;
          Fd out, err;
          std::string setup_failure = !paths[p] ? not_found[p] : alloc.missing;
          if (setup_failure.empty() && !opt.keep_output_dir.empty()) {
            r.stdout_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stdout");
            r.stderr_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stderr");
            out = Fd(::open(r.stdout_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            if (out.get() >= 0) err = Fd(::open(r.stderr_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            if (out.get() < 0 || err.get() < 0)
              setup_failure = "--keep-output: cannot create " + (out.get() < 0 ? r.stdout_path : r.stderr_path) + ": " +
                              std::strerror(errno);
          } else if (setup_failure.empty()) {
            if (opt.check_output || prog.check_output) out = temporary_file();
            err = temporary_file();
          }
          Fd own_stdin;
          if (setup_failure.empty() && !prog.stdin_path.empty()) {
            own_stdin = Fd(::open(prog.stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
            if (own_stdin.get() < 0) setup_failure = "cannot read " + prog.stdin_path + ": " + std::strerror(errno);
          }
          for (const std::string& f : prog.outputs) ::unlink(f.c_str());
          if (!setup_failure.empty()) {
            r.kind = "program";
            r.command = prog.argv;
            r.rss_method = "ru_maxrss";
            r.status = "failed";
            r.status_detail = setup_failure;
          } else {
            ProgramRunSpec spec;
            spec.process.path = *paths[p];
            spec.process.argv = prog.argv;
            spec.process.preload = alloc.library;
            spec.process.preload_mode = ProcessSpec::Preload::kReplace;
            spec.process.set_env = alloc.env;
            spec.process.set_env.insert(spec.process.set_env.end(), opt.env.begin(), opt.env.end());
            spec.process.set_env.insert(spec.process.set_env.end(), prog.env.begin(), prog.env.end());
            for (const std::string& e : spec.process.set_env) spec.process.unset_env.push_back(env_name(e));
            spec.process.cwd = prog.cwd.empty() ? opt.cwd : prog.cwd;
            if (opt.memory_limit_bytes != 0)
              spec.process.limits.push_back({RLIMIT_DATA, static_cast<rlim_t>(opt.memory_limit_bytes)});
            spec.timeout = opt.timeout;
            spec.stdin_fd = own_stdin.get() >= 0 ? own_stdin.get() : stdin_file.get();
            spec.stdout_fd = out.get();
            spec.stderr_fd = err.get();
            r = run_program(spec);
            if (!opt.keep_output_dir.empty()) {
              r.stdout_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stdout");
              r.stderr_path = kept_output_path(opt.keep_output_dir, prog.name, alloc.spec, rep, "stderr");
            }
          }
          if (prog.check_output && r.status == "ok") {
            if (std::string wrong = prog.check_output(read_all(out.get())); !wrong.empty()) {
              r.status = "failed";
              r.status_detail = "wrong output: " + wrong;
            }
          }
          if (opt.check_output && r.status == "ok") {
            Reference& ref = references[p];
            if (a == 0) {
              r.output_check = "reference";
              ref.fd = std::move(out);
              ref.repetition = rep;
            } else if (ref.fd.get() < 0) {
              r.output_check = "no reference";
            } else if (auto diff = first_difference(out.get(), ref.fd.get())) {
              r.output_check = "differs";
              r.status = "failed";
              r.status_detail = "stdout " + *diff + " from " + opt.allocators[0].spec + "'s (repetition " +
                                std::to_string(ref.repetition + 1) +
                                "): an allocator must not change a program's output";
            } else {
              r.output_check = "same";
            }
          }
          r.trace = prog.name;
          r.allocator = alloc.spec;
          r.repetition = rep;
          if (r.status != "interrupted") ++completed;
          report.runs.push_back(std::move(r));
          ++done;
        }
      }
    }
    stop();  // a signal during the last run
  };
  run_all();
  if (opt.progress) std::fprintf(stderr, "\r\033[K");
  return report;
}

}  // namespace heapreplay
