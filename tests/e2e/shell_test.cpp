// End-to-end tests of `heapreplay shell` on our own designs (they run in the
// sanitizer build too): usage errors, both modes through a file, a pipe and a
// live two-way pipe, and at a pseudo-terminal with its prompt and history.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "support/shell_runner.h"

extern char** environ;

namespace heapreplay {
namespace {

using test::run_cli;
using test::run_cli_piped;
using test::TempDir;

const std::string kVmaScript =
    "ALLOC_ARENA 100\nALLOC_BLOCK 10 5\nALLOC_BLOCK 15 5\nWRITE 10 8 \nPMAP\nab\nREAD 11 "
    "20\nFOO\nPMAP\nDEALLOC_ARENA\nPMAP\n";
const std::string kVmaOutput =
    "Warning: size was bigger than the block size. Reading 9 characters.\n"
    "PMAP\nab\n"
    "Invalid command. Please try again.\n"
    "Total memory: 0x64 bytes\nFree memory: 0x5A bytes\nNumber of allocated blocks: 1\n"
    "Number of allocated miniblocks: 2\n\nBlock 1 begin\nZone: 0xA - 0x14\n"
    "Miniblock 1:\t\t0xA\t\t-\t\t0xF\t\t| RW-\nMiniblock 2:\t\t0xF\t\t-\t\t0x14\t\t| RW-\nBlock 1 end\n";

TEST(ShellCli, UsageErrorsExit2WithOneLine) {
  auto r = run_cli({"shell"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "heapreplay shell: give --vma, or -a NAME for the allocator to drive (see heapreplay shell --help)\n");
  r = run_cli({"shell", "--vma", "-a", "segfit"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("give either --vma or -a, not both"), std::string::npos) << r.err;
  r = run_cli({"shell", "-a", "nosuch"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown allocator 'nosuch'"), std::string::npos) << r.err;
  r = run_cli({"shell", "-a", "segfit:bogus=1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  r = run_cli({"shell", "--vma", "/no/such/script"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "heapreplay shell: cannot open /no/such/script: No such file or directory\n");
  r = run_cli({"shell", "--vma", "a", "b"});
  EXPECT_EQ(r.status, 2);
  r = run_cli({"shell", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: heapreplay shell --vma [SCRIPT] | -a ALLOCATOR [SCRIPT]"), std::string::npos);
  EXPECT_EQ(r.out.find("preloaded"), std::string::npos) << "the internal flag stays hidden";
  EXPECT_NE(run_cli({"--help"}).out.find("  shell "), std::string::npos);
}

TEST(ShellCli, VmaModeFromAScriptAFileAndAPipeGivesExactlyTheOutput) {
  TempDir dir;
  const std::string script = dir.write("s.vma", kVmaScript);
  auto r = run_cli({"shell", "--vma", script});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, kVmaOutput);
  EXPECT_EQ(r.err, "");
  r = test::run_cli_stdin_file({"shell", "--vma"}, script);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, kVmaOutput);
  r = run_cli_piped({"shell", "--vma"}, kVmaScript);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, kVmaOutput);
  r = run_cli_piped({"shell", "--vma", "-"}, kVmaScript);
  EXPECT_EQ(r.out, kVmaOutput);
}

TEST(ShellCli, AllocatorModeThroughAPipe) {
  auto r = run_cli_piped({"shell", "-a", "segfit"}, "alloc 100\nwrite h1 0 hello\nread h1 0 5\nfree h1\ncheck\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(std::regex_search(r.out, std::regex("^h1 = 0x[0-9a-f]+  100 bytes \\(usable [0-9]+\\)\n"
                                                  "wrote 5 bytes to h1 at offset 0\n\"hello\"\nh1 freed\n"
                                                  "heap ok: 0 live blocks, 0 bytes requested\n$")))
      << r.out;
  // An error: one line with the place, the rest still runs, status 1.
  r = run_cli_piped({"shell", "-a", "pages"}, "alloc 10\nread h1 5 6\nfree h1\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "heapreplay shell: <stdin>:2: read: 6 bytes at offset 5 do not fit in h1 (10 bytes)\n");
  EXPECT_NE(r.out.find("h1 freed\n"), std::string::npos);
  TempDir dir;
  r = run_cli({"shell", "-a", "blocks", dir.write("s.txt", "alloc 5\nfrobnicate\n")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "heapreplay shell: " + dir.file("s.txt") + ":2: unknown command 'frobnicate' (type help for the list)\n");
}

TEST(ShellCli, SaveThenReplayTheSession) {
  TempDir dir;
  const std::string trace = dir.file("session.hrt");
  auto r = run_cli_piped({"shell", "-a", "sizeclass"},
                         "alloc 100\ncalloc 2 64\nrealloc h1 1000\nfree h2\nalloc 4K 4K\nsave " + trace + "\n");
  ASSERT_EQ(r.status, 0) << r.err;
  auto replay = run_cli({"replay", "-a", "segfit", "-a", "pages", "--validate", trace});
  EXPECT_EQ(replay.status, 0) << replay.err << replay.out;
  auto info = run_cli({"info", trace, "--json"});
  ASSERT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("\"events\": 5"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("\"format\": \"shell\""), std::string::npos) << info.out;
}

// The shell answers each command before it waits for the next, so a program
// can hold a conversation with it over pipes.
TEST(ShellCli, AnswersEachCommandBeforeWaitingForTheNext) {
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  posix_spawn_file_actions_addclose(&fa, to_child[1]);
  posix_spawn_file_actions_addclose(&fa, from_child[0]);
  std::string exe = test::heapreplay_binary();
  char a0[] = "heapreplay", a1[] = "shell", a2[] = "--vma";
  char* argv[] = {a0, a1, a2, nullptr};
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(to_child[0]);
  ::close(from_child[1]);
  auto ask = [&](const std::string& command, const std::string& until) {
    EXPECT_EQ(::write(to_child[1], command.data(), command.size()), static_cast<ssize_t>(command.size()));
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{from_child[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(from_child[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  EXPECT_EQ(ask("ALLOC_ARENA 10\nPMAP\n", "miniblocks: 0\n"),
            "Total memory: 0xA bytes\nFree memory: 0xA bytes\nNumber of allocated blocks: 0\n"
            "Number of allocated miniblocks: 0\n");
  EXPECT_EQ(ask("ALLOC_BLOCK 0 1\nFREE_BLOCK 5\n", "\n"), "Invalid address for free.\n");
  ask("DEALLOC_ARENA\n", "");
  ::close(to_child[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(from_child[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ShellTerminal, VmaModeShowsAPromptAndAContinuationPrompt) {
  test::PtySession s({"shell", "--vma"});
  ASSERT_TRUE(s.started());
  ASSERT_TRUE(s.expect("vma> ")) << s.output();
  s.send("ALLOC_ARENA 100\n");
  ASSERT_TRUE(s.expect("vma> ")) << s.output();
  s.send("ALLOC_BLOCK 0 10\n");
  ASSERT_TRUE(s.expect("vma> ")) << s.output();
  s.send("WRITE 0 3\n");  // the newline is the separator: the data is still to come
  ASSERT_TRUE(s.expect("...> ")) << s.output();
  s.send("xyz\n");
  ASSERT_TRUE(s.expect("vma> ")) << s.output();
  s.send("READ 0 3\n");
  EXPECT_TRUE(s.expect("xyz\r\n")) << s.output();
  s.send("PMAP\n");
  EXPECT_TRUE(s.expect("Total memory: 0x64 bytes")) << s.output();
  EXPECT_TRUE(s.expect("Miniblock 1:\t\t0x0\t\t-\t\t0xA\t\t| RW-")) << s.output();
  s.send("DEALLOC_ARENA\n");
  EXPECT_EQ(s.wait_exit(), 0) << s.output();
}

TEST(ShellTerminal, AllocatorModeShowsAPromptKeepsHistoryAndReportsErrors) {
  test::PtySession s({"shell", "-a", "sizeclass"});
  ASSERT_TRUE(s.started());
  ASSERT_TRUE(s.expect("heapreplay shell on sizeclass; type help for the commands")) << s.output();
  ASSERT_TRUE(s.expect("sizeclass> ")) << s.output();
  s.send("alloc 24\n");
  ASSERT_TRUE(s.expect("h1 = 0x")) << s.output();
  ASSERT_TRUE(s.expect("sizeclass> ")) << s.output();
  ASSERT_TRUE(s.wait_editing());
  s.send("\x1b[A\n");  // up arrow: the last command again, from the history
  ASSERT_TRUE(s.expect("h2 = 0x")) << s.output();
  ASSERT_TRUE(s.expect("24 bytes")) << s.output();
  s.send("read h9 0 1\n");
  EXPECT_TRUE(s.expect("error: read: no live block h9")) << s.output();
  s.send("list\n");
  EXPECT_TRUE(s.expect("h2 = 0x")) << s.output();
  s.send("quit\n");
  EXPECT_EQ(s.wait_exit(), 1) << s.output();  // one command failed
}

TEST(ShellTerminal, EndOfInputAtThePromptEndsTheSession) {
  test::PtySession s({"shell", "-a", "segfit"});
  ASSERT_TRUE(s.started());
  ASSERT_TRUE(s.expect("segfit> ")) << s.output();
  s.send("alloc 1\n");
  ASSERT_TRUE(s.expect("segfit> ")) << s.output();
  ASSERT_TRUE(s.wait_editing());
  s.send("\x04");  // Ctrl-D
  EXPECT_EQ(s.wait_exit(), 0) << s.output();
}

TEST(ShellTerminal, AScriptArgumentIsReadWithoutAPrompt) {
  TempDir dir;
  test::PtySession s({"shell", "--vma", dir.write("s.vma", "ALLOC_ARENA 7\nPMAP\n")});
  ASSERT_TRUE(s.started());
  EXPECT_EQ(s.wait_exit(), 0);
  EXPECT_EQ(s.output().find("vma> "), std::string::npos) << s.output();
  EXPECT_NE(s.output().find("Total memory: 0x7 bytes"), std::string::npos) << s.output();
}

}  // namespace
}  // namespace heapreplay
