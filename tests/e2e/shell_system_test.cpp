// `heapreplay shell -a` on the system allocators: each runs in a child
// process with its library preloaded, through pipes and at a terminal, and a
// crash inside the allocator ends only that child.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "support/shell_runner.h"

namespace heapreplay {
namespace {

using test::run_cli_piped;

TEST(ShellSystem, EverySystemAllocatorRunsPreloadedInItsOwnProcess) {
  for (const char* name : {"glibc", "jemalloc", "mimalloc", "tcmalloc"}) {
    SCOPED_TRACE(name);
    auto r = run_cli_piped({"shell", "-a", name},
                           "alloc 100\ncalloc 10 10\nwrite h1 0 hello\nread h1 0 5\nread h2 0 3\nrealloc h1 100000\n"
                           "read h1 0 5\nmove h2 h1\nread h1 0 5\ndump\nstats\ncheck\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("\"hello\"\n\"\\0\\0\\0\"\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("100000 bytes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"hello\"\nmoved 100 bytes from h2 to h1; h2 freed\n\"\\0\\0\\0\\0\\0\"\n"),
              std::string::npos)
        << r.out;
    // dump and stats come from the allocator's own introspection: proof that
    // the library is the malloc of the shell's process.
    EXPECT_NE(r.out.find(std::string("\n") + name + ": footprint "), std::string::npos) << r.out;
    if (std::string(name) != "glibc") {
      EXPECT_NE(r.out.find(std::string("\n") + name + "."), std::string::npos) << r.out;
    }
    EXPECT_NE(r.out.find("heap ok: 1 live blocks, 100000 bytes requested\n"), std::string::npos) << r.out;
  }
}

TEST(ShellSystem, ACrashInsideTheAllocatorEndsOnlyTheChild) {
  const std::string lib = test::faulty_malloc_library();
  auto r = run_cli_piped({"shell", "-a", "preload:" + lib}, "alloc 10\nalloc 0xDEAD4\nalloc 0xDEAD2\nalloc 1\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("NULL: preload:" + lib + " could not allocate 912084 bytes\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "heapreplay shell: the shell process for preload:" + lib + " was killed by SIGSEGV\n");
}

TEST(ShellSystem, APreloadedAllocatorAtATerminal) {
  test::PtySession s({"shell", "-a", "jemalloc"});
  ASSERT_TRUE(s.started());
  ASSERT_TRUE(s.expect("jemalloc> ")) << s.output();
  s.send("alloc 100\n");
  ASSERT_TRUE(s.expect("h1 = 0x")) << s.output();
  s.send("dump\n");
  ASSERT_TRUE(s.expect("jemalloc.allocated = ")) << s.output();
  s.send("quit\n");
  EXPECT_EQ(s.wait_exit(), 0) << s.output();
}

}  // namespace
}  // namespace heapreplay
