// What the recorder writes, and where: it records sizes, addresses and
// timings, never the contents of memory; it creates its files without
// following links planted at the paths it uses (the raw folder's
// PID.IMAGE/process and the output); and `heapreplay record` leaves nothing
// but the output it was told to write.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "traces/record_format.h"

namespace heapreplay {
namespace {

namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;

// A shell script that puts a marker into a hundred heap blocks (shell
// variables), built at run time so that the command line never holds it,
// and prints it so the test knows it was made.
const std::string kMarker = "HRMARK_Q7ZPQ7ZPQ7ZP";
const std::string kScript =
    "a=HRMARK_; b=Q7ZP; i=0; while [ $i -lt 100 ]; do eval \"v$i=\\\"$a$b$b$b$i\\\"\"; i=$((i+1)); done; "
    "echo \"$a$b$b$b\"";

std::string record_library() { return std::string(HR_LIB_DIR) + "/libhr_record.so"; }

// Every regular file under `dir` (links are not followed) that holds `text`.
std::vector<std::string> files_holding(const std::string& dir, const std::string& text) {
  std::vector<std::string> hits;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file(/*no follow*/) || e.is_symlink()) continue;
    if (test::read_file(e.path().string()).find(text) != std::string::npos) hits.push_back(e.path().string());
  }
  return hits;
}

TEST(RecordSecurity, PlantedLinksAtTheRawPathsAreNotFollowedAndNoMemoryIsRecorded) {
  TempDir dir;
  std::string raw = dir.file("raw"), victim = dir.write("victim", "precious"), victim_dir = dir.file("victim-dir");
  fs::create_directory(raw);
  fs::create_directory(victim_dir);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(120);
    int out = ::open((dir.file("out")).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::setenv(HR_RECORD_ENV_DIR, raw.c_str(), 1);
    ::setenv(HR_RECORD_ENV_PID, std::to_string(::getpid()).c_str(), 1);
    ::setenv("LD_PRELOAD", record_library().c_str(), 1);
    ::execl("/bin/sh", "sh", "-c", kScript.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(go[0]);
  // The paths this process's first images would use: one a link to a
  // folder, one to a file.
  std::string image0 = raw + "/" + std::to_string(pid) + ".0", image1 = raw + "/" + std::to_string(pid) + ".1";
  fs::create_directory_symlink(victim_dir, image0);
  fs::create_symlink(victim, image1);
  ASSERT_EQ(::write(go[1], "x", 1), 1);
  ::close(go[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(test::read_file(dir.file("out")), kMarker + "\n") << "the program did not make its marker";

  EXPECT_EQ(test::read_file(victim), "precious");
  EXPECT_TRUE(fs::is_empty(victim_dir));
  EXPECT_TRUE(fs::is_symlink(image0));
  EXPECT_TRUE(fs::is_symlink(image1));
  // The recording went to the next free image folder instead.
  std::string process = raw + "/" + std::to_string(pid) + ".2/" HR_RECORD_PROCESS_FILE;
  ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(process))) << process;
  EXPECT_GT(fs::file_size(process), 0u);
  EXPECT_EQ(files_holding(raw, kMarker), std::vector<std::string>{}) << "memory contents were recorded";
}

TEST(RecordSecurity, RecordWritesOnlyItsOutputAndNoMemoryContents) {
  TempDir dir;
  for (const char* d : {"cwd", "tmp", "out"}) fs::create_directory(dir.file(d));
  std::string out = dir.file("out/t.hrt");
  std::string cmd = "cd " + test::shell_quote(dir.file("cwd")) + " && " + test::shell_quote(test::heapreplay_binary()) +
                    " record --tmpdir " + test::shell_quote(dir.file("tmp")) + " -o " + test::shell_quote(out) +
                    " -- /bin/sh -c " + test::shell_quote(kScript) + " >" + test::shell_quote(dir.file("stdout")) +
                    " 2>" + test::shell_quote(dir.file("stderr"));
  ASSERT_EQ(std::system(cmd.c_str()), 0) << test::read_file(dir.file("stderr"));
  ASSERT_EQ(test::read_file(dir.file("stdout")), kMarker + "\n");
  auto info = nlohmann::json::parse(run_cli({"info", out, "--json"}).out);
  EXPECT_GT(info["malloc"].get<int>(), 100) << "the shell's allocations were not recorded";
  EXPECT_EQ(test::read_file(out).find(kMarker), std::string::npos) << "memory contents reached the trace";
  EXPECT_TRUE(fs::is_empty(dir.file("cwd"))) << "something was written to the current folder";
  EXPECT_TRUE(fs::is_empty(dir.file("tmp"))) << "the raw recording was left behind";
  std::vector<std::string> outputs;
  for (const auto& e : fs::directory_iterator(dir.file("out"))) outputs.push_back(e.path().filename().string());
  EXPECT_EQ(outputs, std::vector<std::string>{"t.hrt"});
}

TEST(RecordSecurity, ALinkAtTheOutputToAFolderOrADeviceIsNotFollowed) {
  TempDir dir;
  fs::create_directory(dir.file("victim-dir"));
  fs::create_directory_symlink(dir.file("victim-dir"), dir.file("t.hrt"));
  auto r = run_cli({"record", "--tmpdir", dir.path(), "-o", dir.file("t.hrt"), "--", "/bin/true"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_empty(dir.file("victim-dir")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir.file("t.hrt"))));
}

}  // namespace
}  // namespace heapreplay
