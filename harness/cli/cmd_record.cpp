// heapreplay record: runs a program with the recording library preloaded and
// turns what it recorded into .hrt traces, one per process image.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "recorder/recording.h"
#include "traces/hrt_chunk.h"
#include "traces/hrt_format.h"
#include "traces/readers/record_reader.h"
#include "traces/thread_summary.h"
#include "traces/trace_error.h"

namespace heapreplay::cli {
namespace {

namespace fs = std::filesystem;

const char* kRecordUsage =
    "[-o OUT.hrt] [--follow-fork child|none] [--clock auto|tsc|monotonic] [--tmpdir DIR] -- PROGRAM [ARGS...]";

std::string base_name(const std::string& path) {
  std::string b = fs::path(path).filename().string();
  return b.empty() ? path : b;
}

// OUT.hrt -> OUT, so that the other images become OUT.<pid>[.<image>].hrt.
std::string stem_of(const std::string& output) {
  return output.size() > 4 && output.ends_with(".hrt") ? output.substr(0, output.size() - 4) : output;
}

// A folder the trace cannot be written to is found before the run.
bool output_folder_writable(const std::string& output) {
  if (output.empty()) return true;
  fs::path parent = fs::path(output).parent_path();
  if (parent.empty()) parent = ".";
  struct stat st {};
  return ::stat(parent.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(parent.c_str(), W_OK | X_OK) == 0;
}

// One recorded process image turned into a trace at `path`, and a line on
// stderr saying what it holds. Returns kExitOk, or the status to end with
// (the raw recording then kept in `dir`).
int convert_image(const RecordedImage& img, bool is_main, int images_of_pid, const std::string& program,
                  const std::string& path, RecordingDir& dir) {
  RecordingStats stats;
  Trace trace;
  try {
    trace = read_recorded_image(img, &stats);
  } catch (const TraceError& e) {
    dir.keep();
    std::cerr << "heapreplay: cannot convert the recording: " << e.what() << " (raw recording kept in " << dir.path()
              << ")\n";
    return kExitRunFailed;
  }
  if (!is_main && trace.events.empty()) return kExitOk;  // an image that made no call: nothing to keep
  try {
    write_hrt(trace, path, HrtEncoding::kCompact, kHrtRecordLevel);
  } catch (const std::runtime_error& e) {
    // The run cannot be repeated: keep what it recorded.
    dir.keep();
    std::cerr << "heapreplay: " << e.what() << " (" << path << " not written; the raw recording is kept in "
              << dir.path() << ")\n";
    return kExitOutputFailed;
  }
  ThreadSummary ts = summarize_threads(trace.view());
  std::cerr << "heapreplay: " << (img.exe.empty() ? program : img.exe) << " (pid " << img.pid;
  if (img.forked) std::cerr << ", forked from " << img.ppid;
  if (images_of_pid > 1) std::cerr << ", image " << img.image;
  std::cerr << "): " << trace.events.size() << " events, " << trace.thread_count << " thread(s), "
            << ts.cross_thread_frees << " cross-thread frees, " << trace.object_count << " object slots -> " << path
            << '\n';
  if (!img.error.empty())
    std::cerr << "heapreplay: warning: recording of pid " << img.pid << " stopped early (" << img.error
              << "); the trace holds what came before\n";
  if (stats.dropped != 0)
    std::cerr << "heapreplay: warning: " << stats.dropped << " call(s) made inside the recorder (by signal handlers) "
              << "were not recorded\n";
  if (stats.forced != 0)
    std::cerr << "heapreplay: warning: " << stats.forced << " allocation(s) of a still-live address whose free was "
              << "never recorded; the old object is freed first\n";
  return kExitOk;
}

// Every image recorded under `dir` converted: the program's own to
// `output`, the others next to it. Returns the status to end with.
int convert_images(RecordingDir& dir, const ProgramExit& ended, const std::string& program, const std::string& output,
                   int status) {
  std::vector<RecordedImage> images;
  try {
    images = list_recorded_images(dir.path());
  } catch (const TraceError& e) {
    dir.keep();
    std::cerr << "heapreplay: " << e.what() << '\n';
    return kExitRunFailed;
  }
  const RecordedImage* main_image = nullptr;
  std::map<std::uint32_t, int> images_per_pid;
  for (const RecordedImage& img : images) {
    ++images_per_pid[img.pid];
    if (img.pid == static_cast<std::uint32_t>(ended.pid)) main_image = &img;  // the last image of the program
  }
  if (!main_image) {
    std::cerr << "heapreplay: nothing was recorded from " << program
              << ": the recording library was not loaded into it (statically linked and setuid programs ignore "
                 "LD_PRELOAD)\n";
    return kExitRunFailed;
  }
  const std::string stem = stem_of(output);
  for (const RecordedImage& img : images) {
    const bool is_main = &img == main_image;
    std::string path = is_main ? output
                               : stem + "." + std::to_string(img.pid) +
                                     (images_per_pid[img.pid] > 1 ? "." + std::to_string(img.image) : "") + ".hrt";
    if (int failed = convert_image(img, is_main, images_per_pid[img.pid], program, path, dir); failed != kExitOk)
      return failed;
  }
  return status;
}

}  // namespace

int cmd_record(const std::vector<std::string>& args) {
  std::vector<std::string> ours, program;
  split_program_arguments(args, {"-o", "--output", "--follow-fork", "--tmpdir", "--clock"}, ours, program);

  std::string output, follow = "none", tmpdir, clock = "auto";
  po::options_description d("Options");
  d.add_options()("output,o", po::value(&output),
                  "the trace of the program (default: PROGRAM.PID.hrt here); other process images it recorded "
                  "go next to it as OUT.PID[.IMAGE].hrt")(
      "follow-fork", po::value(&follow)->default_value("none"),
      "child: record each forked child (and what it execs) to a trace of its own; none: only the program")(
      "clock", po::value(&clock)->default_value("auto"),
      "what times the calls: tsc (the x86-64 time-stamp counter, the cheapest), monotonic (clock_gettime), or "
      "auto: tsc where the kernel keeps time with it, else monotonic")(
      "tmpdir", po::value(&tmpdir),
      "where the private folder for the raw recording is made (default: $TMPDIR or /tmp)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("record", ours, d, pos, vm, kRecordUsage)) return kExitOk;
  if (program.empty()) throw UsageError("no program given: heapreplay record " + std::string(kRecordUsage));
  if (follow != "child" && follow != "none")
    throw UsageError("--follow-fork must be child or none, not '" + follow + "'");
  if (clock != "auto" && clock != "tsc" && clock != "monotonic")
    throw UsageError("--clock must be auto, tsc or monotonic, not '" + clock + "'");
#if !defined(__x86_64__)
  if (clock == "tsc") throw UsageError("--clock tsc needs an x86-64 machine");
#endif

  RecordRequest req;
  req.argv = program;
  req.follow_fork = follow == "child";
  req.clock = clock;
  req.library = recorder_library_path();
  req.program_path = find_program(program[0]);

  if (!output_folder_writable(output)) {
    std::cerr << "heapreplay: " << output
              << ": cannot write there (no such folder, or no permission); the program was not run, nothing written\n";
    return kExitOutputFailed;
  }
  if (tmpdir.empty()) {
    const char* env = std::getenv("TMPDIR");
    tmpdir = env && *env ? env : "/tmp";
  }
  RecordingDir dir(tmpdir);
  req.recording_dir = dir.path();

  ProgramExit ended = run_recorded(req);
  bool program_failed = ended.signaled || ended.code != 0;
  if (program_failed)
    std::cerr << "heapreplay: " << program[0] << " (pid " << ended.pid << ") " << how_it_ended(ended) << '\n';
  if (output.empty()) output = base_name(program[0]) + "." + std::to_string(ended.pid) + ".hrt";
  return convert_images(dir, ended, program[0], output, program_failed ? kExitRunFailed : kExitOk);
}

}  // namespace heapreplay::cli
