// Output that cannot be written, for every command that writes a file
// (replay, bench, report's exports, compare, gen, trace, convert, record):
// a full disk (/dev/full), a folder that does not exist, and a folder with
// no write permission. Each must exit 3 with a message that says what was not
// written, and leave no partial or temporary file behind.
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

namespace fs = std::filesystem;
using test::CliResult;
using test::run_cli;
using test::TempDir;

constexpr uid_t kNobody = 65534;

// The user dropped to must reach the binary it runs, and a clone under a
// folder only root may enter (/root is 0700 in most containers) hides the
// build's: so it runs a copy, laid out as in the build (bin/heapreplay, and
// lib/libhr_record.so that record looks for next to it), in a folder
// everyone may enter.
const std::string& binary_anyone_can_run() {
  static const TempDir dir;
  static const std::string binary = [] {
    for (const char* sub : {"", "/bin", "/lib"}) {
      fs::create_directories(dir.path() + sub);
      ::chmod((dir.path() + sub).c_str(), 0755);
    }
    fs::copy_file(test::heapreplay_binary(), dir.file("bin/heapreplay"));
    fs::copy_file(std::string(HR_LIB_DIR) + "/libhr_record.so", dir.file("lib/libhr_record.so"));
    return dir.file("bin/heapreplay");
  }();
  return binary;
}

// Runs heapreplay as `uid` (from root): the one way to meet "permission
// denied" when the tests run as root, which write permission does not stop.
CliResult run_cli_as(uid_t uid, const std::vector<std::string>& args) {
  return test::run_cli_in_child(
      args, [uid] { return ::setgroups(0, nullptr) == 0 && ::setgid(uid) == 0 && ::setuid(uid) == 0; }, nullptr,
      binary_anyone_can_run());
}

// Inputs every command below reads, made once per test.
struct Inputs {
  TempDir dir;
  std::string text, hrt, report;
  Inputs() {
    // Readable by the unprivileged user of the no-permission case.
    ::chmod(dir.path().c_str(), 0755);
    text = dir.write("t.txt", "heapreplay-text 1\nmalloc 1 100\nmalloc 2 5000\nfree 1\nfree 2\n");
    hrt = dir.file("t.hrt");
    EXPECT_EQ(run_cli({"convert", text, hrt}).status, 0);
    report = dir.file("r.json");
    EXPECT_EQ(run_cli({"replay", "-a", "segfit", "-r", "2", "-o", report, text}).status, 0);
    for (const std::string& f : {text, hrt, report}) ::chmod(f.c_str(), 0644);
  }
};

struct Writer {
  std::string what;
  std::vector<std::string> args;  // "OUT" stands for the output path
  bool prints_results = false;    // the table is still on stdout
};

std::vector<Writer> writers(const Inputs& in) {
  return {
      {"replay -o", {"replay", "-a", "segfit", "-o", "OUT", in.text}, true},
      {"bench -o", {"bench", "--no-suite", "--trace", in.text, "-a", "segfit", "-o", "OUT"}, true},
      {"report --markdown", {"report", in.report, "--markdown", "OUT"}},
      {"report --html", {"report", in.report, "--html", "OUT"}},
      {"report --format gbench", {"report", in.report, "--format", "gbench", "-o", "OUT"}},
      {"report --format bmf", {"report", in.report, "--format", "bmf", "-o", "OUT"}},
      {"compare --markdown", {"compare", in.report, in.report, "--markdown", "OUT"}, true},
      {"compare --json", {"compare", in.report, in.report, "--json", "OUT"}, true},
      {"gen", {"gen", "churn", "-p", "events=100", "-o", "OUT"}},
      {"trace slice", {"trace", "slice", in.hrt, "--events", "0:2", "-o", "OUT"}},
      {"trace filter", {"trace", "filter", in.hrt, "--size", ":200", "-o", "OUT"}},
      {"trace scale", {"trace", "scale", in.hrt, "--sizes", "2", "-o", "OUT"}},
      {"trace merge", {"trace", "merge", in.hrt, in.hrt, "-o", "OUT"}},
      {"convert", {"convert", in.text, "OUT"}},
      // The raw recording a failed write keeps goes to the inputs' folder.
      {"record -o", {"record", "--tmpdir", in.dir.path(), "-o", "OUT", "--", "/bin/true"}},
  };
}

std::vector<std::string> with_output(std::vector<std::string> args, const std::string& out) {
  for (auto& a : args)
    if (a == "OUT") a = out;
  return args;
}

