// Splitting a command into words as a shell does (without expansion), the
// programs file of `heapreplay run --programs`, and the kept output names.
#include <gtest/gtest.h>

#include "harness/process/program_list.h"
#include "harness/process/program_session.h"

namespace heapreplay {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommandWords, AsAShellSplitsWithoutExpanding) {
  EXPECT_EQ(split_command_words("  a  b\tc "), (Words{"a", "b", "c"}));
  EXPECT_EQ(split_command_words("echo 'a b' \"c d\" e\\ f"), (Words{"echo", "a b", "c d", "e f"}));
  EXPECT_EQ(split_command_words("x'y'\"z\""), (Words{"xyz"}));
  EXPECT_EQ(split_command_words("'' \"\""), (Words{"", ""}));
  EXPECT_EQ(split_command_words("'\\n $HOME' \"\\$HOME \\\" \\\\ \\n\""), (Words{"\\n $HOME", "$HOME \" \\ \\n"}));
  EXPECT_EQ(split_command_words("ls *.c ~ $PATH"), (Words{"ls", "*.c", "~", "$PATH"}));
  EXPECT_EQ(split_command_words("run # a comment 'x"), (Words{"run"}));
  EXPECT_EQ(split_command_words("a#b '#c'"), (Words{"a#b", "#c"}));
  EXPECT_TRUE(split_command_words("   ").empty());
  EXPECT_THROW(split_command_words("'open"), std::invalid_argument);
  EXPECT_THROW(split_command_words("\"open"), std::invalid_argument);
  EXPECT_THROW(split_command_words("end\\"), std::invalid_argument);
}

TEST(ProgramList, ParsesNamedCommands) {
  auto list = parse_program_list("# programs\n\npy: python3 -c 'print(1)'\n  sort-2 :  sort -S 50M in.txt  \n", "p");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "py");
  EXPECT_EQ(list[0].argv, (Words{"python3", "-c", "print(1)"}));
  EXPECT_EQ(list[1].name, "sort-2");
  EXPECT_EQ(list[1].argv, (Words{"sort", "-S", "50M", "in.txt"}));
  // The first ':' ends the name; later ones are the command's.
  EXPECT_EQ(parse_program_list("a: sh -c 'x:y'", "p")[0].argv, (Words{"sh", "-c", "x:y"}));
  EXPECT_THROW(parse_program_list("-x: true", "p"), ProgramListError);
  EXPECT_THROW(parse_program_list(".x: true", "p"), ProgramListError);
  EXPECT_THROW(parse_program_list("a/b: true", "p"), ProgramListError);
  EXPECT_EQ(program_name_of("/usr/bin/python3"), "python3");
  EXPECT_EQ(program_name_of("sort"), "sort");
}

TEST(ProgramList, KeptOutputNamesStayInTheirFolder) {
  EXPECT_EQ(kept_output_path("out", "py", "segfit:page_bytes=8192", 0, "stdout"),
            "out/py.segfit_page_bytes=8192.1.stdout");
  EXPECT_EQ(kept_output_path("out", "py", "preload:/x/lib.so", 2, "stderr"), "out/py.preload__x_lib.so.3.stderr");
}

}  // namespace
}  // namespace heapreplay
