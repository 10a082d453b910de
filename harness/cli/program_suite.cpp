// The suite of real programs as the commands use it (see program_suite.h).
#include "harness/cli/program_suite.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/cli/cli.h"
#include "recorder/recording.h"
#include "traces/readers/record_reader.h"
#include "traces/trace_error.h"

namespace heapreplay::cli {

namespace {

namespace fs = std::filesystem;

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string last_line(const std::string& text) {
  const std::size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  const std::size_t start = text.rfind('\n', end);
  const std::size_t from = start == std::string::npos ? 0 : start + 1;
  return text.substr(from, end + 1 - from);
}

// A descriptor for the program's stdout or stderr, in our scratch folder.
int open_capture(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
  return fd;
}

// The image the trace is made of: the program's own (its last image, after
// any exec), or the largest of those whose executable is named `wanted`.
bool pick_image(const std::vector<RecordedImage>& images, const ProgramExit& ended, const char* wanted,
                RecordedImage& out, Trace& trace, RecordingStats& stats) {
  bool found = false;
  for (const RecordedImage& img : images) {
    const bool match =
        wanted ? fs::path(img.exe).filename() == wanted : img.pid == static_cast<std::uint32_t>(ended.pid);
    if (!match) continue;
    RecordingStats st;
    Trace t = read_recorded_image(img, &st);
    if (!found || (wanted ? t.events.size() > trace.events.size() : img.image > out.image)) {
      out = img;
      trace = std::move(t);
      stats = st;
      found = true;
    }
  }
  return found;
}

}  // namespace

// Our options come first; the program starts after "--", or at the first
// word that is neither an option nor an option's value.
void split_program_arguments(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                             std::vector<std::string>& ours, std::vector<std::string>& program) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      program.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      return;
    }
    if (args[i].empty() || args[i][0] != '-') {
      program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      return;
    }
    ours.push_back(args[i]);
    bool takes = false;
    for (const std::string& w : with_value) takes = takes || args[i] == w;
    if (takes && i + 1 < args.size()) ours.push_back(args[++i]);
  }
}

// --env K=V: K a variable name as a shell would take it.
void check_program_env(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    const std::size_t eq = e.find('=');
    bool ok = eq != std::string::npos && eq > 0 && !std::isdigit(static_cast<unsigned char>(e[0]));
    for (std::size_t i = 0; ok && i < eq; ++i) ok = std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '_';
    if (!ok) throw UsageError("--env needs NAME=VALUE with NAME of letters, digits and '_', not '" + e + "'");
    if (e.compare(0, eq, "LD_PRELOAD") == 0)
      throw UsageError("--env cannot set LD_PRELOAD: it is the allocator's (use -a preload:/path/lib.so)");
  }
}

void check_env_against_allocators(const std::vector<std::string>& env,
                                  const std::vector<ProgramAllocator>& allocators) {
  for (const ProgramAllocator& a : allocators)
    for (const EnvSetting& s : a.allocator_env)
      for (const std::string& e : env)
        if (e.compare(0, e.find('='), s.name) == 0)
          throw UsageError("--env " + s.name + "=... and -a " + a.spec + " both set " + s.name +
                           ": give the allocator's options in -a only");
}

std::string how_it_ended(const ProgramExit& e) {
  if (!e.signaled) return "exited with status " + std::to_string(e.code);
  const char* abbrev = sigabbrev_np(e.code);
  return std::string("was killed by ") + (abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(e.code));
}

std::string temporary_parent() {
  const char* env = std::getenv("TMPDIR");
  return env && *env ? env : "/tmp";
}

