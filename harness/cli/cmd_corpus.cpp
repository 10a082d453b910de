// heapreplay corpus: the suite of real programs (harness/programs). `list`
// says which are installed here, `prepare` writes their inputs and prints
// the commands, `record` records each under the recording library into
// DIR/NAME.hrt, checking that the program gave the right answer.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "harness/programs/programs.h"
#include "recorder/recording.h"
#include "reports/table.h"
#include "traces/hrt_format.h"
#include "traces/readers/record_reader.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay::cli {
namespace {

namespace fs = std::filesystem;

const char* kCorpusUsage =
    "list [--json] | prepare DIR [--scale X] [--only NAME,...] | record DIR [--scale X] [--only NAME,...] "
    "[--tmpdir DIR]";

struct Selection {
  std::vector<const SuiteProgram*> programs;
  double scale = 1.0;
  std::string dir;
  std::string tmpdir;
};

Selection parse_selection(const std::string& sub, const std::vector<std::string>& args, bool with_tmpdir, bool& help) {
  Selection s;
  std::string only;
  po::options_description d("Options");
  d.add_options()("dir", po::value(&s.dir), "the folder to write into (made if missing)")(
      "scale", po::value(&s.scale)->default_value(1.0),
      "input size: 1 makes each program run 0.5 to 5 s under glibc on a 2-core machine; at most 20")(
      "only", po::value(&only), "these programs only (comma-separated names, as corpus list prints them)");
  if (with_tmpdir)
    d.add_options()("tmpdir", po::value(&s.tmpdir),
                    "where the private folders for the inputs and the raw recordings are made (default: $TMPDIR "
                    "or /tmp)");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  help = !parse("corpus " + sub, args, d, pos, vm, sub + " DIR [--scale X] [--only NAME,...]");
  if (help) return s;
  if (s.dir.empty()) throw UsageError("corpus " + sub + " needs a folder: heapreplay corpus " + sub + " DIR");
  if (!valid_program_scale(s.scale))
    throw UsageError("--scale must be above 0 and at most " + std::to_string(static_cast<int>(kMaxProgramScale)));
  s.programs = select_programs(only, vm.count("only") != 0);
  if (s.tmpdir.empty()) {
    const char* env = std::getenv("TMPDIR");
    s.tmpdir = env && *env ? env : "/tmp";
  }
  return s;
}

// The folder made if missing and writable; false (and one line) if not.
bool usable_folder(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  struct stat st {};
  if (ec || ::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    std::cerr << "heapreplay: " << dir
              << ": cannot write there (not a folder, or no permission); no program was run, nothing written\n";
    return false;
  }
  return true;
}

// The run as one shell command line: cd, the environment, argv, stdin.
std::string command_text(const PreparedProgram& run) {
  std::string s = "cd " + shell_quoted(run.cwd) + " &&";
  for (const std::string& e : run.env) s += " " + shell_quoted(e);
  for (const std::string& a : run.argv) s += " " + shell_quoted(a);
  if (!run.stdin_path.empty()) s += " < " + shell_quoted(run.stdin_path);
  return s;
}

int corpus_list(const std::vector<std::string>& args) {
  po::options_description d("Options");
  d.add_options()("json", "print a JSON array");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("corpus list", args, d, pos, vm, "list [--json]")) return kExitOk;
  nlohmann::json out = nlohmann::json::array();
  for (const SuiteProgram& p : suite_programs()) {
    const std::string missing = missing_program(p);
    out.push_back({{"name", p.name},
                   {"packages", p.packages},
                   {"executable", p.executable},
                   {"installed", missing.empty()},
                   {"exercises", p.exercises}});
    if (!vm.count("json")) {
      std::string name = p.name, packages = p.packages;
      name.resize(std::max<std::size_t>(name.size(), 16), ' ');
      packages.resize(std::max<std::size_t>(packages.size(), 13), ' ');
      std::cout << name << packages << (missing.empty() ? "installed  " : "MISSING    ") << p.exercises << '\n';
    }
  }
  if (vm.count("json")) std::cout << out.dump(2) << '\n';
  return kExitOk;
}

