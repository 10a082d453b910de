// The general mode of `heapreplay shell` (harness/shell/shell.h) in this
// process, on our own designs: every command, every user error, the heap
// maps, and `save` as a trace that reads back.
#include "harness/shell/shell.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "support/cli_runner.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay::shell {
namespace {

struct SessionRun {
  int status = -1;
  std::string out;
  std::string err;
};

SessionRun run(const std::string& allocator, const std::string& script, bool interactive = false) {
  StringInput src(script);
  ByteReader reader(src);
  std::ostringstream out, err;
  SessionIo io;
  io.in = &reader;
  io.out = &out;
  io.err = &err;
  io.source_name = "t.txt";
  io.interactive = interactive;
  SessionRun r;
  r.status = run_allocator_shell(parse_allocator_spec(allocator), io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

const std::vector<std::string> kDesigns(kDesignNames.begin(), kDesignNames.end());

TEST(ShellSession, EveryBlockCommandOnEveryDesign) {
  const std::string script =
      "alloc 100\n"
      "write h1 0 hello world\n"
      "read h1 0 11\n"
      "realloc h1 5000\n"
      "read 1 0 5\n"
      "calloc 4 8\n"
      "read h2 0 32\n"
      "alloc 64 64\n"
      "list\n"
      "check\n"
      "free h1\n"
      "realloc h2 0\n"
      "free 3\n"
      "list\n"
      "check\n"
      "quit\n"
      "alloc 1\n";  // after quit: never run
  for (const std::string& design : kDesigns) {
    SCOPED_TRACE(design);
    SessionRun r = run(design, script);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.err, "");
    const std::vector<std::string> l = lines(r.out);
    ASSERT_EQ(l.size(), 17u) << r.out;
    const std::string addr = "0x[0-9a-f]+";
    EXPECT_TRUE(std::regex_match(l[0], std::regex("h1 = " + addr + "  100 bytes \\(usable [0-9]+\\)"))) << l[0];
    EXPECT_EQ(l[1], "wrote 11 bytes to h1 at offset 0");
    EXPECT_EQ(l[2], "\"hello world\"");
    EXPECT_TRUE(std::regex_match(
        l[3], std::regex("h1 = " + addr + "  5000 bytes \\(usable [0-9]+\\) (in place|moved from " + addr + ")")))
        << l[3];
    EXPECT_EQ(l[4], "\"hello\"");  // realloc kept the contents
    EXPECT_TRUE(std::regex_match(l[5], std::regex("h2 = " + addr + "  32 bytes \\(usable [0-9]+\\)"))) << l[5];
    std::string zeros;
    for (int i = 0; i < 32; ++i) zeros += "\\0";
    EXPECT_EQ(l[6], "\"" + zeros + "\"");  // calloc cleared it
    EXPECT_TRUE(std::regex_match(l[7], std::regex("h3 = " + addr + "  64 bytes \\(usable [0-9]+\\) aligned 64")))
        << l[7];
    EXPECT_EQ(l[8].substr(0, 5), "h1 = ");
    EXPECT_EQ(l[9].substr(0, 5), "h2 = ");
    EXPECT_EQ(l[10].substr(0, 5), "h3 = ");
    EXPECT_EQ(l[11], "heap ok: 3 live blocks, 5096 bytes requested");
    EXPECT_EQ(l[12], "h1 freed");
    EXPECT_EQ(l[13], "h2 freed (realloc to 0)");
    EXPECT_EQ(l[14], "h3 freed");
    EXPECT_EQ(l[15], "no live blocks");
    EXPECT_EQ(l[16], "heap ok: 0 live blocks, 0 bytes requested");
  }
}

TEST(ShellSession, UserErrorsAreOneLineWithThePlaceAndTheSessionGoesOn) {
  SessionRun r = run("segfit",
                     "alloc 100\n"
                     "write h1 95 123456\n"              // 2: past the end
                     "write h1 101 x\n"                  // 3: offset past the end
                     "read h1 0 101\n"                   // 4
                     "read h1 18446744073709551615 1\n"  // 5: no overflow
                     "read h2 0 1\n"                     // 6: never existed
                     "free x1\n"                         // 7: not a handle
                     "alloc ten\n"                       // 8
                     "alloc 10 24\n"                     // 9: alignment not a power of two
                     "alloc 10 0\n"                      // 10
                     "calloc 4294967296 4294967296\n"    // 11: overflows
                     "frobnicate\n"                      // 12
                     "free\n"                            // 13: arity
                     "read h1 0\n"                       // 14
                     "alloc 10\n"                        // h2
                     "move h1 h2\n"                      // 16: h2 is smaller
                     "move h2 h2\n"                      // 17
                     "write h1 0 \"abc\n"                // 18: unterminated quote
                     "write h1 0 \"a\\qb\"\n"            // 19: unknown escape
                     "write h1 0 \"a\\x4\"\n"            // 20: \x needs two digits
                     "write h1 0\n"                      // 21: no text
                     "free h1\n"
                     "free h1\n"  // 23: already freed
                     "write h2 0 ok\n"
                     "read h2 0 2\n");
  EXPECT_EQ(r.status, 1);
  const std::vector<std::string> e = lines(r.err);
  const std::vector<std::string> want = {
      "heapreplay shell: t.txt:2: write: 6 bytes at offset 95 do not fit in h1 (100 bytes)",
      "heapreplay shell: t.txt:3: write: 1 bytes at offset 101 do not fit in h1 (100 bytes)",
      "heapreplay shell: t.txt:4: read: 101 bytes at offset 0 do not fit in h1 (100 bytes)",
      "heapreplay shell: t.txt:5: read: 1 bytes at offset 18446744073709551615 do not fit in h1 (100 bytes)",
      "heapreplay shell: t.txt:6: read: no live block h2",
      "heapreplay shell: t.txt:7: free: 'x1' is not a handle (handles look like h1)",
      "heapreplay shell: t.txt:8: alloc: bad SIZE 'ten' (a number such as 100, 4K or 0x40)",
      "heapreplay shell: t.txt:9: alloc: ALIGN must be a power of two, not 24",
      "heapreplay shell: t.txt:10: alloc: ALIGN must be a power of two, not 0",
      "heapreplay shell: t.txt:11: calloc: 4294967296 * 4294967296 overflows 64 bits",
      "heapreplay shell: t.txt:12: unknown command 'frobnicate' (type help for the list)",
      "heapreplay shell: t.txt:13: usage: free H",
      "heapreplay shell: t.txt:14: usage: read H OFFSET N",
      "heapreplay shell: t.txt:16: move: h2 (10 bytes) is smaller than h1 (100 bytes); nothing moved",
      "heapreplay shell: t.txt:17: move: source and destination are the same block",
      "heapreplay shell: t.txt:18: write: the quoted TEXT has no closing '\"'",
      "heapreplay shell: t.txt:19: write: unknown escape '\\q' in quoted TEXT",
      "heapreplay shell: t.txt:20: write: \\x needs two hex digits",
      "heapreplay shell: t.txt:21: usage: write H OFFSET TEXT",
      "heapreplay shell: t.txt:23: free: no live block h1 (it was freed)",
  };
  EXPECT_EQ(e, want) << r.err;
  // Nothing an error refused happened: h1's bytes are untouched, and the
  // session went on to the end.
  const std::vector<std::string> o = lines(r.out);
  ASSERT_GE(o.size(), 2u);
  EXPECT_EQ(o.back(), "\"ok\"");
}

TEST(ShellSession, AtATerminalErrorsHaveNoPlace) {
  SessionRun r = run("sizeclass", "free h7\n", /*interactive=*/true);
  EXPECT_EQ(r.err, "error: free: no live block h7\n");
  EXPECT_EQ(r.status, 1);
}

TEST(ShellSession, QuotedTextTakesEscapesAndReadPrintsThemBack) {
  SessionRun r = run("pages",
                     "alloc 32\n"
                     "write h1 0 \"a\\tb\\\\c\\\"d\\x01\\xfF\\0z\\n\\r\"\n"
                     "read h1 0 13\n"
                     "write h1 16   spaces kept  \n"  // unquoted: the rest of the line after one blank
                     "read h1 16 12\n");
  EXPECT_EQ(r.err, "");
  const std::vector<std::string> o = lines(r.out);
  ASSERT_EQ(o.size(), 5u) << r.out;
  EXPECT_EQ(o[1], "wrote 13 bytes to h1 at offset 0");
  EXPECT_EQ(o[2], "\"a\\tb\\\\c\\\"d\\x01\\xff\\0z\\n\\r\"");
  EXPECT_EQ(o[3], "wrote 15 bytes to h1 at offset 16");
  EXPECT_EQ(o[4], "\"  spaces kep\"");
}

TEST(ShellSession, MoveCopiesIntoTheDestinationThenFreesTheSource) {
  for (const char* design : {"segfit", "blocks", "blocks:faithful"}) {
    SCOPED_TRACE(design);
    SessionRun r = run(design, "alloc 10\nalloc 20\nwrite h1 0 0123456789\nmove h1 h2\nread h2 0 10\nfree h1\ncheck\n");
    const std::vector<std::string> o = lines(r.out);
    ASSERT_EQ(o.size(), 6u) << r.out;
    EXPECT_EQ(o[3], "moved 10 bytes from h1 to h2; h1 freed");
    EXPECT_EQ(o[4], "\"0123456789\"");
    EXPECT_EQ(o[5], "heap ok: 1 live blocks, 20 bytes requested");
    EXPECT_EQ(r.err, "heapreplay shell: t.txt:6: free: no live block h1 (it was freed)\n");
  }
}

TEST(ShellSession, DumpPrintsEachDesignsOwnMap) {
  // MeMager's README example.
  SessionRun r = run("blocks:faithful,block_size_bytes=64,blocks_count=10", "alloc 5\nalloc 80\nalloc 20\ndump\n");
  EXPECT_EQ(lines(r.out).back(), "[H, 5/63] [H, 63/63] [17/64] [H, 20/63]");
  // The page allocator's mem_dump after 8193, 64 and 65 bytes.
  r = run("pages:faithful", "alloc 8193\nalloc 64\nalloc 65\ndump\n");
  const std::vector<std::string> p = lines(r.out);
  ASSERT_EQ(p.size(), 3u + 16u) << r.out;
  EXPECT_EQ(p[3], "");
  EXPECT_EQ(p[4], "|------------Allocator Info------------|");
  EXPECT_TRUE(std::regex_match(p[9], std::regex("0\\.Status: Multi;Address: 0x[0-9a-f]+;"))) << p[9];
  EXPECT_TRUE(
      std::regex_match(p[12], std::regex("3\\.Status: Divided;Address: 0x[0-9a-f]+;Class size: 64;Free blocks: 63;")))
      << p[12];
  // vmarena's PMAP of its 64 GiB arena.
  r = run("vmarena", "alloc 10\ndump\n");
  EXPECT_NE(r.out.find("Total memory: 0x1000000000 bytes\nFree memory: 0xFFFFFFFF0 bytes\n"), std::string::npos)
      << r.out;
  // Free lists by class.
  r = run("segfit", "alloc 100\nalloc 100\nfree h1\ndump\n");
  EXPECT_NE(r.out.find("list 1 128: ["), std::string::npos) << r.out;
  r = run("sizeclass", "dump\n");
  EXPECT_FALSE(r.out.empty());
  EXPECT_EQ(r.status, 0);
}

TEST(ShellSession, TheNullAllocatorHasNoMemoryToTouch) {
  SessionRun r = run("null", "alloc 10\nwrite h1 0 x\nread h1 0 1\ncalloc 2 2\nalloc 5\nmove h2 h3\ncheck\ndump\n");
  EXPECT_EQ(r.err,
            "heapreplay shell: t.txt:2: write: null hands out no memory to touch\n"
            "heapreplay shell: t.txt:3: read: null hands out no memory to touch\n"
            "heapreplay shell: t.txt:6: move: null hands out no memory to touch\n");
  EXPECT_NE(r.out.find("heap ok: 3 live blocks, 19 bytes requested\nnull: holds no memory\n"), std::string::npos)
      << r.out;
}

TEST(ShellSession, StatsHaveTheSessionsAndTheAllocatorsFigures) {
  SessionRun r = run("segfit", "alloc 100\ncalloc 2 50\nstats\n");
  EXPECT_NE(r.out.find("live_blocks                     2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("live_requested_bytes            200\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nfootprint_bytes "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nsegfit."), std::string::npos) << r.out;
}

TEST(ShellSession, SaveWritesTheSuccessfulCallsAsATrace) {
  test::TempDir dir;
  const std::string path = dir.file("session.hrt");
  SessionRun r = run("segfit",
                     "alloc 100\n"
                     "alloc 0x40000000000\n"  // 4 TiB: NULL, not recorded
                     "calloc 3 10\n"
                     "alloc 200 64\n"
                     "realloc h1 300\n"
                     "move h2 h1\n"
                     "realloc h3 0\n"
                     "save " +
                         path +
                         "\n"
                         "alloc 7\n"
                         "save " +
                         dir.file("no/such/folder/x.hrt") + "\n");
  ASSERT_NE(r.out.find("NULL: segfit could not allocate 4398046511104 bytes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("saved 6 events (3 object slots) to " + path + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("t.txt:10: save: "), std::string::npos) << r.err;
  EXPECT_EQ(r.status, 1);
  const Trace t = read_hrt(path);
  EXPECT_EQ(t.format, "shell");
  ASSERT_EQ(t.events.size(), 6u);
  const Op ops[] = {Op::kMalloc, Op::kCalloc, Op::kAligned, Op::kRealloc, Op::kFree, Op::kRealloc};
  const std::uint64_t sizes[] = {100, 30, 200, 300, 0, 0};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(t.events[i].op, ops[i]) << i;
    EXPECT_EQ(t.events[i].size, sizes[i]) << i;
  }
  EXPECT_EQ(t.events[2].alignment(), 64u);
  const TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.final_live_bytes, 300u);
}

TEST(ShellSession, HelpNamesEveryCommandAndEachOneIsKnown) {
  std::vector<std::string> commands;
  std::istringstream help(allocator_shell_help());
  for (std::string l; std::getline(help, l);) {
    if (l.size() > 2 && l[0] == ' ' && l[1] == ' ' && l[2] != ' ') commands.push_back(l.substr(2, l.find(' ', 2) - 2));
  }
  const std::vector<std::string> want = {"alloc", "calloc", "realloc", "free",  "write", "read", "move",
                                         "list",  "dump",   "check",   "stats", "save",  "help", "quit"};
  EXPECT_EQ(commands, want);
  for (const std::string& c : commands) {
    std::string upper = c;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    SessionRun r = run("sizeclass", upper + "\n");  // commands are case-insensitive
    EXPECT_EQ(r.err.find("unknown command"), std::string::npos) << c << ": " << r.err;
  }
  EXPECT_EQ(run("sizeclass", "help\n").out, allocator_shell_help());
}

TEST(ShellSession, BlankLinesCommentsAndCrlfAreFine) {
  SessionRun r = run("sizeclass", "\n# a comment\r\n   \nalloc 8\r\nread h1 0 0\r\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(lines(r.out).back(), "\"\"");
}

TEST(ShellSession, ABadDesignOptionIsAnOptionError) {
  EXPECT_THROW(run("segfit:no_such_key=1", "alloc 1\n"), OptionError);
}

}  // namespace
}  // namespace heapreplay::shell
