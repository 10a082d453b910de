// `heapreplay shell` under valgrind (label "valgrind"): the homework's checker
// runs every VMA test under valgrind, and any leak or memory error fails it.
// Here every test in ../shared/data/vma/tests runs under
// `valgrind --error-exitcode=1 --leak-check=full` and must still print
// exactly its reference; so do allocator-mode sessions on our designs.
// Skips when valgrind is not installed, and in the sanitizer build (whose
// binaries cannot run under valgrind; ASan covers the same tests there).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/shell_runner.h"

namespace heapreplay {
namespace {

const char* kValgrind =
    "valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible "
    "--errors-for-leak-kinds=definite,indirect,possible ";

// Why valgrind cannot run here, or "" when it can.
std::string why_not() {
#ifdef HEAPREPLAY_SANITIZED
  return "a sanitizer build cannot run under valgrind (AddressSanitizer checks these tests instead)";
#else
  if (std::system("valgrind --version >/dev/null 2>&1") != 0) return "valgrind is not installed";
  return "";
#endif
}

class VmaValgrind : public ::testing::TestWithParam<std::string> {};

TEST_P(VmaValgrind, NoErrorsNoLeaksAndTheExactReference) {
  if (const std::string why = why_not(); !why.empty()) GTEST_SKIP() << why;
  const std::string name = GetParam();
  if (name.empty()) GTEST_SKIP() << test::vma_data_dir() << " not found: the homework's VMA tests are skipped";
  const std::string dir = test::vma_data_dir() + "/" + name + "/";
  const test::CliResult r = test::run_cli_stdin_file({"shell", "--vma"}, dir + name + ".in", kValgrind);
  EXPECT_EQ(r.status, 0) << "valgrind found errors or leaks:\n" << r.err;
  EXPECT_EQ(r.err, "");
  const std::string want = test::read_file(dir + name + ".ref");
  EXPECT_TRUE(r.out == want) << name << ": " << test::first_difference(r.out, want);
}

std::vector<std::string> cases() {
  std::vector<std::string> names = test::vma_data_tests();
  if (names.empty()) names.push_back("");
  return names;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.empty() ? "absent" : info.param;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Data, VmaValgrind, ::testing::ValuesIn(cases()), case_name);

TEST(ShellValgrind, AllocatorSessionsOnEveryDesign) {
  if (const std::string why = why_not(); !why.empty()) GTEST_SKIP() << why;
  test::TempDir dir;
  // Blocks left live at the end, a failed command, every kind of call.
  const std::string script =
      dir.write("s.txt",
                "alloc 100\ncalloc 3 7\nalloc 64 64\nwrite h1 0 \"x\\ty\"\nread h1 0 4\nrealloc h1 3000\nmove h2 h1\n"
                "read h9 0 1\nlist\ndump\ncheck\nstats\nsave " +
                    dir.file("t.hrt") + "\nalloc 5\n");
  for (const char* design : {"sizeclass", "blocks", "segfit", "pages", "vmarena:arena_bytes=1G"}) {
    SCOPED_TRACE(design);
    const test::CliResult r = test::run_cli_stdin_file({"shell", "-a", design}, script, kValgrind);
    EXPECT_EQ(r.status, 1) << r.err;  // the one failed command, not valgrind
    EXPECT_EQ(r.err, "heapreplay shell: <stdin>:8: read: no live block h9\n");
    EXPECT_NE(r.out.find("heap ok: 2 live blocks"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace heapreplay