int corpus_prepare(const std::vector<std::string>& args) {
  bool help = false;
  Selection s = parse_selection("prepare", args, false, help);
  if (help) return kExitOk;
  if (!usable_folder(s.dir)) return kExitOutputFailed;
  const std::string dir = fs::absolute(s.dir).lexically_normal().string();
  for (const SuiteProgram* p : s.programs) {
    PreparedProgram run;
    try {
      run = p->prepare(dir + "/" + p->name, s.scale);
      std::ofstream expected(run.cwd + "/expected-stdout.txt", std::ios::binary | std::ios::trunc);
      expected << run.expected_stdout;
      if (!expected.flush()) throw std::runtime_error(run.cwd + "/expected-stdout.txt: cannot write");
    } catch (const std::runtime_error& e) {
      std::cerr << "heapreplay: " << e.what() << '\n';
      return kExitOutputFailed;
    }
    std::cout << p->name << ": " << command_text(run) << '\n';
  }
  return kExitOk;
}

// One program recorded into DIR/NAME.hrt; returns kExitOk, kExitRunFailed
// (it failed, gave a wrong answer or recorded nothing), kExitOutputFailed,
// or 128 + the signal that interrupted it (SIGINT, SIGTERM, SIGHUP).
int record_one(const SuiteProgram& p, const Selection& s) {
  const std::string trace_path = s.dir + "/" + p.name + ".hrt";
  RecordingDir inputs(s.tmpdir);
  const PreparedProgram run = p.prepare(inputs.path() + "/" + p.name, s.scale);
  RecordedProgram rec = record_program(run, p.record_image, true, s.tmpdir);
  if (rec.status > 128) {
    std::cerr << "heapreplay: " << p.name << ": " << rec.error << "; no trace written, no further program run\n";
    return rec.status;
  }
  if (rec.status != kExitOk) {
    std::cerr << "heapreplay: " << p.name << ": " << rec.error << "; no trace written\n";
    return rec.status;
  }
  try {
    write_hrt(rec.trace, trace_path, HrtEncoding::kCompact);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay: " << p.name << ": " << e.what() << " (" << trace_path << " not written)\n";
    return kExitOutputFailed;
  }
  const TraceSummary sum = summarize(rec.trace.view());
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.2f s", rec.wall_s);
  std::cout << p.name << ": " << rec.trace.events.size() << " events, " << rec.trace.thread_count
            << " thread(s), peak live " << human_bytes(static_cast<double>(sum.peak_live_bytes)) << ", " << wall
            << " wall -> " << trace_path << '\n';
  for (const std::string& w : rec.warnings) std::cerr << "heapreplay: warning: " << p.name << ": " << w << '\n';
  return kExitOk;
}

int corpus_record(const std::vector<std::string>& args) {
  bool help = false;
  Selection s = parse_selection("record", args, true, help);
  if (help) return kExitOk;
  recorder_library_path();  // missing: one line now, before any program runs
  if (!usable_folder(s.dir)) return kExitOutputFailed;
  int status = kExitOk;
  for (const SuiteProgram* p : s.programs) {
    if (std::string missing = missing_program(*p); !missing.empty()) {
      std::cerr << "heapreplay: skipped " << missing << '\n';
      status = std::max(status, kExitRunFailed);
      continue;
    }
    int one;
    try {
      one = record_one(*p, s);
    } catch (const std::runtime_error& e) {  // the scratch folder or an input could not be written
      std::cerr << "heapreplay: " << p->name << ": " << e.what() << '\n';
      one = kExitOutputFailed;
    }
    if (one > 128) return one;
    status = std::max(status, one);
  }
  return status;
}

}  // namespace

int cmd_corpus(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: heapreplay corpus " << kCorpusUsage << "\n\n"
              << "  list     the suite's programs, their Debian packages, whether each is installed here\n"
              << "  prepare  write each program's inputs into DIR/NAME/ (and expected-stdout.txt, what a correct run\n"
              << "           prints) and print the command that runs it\n"
              << "  record   record each program into DIR/NAME.hrt (its output checked; a failure is reported and\n"
              << "           the others go on)\n";
    return args.empty() ? kExitBadInput : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "list") return corpus_list(rest);
  if (args[0] == "prepare") return corpus_prepare(rest);
  if (args[0] == "record") return corpus_record(rest);
  throw UsageError("unknown corpus command '" + args[0] + "' (list, prepare or record)");
}

}  // namespace heapreplay::cli