// What every failure must look like.
void expect_refused(const Writer& w, const CliResult& r, const std::string& reason) {
  EXPECT_EQ(r.status, 3) << w.what << ": " << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << w.what << ": " << r.err;
  EXPECT_TRUE(r.err.find("not written") != std::string::npos || r.err.find("NOT written") != std::string::npos ||
              r.err.find("nothing written") != std::string::npos)
      << w.what << ": the message must say the output was not written: " << r.err;
  EXPECT_EQ(r.err.find("written to"), std::string::npos) << w.what << ": claims a write: " << r.err;
  if (w.prints_results) {
    EXPECT_NE(r.out.find("segfit"), std::string::npos) << w.what << ": results not shown";
  }
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

TEST(OutputFailure, AFullDiskIsExit3AndNoFileIsClaimed) {
  Inputs in;
  auto before = entries("/dev");
  for (const Writer& w : writers(in)) {
    CliResult r = run_cli(with_output(w.args, "/dev/full"));
    expect_refused(w, r, "No space left on device");
    if (w.args[0] == "record") {
      EXPECT_NE(r.err.find("the raw recording is kept in " + in.dir.path()), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(entries("/dev").size(), before.size()) << "a temporary file was left in /dev";
  EXPECT_TRUE(fs::is_character_file("/dev/full")) << "/dev/full was replaced";
}

TEST(OutputFailure, AMissingFolderIsExit3AndLeavesNothing) {
  Inputs in;
  for (const Writer& w : writers(in)) {
    CliResult r = run_cli(with_output(w.args, in.dir.file("no/such/folder/out")));
    // record checks the folder before it runs the program.
    expect_refused(w, r, w.args[0] == "record" ? "cannot write there" : "No such file or directory");
  }
  EXPECT_FALSE(fs::exists(in.dir.file("no")));
  EXPECT_EQ(entries(in.dir.path()).size(), 3u) << "only the inputs";
}

TEST(OutputFailure, NoPermissionIsExit3AndLeavesNothing) {
  Inputs in;
  std::string ro = in.dir.file("ro");
  fs::create_directory(ro);
  ::chmod(ro.c_str(), 0555);
  const bool root = ::geteuid() == 0;
  for (const Writer& w : writers(in)) {
    auto args = with_output(w.args, ro + "/out");
    CliResult r = root ? run_cli_as(kNobody, args) : run_cli(args);
    if (r.status == 126) GTEST_SKIP() << "cannot switch to uid " << kNobody << " to meet a permission check as root";
    expect_refused(w, r, w.args[0] == "record" ? "cannot write there" : "Permission denied");
  }
  EXPECT_TRUE(entries(ro).empty()) << "a partial or temporary file was left";
}

// A failed write leaves an existing file as it was.
TEST(OutputFailure, AnExistingTargetIsUntouchedWhenTheWriteFails) {
  Inputs in;
  std::string ro = in.dir.file("ro");
  fs::create_directory(ro);
  std::string target = ro + "/out";
  ASSERT_EQ(::chmod(ro.c_str(), 0755), 0);
  { std::ofstream(target) << "precious"; }
  ::chmod(target.c_str(), 0666);
  ::chmod(ro.c_str(), 0555);  // the file itself is writable, the folder is not: no temporary can be made
  const bool root = ::geteuid() == 0;
  for (const Writer& w : writers(in)) {
    if (w.args[0] == "record") continue;  // record's check looks at the folder first (covered above)
    auto args = with_output(w.args, target);
    CliResult r = root ? run_cli_as(kNobody, args) : run_cli(args);
    if (r.status == 126) GTEST_SKIP() << "cannot switch to uid " << kNobody << " to meet a permission check as root";
    EXPECT_EQ(r.status, 3) << w.what << ": " << r.err;
    EXPECT_EQ(test::read_file(target), "precious") << w.what;
  }
  EXPECT_EQ(entries(ro).size(), 1u);
}

// /dev/stdout is followed (the user named it) and written in place, never
// replaced; a link planted elsewhere is replaced, even one to a FIFO or a
// device, which would otherwise receive the output.
TEST(OutputFailure, DevicePathsAreWrittenInPlaceAndPlantedLinksReplaced) {
  Inputs in;
  for (const Writer& w : writers(in)) {
    if (w.args[0] == "record" || w.prints_results) continue;  // their stdout holds other text
    CliResult r = run_cli(with_output(w.args, "/dev/stdout"));
    EXPECT_EQ(r.status, 0) << w.what << ": " << r.err;
    EXPECT_FALSE(r.out.empty()) << w.what;
  }
  EXPECT_TRUE(fs::is_symlink("/dev/stdout"));
  std::string fifo = in.dir.file("victim.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const Writer& w : writers(in)) {
    std::string out = in.dir.file("out");
    fs::remove(out);
    fs::create_symlink(fifo, out);
    CliResult r = run_cli(with_output(w.args, out));
    EXPECT_EQ(r.status, 0) << w.what << ": " << r.err;
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out))) << w.what;
    EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  }
}

// A folder under /dev that holds ordinary files (/dev/shm, a tmpfs) takes
// every output like any other folder, and a link planted there is replaced,
// not followed.
TEST(OutputFailure, OutputsInDevShmAreOrdinaryFilesAndLinksThereAreReplaced) {
  std::error_code ec;
  if (!fs::is_directory("/dev/shm", ec) || ::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no writable /dev/shm";
  Inputs in;
  std::string tmpl = "/dev/shm/hrtest-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string shm = tmpl;
  const std::string victim = in.dir.write("victim", "precious");
  for (const Writer& w : writers(in)) {
    const std::string out = shm + "/out";
    fs::remove(out, ec);
    CliResult r = run_cli(with_output(w.args, out));
    EXPECT_EQ(r.status, 0) << w.what << ": " << r.err;
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out))) << w.what;
    EXPECT_GT(fs::file_size(out, ec), 0u) << w.what;
    fs::remove(out, ec);
    fs::create_symlink(victim, out);
    r = run_cli(with_output(w.args, out));
    EXPECT_EQ(r.status, 0) << w.what << ": " << r.err;
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out))) << w.what << ": the link is replaced";
    EXPECT_EQ(test::read_file(victim), "precious") << w.what;
  }
  fs::remove_all(shm, ec);
}

}  // namespace
}  // namespace heapreplay