std::vector<const SuiteProgram*> select_programs(const std::string& only, bool given) {
  std::vector<const SuiteProgram*> out;
  if (!given) {
    for (const SuiteProgram& p : suite_programs()) out.push_back(&p);
    return out;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = only.find(',', start);
    const std::string name = only.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const SuiteProgram* p = find_suite_program(name);
    if (!p) throw UsageError("--only: no program '" + name + "' in the suite (heapreplay corpus list names them)");
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<ProgramEntry> suite_entries(const std::vector<const SuiteProgram*>& programs, const std::string& work,
                                        double scale) {
  std::vector<ProgramEntry> out;
  for (const SuiteProgram* p : programs) {
    ProgramEntry e;
    e.name = p->name;
    e.identity = "suite:" + std::string(p->name) + "@" + std::to_string(scale);
    if (std::string missing = missing_program(*p); !missing.empty()) {
      e.argv = {p->executable};
      e.unavailable = missing;
      out.push_back(std::move(e));
      continue;
    }
    auto run = std::make_shared<PreparedProgram>(p->prepare(work + "/" + p->name, scale));
    e.argv = run->argv;
    e.env = run->env;
    e.cwd = run->cwd;
    e.stdin_path = run->stdin_path;
    for (const ExpectedFile& f : run->expected_files) e.outputs.push_back(run->cwd + "/" + f.path);
    e.check_output = [run](std::string_view stdout_text) { return check_program_output(*run, stdout_text); };
    out.push_back(std::move(e));
  }
  return out;
}

RecordedProgram record_program(const PreparedProgram& run, const char* record_image, bool check,
                               const std::string& tmpdir) {
  RecordedProgram out;
  RecordingDir work(tmpdir), raw(tmpdir);
  const std::string out_path = work.path() + "/stdout", err_path = work.path() + "/stderr";
  const int out_fd = open_capture(out_path);
  const int err_fd = open_capture(err_path);

  RecordRequest req;
  req.argv = run.argv;
  req.program_path = run.argv[0];
  req.library = recorder_library_path();
  req.recording_dir = raw.path();
  req.follow_fork = record_image != nullptr;
  req.cwd = run.cwd;
  req.set_env = run.env;
  req.stdin_path = run.stdin_path.empty() ? "/dev/null" : run.stdin_path;
  req.stdout_fd = out_fd;
  req.stderr_fd = err_fd;
  const auto t0 = std::chrono::steady_clock::now();
  ProgramExit ended;
  try {
    ended = run_recorded(req);
  } catch (const std::runtime_error& e) {
    ::close(out_fd);
    ::close(err_fd);
    out.status = kExitRunFailed;
    out.error = e.what();
    return out;
  }
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(out_fd);
  ::close(err_fd);

  // Ctrl-C reaches the program, not us (run_recorded); SIGTERM and SIGHUP
  // are passed on to it. Either way the user wants everything to stop.
  if (ended.signaled && (ended.code == SIGINT || ended.code == SIGTERM || ended.code == SIGHUP)) {
    out.status = exit_interrupted(ended.code);
    out.error = run.argv[0] + " " + how_it_ended(ended);
    return out;
  }
  if (ended.signaled || ended.code != 0) {
    const std::string why = last_line(read_file_text(err_path));
    out.status = kExitRunFailed;
    out.error = run.argv[0] + " " + how_it_ended(ended) + (why.empty() ? "" : ": " + why);
    return out;
  }
  if (check) {
    if (std::string wrong = check_program_output(run, read_file_text(out_path)); !wrong.empty()) {
      out.status = kExitRunFailed;
      out.error = "wrong output: " + wrong;
      return out;
    }
  }
  RecordedImage image;
  RecordingStats stats;
  try {
    if (!pick_image(list_recorded_images(raw.path()), ended, record_image, image, out.trace, stats)) {
      out.status = kExitRunFailed;
      out.error = "nothing was recorded from " + (record_image ? std::string(record_image) : run.argv[0]);
      return out;
    }
  } catch (const TraceError& e) {
    out.status = kExitRunFailed;
    out.error = std::string("cannot convert the recording: ") + e.what();
    return out;
  }
  if (!image.error.empty())
    out.warnings.push_back("the recording stopped early (" + image.error + "); the trace holds what came before");
  if (stats.dropped != 0)
    out.warnings.push_back(std::to_string(stats.dropped) +
                           " call(s) made inside the recorder (by signal handlers) were not recorded");
  return out;
}

}  // namespace heapreplay::cli
