// End-to-end tests of `heapreplay corpus`: list, prepare, and record of two
// small programs of the suite into traces that `heapreplay info` reads;
// bad usage and unwritable folders as one line and exit 2 or 3.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "harness/programs/programs.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

int lines_of(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(Corpus, ListNamesEveryProgram) {
  auto r = run_cli({"corpus", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), static_cast<int>(suite_programs().size()));
  for (const SuiteProgram& p : suite_programs())
    EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\n)" + std::string(p.name) + " +"))) << p.name;
  auto j = run_cli({"corpus", "list", "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  auto arr = nlohmann::json::parse(j.out);
  ASSERT_EQ(arr.size(), suite_programs().size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    EXPECT_EQ(arr[i]["name"], suite_programs()[i].name);
    EXPECT_EQ(arr[i]["installed"], missing_program(suite_programs()[i]).empty());
  }
}

TEST(Corpus, PrepareWritesInputsAndPrintsCommands) {
  TempDir dir;
  auto r = run_cli({"corpus", "prepare", dir.file("p"), "--scale", "0.01", "--only", "sqlite3,perl"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), 2) << r.out;
  EXPECT_NE(r.out.find("sqlite3: cd " + dir.file("p") + "/sqlite3 && /usr/bin/sqlite3 -batch -bail < " + dir.file("p") +
                       "/sqlite3/queries.sql\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::is_regular_file(dir.file("p/perl/records.txt")));
  EXPECT_TRUE(fs::is_regular_file(dir.file("p/perl/expected-stdout.txt")));
  EXPECT_FALSE(fs::exists(dir.file("p/lua")));
}

bool installed(const char* name) { return missing_program(*find_suite_program(name)).empty(); }

TEST(Corpus, RecordWritesReadableTraces) {
  if (!installed("perl") || !installed("sqlite3")) GTEST_SKIP() << "perl or sqlite3 is not installed";
  TempDir dir;
  const std::string out = dir.file("traces");  // made by corpus record
  auto r = run_cli({"corpus", "record", out, "--scale", "0.01", "--only", "perl,sqlite3", "--tmpdir", dir.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(lines_of(r.out), 2) << r.out;
  for (const char* name : {"perl", "sqlite3"}) {
    SCOPED_TRACE(name);
    const std::string trace = out + "/" + name + ".hrt";
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("(^|\n)") + name +
                                                    ": [0-9]+ events, 1 thread\\(s\\), peak live [0-9.]+ [KM]?i?B, "
                                                    "[0-9.]+ s wall -> " +
                                                    trace + "\n")))
        << r.out;
    auto info = run_cli({"info", "--json", trace});
    ASSERT_EQ(info.status, 0) << info.err;
    auto j = nlohmann::json::parse(info.out);
    EXPECT_EQ(j["format"], "record");  // a recording's trace
    EXPECT_GT(j["events"].get<long long>(), 1000);
    EXPECT_GT(j["malloc"].get<long long>(), 0);
  }
  // Nothing of the scratch folders is left behind.
  int left = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) left += e.path().filename() != "traces";
  EXPECT_EQ(left, 0);
}

TEST(Corpus, BadUsageIsOneLineAndStatus2) {
  TempDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"corpus", "record", dir.file("t"), "--only", "perl,nosuch"},
      {"corpus", "record", dir.file("t"), "--scale", "0"},
      {"corpus", "record", dir.file("t"), "--scale", "-1"},
      {"corpus", "record", dir.file("t"), "--scale", "21"},
      {"corpus", "record", dir.file("t"), "--scale", "abc"},
      {"corpus", "record"},
      {"corpus", "prepare", dir.file("t"), "--only", ""},
      {"corpus", "frobnicate"},
      {"corpus"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    SCOPED_TRACE(shown);
    auto r = run_cli(args);
    EXPECT_EQ(r.status, 2) << r.err;
    if (args.size() > 1) {
      EXPECT_EQ(lines_of(r.err), 1) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir.file("t")));
  }
}

TEST(Corpus, UnwritableFolderIsStatus3BeforeAnyRun) {
  TempDir dir;
  const std::string file = dir.write("file", "x");
  for (const std::string& target : {file, file + "/sub"}) {
    SCOPED_TRACE(target);
    auto r = run_cli({"corpus", "record", target, "--scale", "0.01", "--only", "perl"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_EQ(lines_of(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(target + ": cannot write there"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  auto p = run_cli({"corpus", "prepare", file + "/sub", "--only", "perl"});
  EXPECT_EQ(p.status, 3) << p.err;
}

// The pid of a process whose parent is `parent` and whose command line
// holds `needle`, once there is one (within 30 s), or -1.
pid_t child_running(pid_t parent, const std::string& needle) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string stat = test::read_file(e.path().string() + "/stat");
      const std::size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      int ppid = 0;
      char state = 0;
      if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != parent) continue;
      std::string cmdline = test::read_file(e.path().string() + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find(needle) != std::string::npos) return static_cast<pid_t>(std::stoi(name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

TEST(Corpus, SigtermStopsTheCorpus) {
  if (!installed("perl")) GTEST_SKIP() << "perl is not installed";
  TempDir dir;
  const std::string out = dir.file("traces");
  std::vector<std::string> argv = {test::heapreplay_binary(),
                                   "corpus",
                                   "record",
                                   out,
                                   "--scale",
                                   "0.5",
                                   "--only",
                                   "perl,sqlite3",
                                   "--tmpdir",
                                   dir.path()};
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err = ::open(dir.file("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(err, 2);
    std::vector<char*> v;
    for (auto& a : argv) v.push_back(a.data());
    v.push_back(nullptr);
    ::execv(v[0], v.data());
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  const pid_t perl = child_running(pid, "hashes.pl");
  if (perl > 0) ::kill(pid, SIGTERM);  // heapreplay passes it on to perl
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_GT(perl, 0) << "perl never started";
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 143);
  const std::string err = test::read_file(dir.file("err"));
  EXPECT_NE(err.find("perl: /usr/bin/perl was killed by SIGTERM; no trace written, no further program run"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(out + "/perl.hrt"));
  EXPECT_FALSE(fs::exists(out + "/sqlite3.hrt"));
}

}  // namespace
}  // namespace heapreplay
