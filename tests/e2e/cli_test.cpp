// End-to-end tests of the heapreplay command line that need no system
// allocator (they run in the sanitizer build too): usage errors, malformed
// input, info/convert, the JSON report's shape, and output failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "allocators/designs.h"
#include "harness/programs/programs.h"
#include "support/cli_runner.h"
#include "traces/hrt_format.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

// A CMU-style .rep (weight first) with a free(NULL), an unmatched free, and a
// realloc of an id never allocated.
const char* kSmallRep =
    "0\n5\n9\n0\n"
    "a 0 100\n"
    "a 1 200\n"
    "r 0 300\n"
    "f -1\n"
    "f 1\n"
    "a 2 50\n"
    "f 4\n"
    "r 3 40\n"
    "f 0\n";

TEST(Cli, NoArgumentsPrintsUsageAndExits2) {
  auto r = run_cli({});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("usage: heapreplay COMMAND"), std::string::npos);
}

TEST(Cli, UnknownCommandAndUnknownOption) {
  auto r = run_cli({"frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "heapreplay: unknown command 'frobnicate' (try heapreplay --help)\n");
  r = run_cli({"replay", "--frob"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("heapreplay replay: unrecognised option '--frob'"), std::string::npos) << r.err;
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* cmd : {"bench", "replay", "convert", "info", "list"}) {
    auto r = run_cli({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find(std::string("usage: heapreplay ") + cmd), std::string::npos) << cmd;
  }
}

TEST(Cli, InfoJsonCountsEveryKindOfEvent) {
  TempDir dir;
  auto r = run_cli({"info", dir.write("small.rep", kSmallRep), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "rep");
  EXPECT_EQ(j["events"], 8);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["malloc"], 3);
  EXPECT_EQ(j["calloc"], 0);
  EXPECT_EQ(j["realloc"], 2);
  EXPECT_EQ(j["free"], 3);
  EXPECT_EQ(j["aligned"], 0);
  EXPECT_EQ(j["free_null"], 1);
  EXPECT_EQ(j["unmatched_free"], 1);
  EXPECT_EQ(j["peak_live_bytes"], 500);
  EXPECT_EQ(j["final_live_bytes"], 90);
  EXPECT_EQ(j["objects"], 3);
}

TEST(Cli, InfoShowsEventsPerThreadAndCrossThreadFrees) {
  TempDir dir;
  std::string trace = dir.write("mt.txt",
                                "heapreplay-text 1\n"
                                "t=7 malloc 1 10\nt=7 malloc 2 20\nt=7 malloc 3 30\n"
                                "t=9 free 1\nt=9 free 2\nt=7 free 3\nt=9 malloc 4 5\nt=7 realloc 4 50\n");
  auto r = run_cli({"info", trace, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["per_thread_events"], nlohmann::json::array({5, 3}));
  EXPECT_EQ(j["cross_thread_frees"], 2);
  EXPECT_EQ(j["cross_thread_reallocs"], 1);
  r = run_cli({"info", trace});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("  events per thread 5, 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  cross-thread      2 frees of 3, 1 reallocs"), std::string::npos) << r.out;
}

TEST(Cli, ConvertThenInfoOfTheHrtGivesTheSameFigures) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto c = run_cli({"convert", rep, dir.file("small.hrt")});
  ASSERT_EQ(c.status, 0) << c.err;
  auto a = nlohmann::json::parse(run_cli({"info", rep, "--json"}).out);
  auto b = nlohmann::json::parse(run_cli({"info", dir.file("small.hrt"), "--json"}).out);
  for (const char* k : {"format", "events", "malloc", "realloc", "free", "free_null", "unmatched_free",
                        "peak_live_bytes", "final_live_bytes", "objects"})
    EXPECT_EQ(a[k], b[k]) << k;
}

// convert writes the compact encoding unless told plain; both say the same.
TEST(Cli, ConvertWritesCompactByDefaultAndPlainWhenAsked) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  ASSERT_EQ(run_cli({"convert", rep, dir.file("c.hrt")}).status, 0);
  ASSERT_EQ(run_cli({"convert", rep, dir.file("p.hrt"), "--encoding", "plain"}).status, 0);
  EXPECT_TRUE(HrtFile(dir.file("c.hrt")).compact());
  EXPECT_FALSE(HrtFile(dir.file("p.hrt")).compact());
  auto c = nlohmann::json::parse(run_cli({"info", dir.file("c.hrt"), "--json"}).out);
  auto p = nlohmann::json::parse(run_cli({"info", dir.file("p.hrt"), "--json"}).out);
  c.erase("trace");
  p.erase("trace");
  EXPECT_EQ(c, p);
  auto r = run_cli({"convert", rep, dir.file("z.hrt"), "--encoding", "zip"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--encoding must be compact or plain"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("z.hrt")));
}

// convert --to writes another tool's format that reads back as the same
// trace; a trace the format cannot hold is refused, naming what would be
// lost, unless --lossy, which says what it dropped.
TEST(Cli, ConvertToOtherFormatsRefusesLossUnlessLossy) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  for (const char* to : {"rep", "text", "android", "mtrace"}) {
    SCOPED_TRACE(to);
    const std::string out = dir.file(std::string("small.") + to);
    auto r = run_cli({"convert", rep, out, "--to", to});
    ASSERT_EQ(r.status, 0) << r.err;
    auto a = nlohmann::json::parse(run_cli({"info", rep, "--json"}).out);
    auto b = nlohmann::json::parse(run_cli({"info", out, "--json"}).out);
    EXPECT_EQ(b["format"], to);
    for (const char* k : {"events", "malloc", "realloc", "free", "peak_live_bytes", "final_live_bytes"})
      EXPECT_EQ(a[k], b[k]) << k;
  }
  const std::string mt = dir.write("mt.txt",
                                   "heapreplay-text 1\nt=1 malloc 1 10\nt=2 posix_memalign 2 64 100\n"
                                   "t=2 free 1\nt=1 free 2\n");
  auto r = run_cli({"convert", mt, dir.file("mt.rep"), "--to", "rep"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("would lose 2 threads"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 aligned allocations written as malloc"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("mt.rep")));
  r = run_cli({"convert", mt, dir.file("mt.rep"), "--to", "rep", "--lossy"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("--lossy: dropped 2 threads"), std::string::npos) << r.err;
  EXPECT_NE(test::read_file(dir.file("mt.rep")).find("a 1 100\n"), std::string::npos);
  r = run_cli({"convert", rep, dir.file("x"), "--to", "csv"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--to must be hrt or one of rep, text, android, mtrace, not 'csv'"), std::string::npos) << r.err;
  r = run_cli({"convert", rep, dir.file("x"), "--to", "rep", "--encoding", "plain"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--encoding goes with --to hrt"), std::string::npos) << r.err;
  r = run_cli({"convert", rep, dir.file("no/such/dir/x.rep"), "--to", "rep"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("not written"), std::string::npos) << r.err;
}

// A replay reads its trace in windows: the same events and live bytes
// from a compact file in windows of one chunk as from a plain file in one
// window, the windows counted in the run; a bad window size is a usage
// error.
TEST(Cli, ReplayStreamsCompactAndPlainFilesInWindows) {
  TempDir dir;
  ASSERT_EQ(run_cli({"gen", "churn", "--param", "events=200000", "-o", dir.file("c.hrt")}).status, 0);
  ASSERT_EQ(run_cli({"convert", dir.file("c.hrt"), dir.file("p.hrt"), "--encoding", "plain"}).status, 0);
  auto c = run_cli({"replay", "-a", "segfit", "--window-events", "1", "-o", dir.file("c.json"), dir.file("c.hrt")});
  ASSERT_EQ(c.status, 0) << c.err;
  auto p = run_cli({"replay", "-a", "segfit", "-o", dir.file("p.json"), dir.file("p.hrt")});
  ASSERT_EQ(p.status, 0) << p.err;
  auto rc = nlohmann::json::parse(test::read_file(dir.file("c.json")))["runs"][0];
  auto rp = nlohmann::json::parse(test::read_file(dir.file("p.json")))["runs"][0];
  EXPECT_EQ(rc["status"], "ok");
  EXPECT_EQ(rc["events"], 200000);
  EXPECT_EQ(rc["windows"], 4);  // 200,000 events in chunks of 65,536
  EXPECT_FALSE(rp.contains("windows"));
  for (const char* k : {"events", "peak_live_bytes", "final_live_bytes", "failed_allocations"})
    EXPECT_EQ(rc[k], rp[k]) << k;
  auto v = run_cli({"replay", "-a", "segfit", "--validate", "--window-events", "1000", dir.file("p.hrt")});
  EXPECT_EQ(v.status, 0) << v.err;
#ifndef HEAPREPLAY_SANITIZED  // the sanitizers' builds set no memory limit
  // A limit too low for the window and the table fails the run, saying so.
  auto low = run_cli({"replay", "-a", "segfit", "--memory-limit", "1M", dir.file("c.hrt")});
  EXPECT_EQ(low.status, 1) << low.err;
  EXPECT_NE(low.err.find("no memory for the replay's window of events and object table"), std::string::npos) << low.err;
#endif
  auto bad = run_cli({"replay", "-a", "null", "--window-events", "0", dir.file("p.hrt")});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--window-events needs a number of events"), std::string::npos) << bad.err;
}

TEST(Cli, MalformedTraceNamesFileAndLineExits2AndWritesNothing) {
  TempDir dir;
  std::string bad = dir.write("bad.rep", "0\n5\n3\n0\na 0 100\nq 1 5\nf 0\n");
  auto r = run_cli({"replay", "-a", "null", "-o", dir.file("out.json"), bad});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.rep:6:"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.json")));
  r = run_cli({"convert", bad, dir.file("bad.hrt")});
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.hrt")));
}

TEST(Cli, MissingTraceAndUnknownFormat) {
  TempDir dir;
  auto r = run_cli({"info", dir.file("nope.rep")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nope.rep: cannot open"), std::string::npos);
  r = run_cli({"info", dir.write("x.txt", "hello world\nthis is no trace\n")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("x.txt"), std::string::npos);
  r = run_cli({"info", "--format", "bogus", dir.write("small.rep", kSmallRep)});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown trace format 'bogus'"), std::string::npos);
}

TEST(Cli, BadAllocatorNamesAndNumbers) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto r = run_cli({"replay", "-a", "nosuch", rep});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown allocator 'nosuch'"), std::string::npos);
  r = run_cli({"replay", "-a", "null", rep});
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli({"replay", "-a", "null:x=1", rep});
  EXPECT_EQ(r.status, 2);
  r = run_cli({"replay", "-a", "null", "-r", "0", rep});
  EXPECT_EQ(r.status, 2);
  r = run_cli({"replay", "-a", "null", "-r", "many", rep});
  EXPECT_EQ(r.status, 2);
  r = run_cli({"replay", "-a", "null", "--touch", "some", rep});
  EXPECT_EQ(r.status, 2);
  r = run_cli({"replay", "-a", "null", "--malloc-alignment", "24", rep});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--malloc-alignment must be natural or a power of two"), std::string::npos) << r.err;
  r = run_cli({"replay", "-a", "null"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no trace given"), std::string::npos);
}

// --malloc-alignment reaches the child and the report: the context, and
// each run that asked it; the default asks the allocator's own.
TEST(Cli, MallocAlignmentIsRecordedInTheReport) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto r =
      run_cli({"replay", "-a", "sizeclass", "--validate", "--malloc-alignment", "16", "-o", dir.file("a.json"), rep});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("a.json")));
  EXPECT_EQ(j["context"]["malloc_alignment"], 16);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["malloc_alignment"], 16);
  r = run_cli({"replay", "-a", "sizeclass", "-o", dir.file("n.json"), rep});
  ASSERT_EQ(r.status, 0) << r.err;
  auto n = nlohmann::json::parse(test::read_file(dir.file("n.json")));
  EXPECT_EQ(n["context"]["malloc_alignment"], 1);
  EXPECT_FALSE(n["runs"][0].contains("malloc_alignment"));
}

TEST(Cli, ReportHasTheDocumentedShape) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto r = run_cli({"replay", "-a", "null", "-r", "2", "-o", dir.file("r.json"), rep});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("\033[K"), std::string::npos) << "progress noise when stderr is not a terminal";
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_EQ(j["schema"], "heapreplay.report/1");
  for (const char* k : {"date", "host", "cpu", "compiler", "build_type", "git_revision", "command_line", "allocators"})
    EXPECT_TRUE(j["context"].contains(k)) << k;
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const char* k : {"trace", "allocator", "repetition", "status", "events", "wall_ns", "ns_per_event",
                        "peak_live_bytes", "peak_rss_bytes", "failed_allocations", "allocator_stats"})
    EXPECT_TRUE(j["runs"][0].contains(k)) << k;
  EXPECT_EQ(j["runs"][0]["status"], "ok");
  EXPECT_EQ(j["runs"][0]["events"], 8);
  EXPECT_EQ(j["runs"][0]["peak_live_bytes"], 500);
  EXPECT_EQ(j["runs"][1]["repetition"], 1);
  EXPECT_EQ(j["runs"][0]["trace"], rep);
  // The table on stdout names the trace and allocator.
  EXPECT_NE(r.out.find("null"), std::string::npos);
}

TEST(Cli, UnwritableOutputExits3AndLeavesNothing) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto r = run_cli({"replay", "-a", "null", "-o", dir.file("no/such/dir/r.json"), rep});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("no/such/dir/r.json: cannot create"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("null"), std::string::npos) << "the measured results are still shown";
  r = run_cli({"replay", "-a", "null", "-o", "/dev/full", rep});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("/dev/full: cannot write: No space left on device"), std::string::npos) << r.err;
  r = run_cli({"convert", rep, dir.file("no/such/dir/x.hrt")});
  EXPECT_EQ(r.status, 3);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "only small.rep; no temporary left behind";
}

TEST(Cli, ListShowsEveryAllocatorWithAvailability) {
  auto r = run_cli({"list", "--json"});
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (auto& e : j) names.push_back(e["name"]);
  for (const char* n : {"null", "glibc", "jemalloc", "mimalloc", "tcmalloc", "preload"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

// Every real trace in ../shared/data of the formats we import, replayed with
// --validate through our five designs (their page sources capped at 2 GiB
// committed, a limit that also holds in the sanitizer build, where the
// per-run RLIMIT_DATA cannot be used).
TEST(Cli, EveryRealTraceReplaysValidatedThroughOurDesigns) {
  namespace fs = std::filesystem;
  fs::path root(HR_SHARED_DATA);
  if (!fs::exists(root)) GTEST_SKIP() << "../shared/data not found (" << HR_SHARED_DATA << "): skipped";
  std::vector<std::string> traces;
  for (const char* dir : {"malloclab-classic", "malloclab-cmu", "malloclab-cmu-2016", "mtrace", "wee_alloc"})
    for (auto& e : fs::directory_iterator(root / dir))
      if (e.path().extension() != ".md" && e.path().filename().string().find("README") == std::string::npos)
        traces.push_back(e.path().string());
  for (const char* raw : {"hostname", "ls", "perl", "stty"}) traces.push_back((root / "malloclab-raw" / raw).string());
  std::sort(traces.begin(), traces.end());
  ASSERT_GT(traces.size(), 40u);
  TempDir dir;
  std::vector<std::string> args = {"replay", "--validate", "-o", dir.file("r.json")};
  for (std::string_view design : kDesignNames) {
    args.push_back("-a");
    args.push_back(std::string(design) + ":fail_after_bytes=2G");
  }
  args.insert(args.end(), traces.begin(), traces.end());
  auto r = run_cli(args);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_EQ(j["runs"].size(), traces.size() * 5);
  for (auto& run : j["runs"]) {
    EXPECT_EQ(run["status"], "ok") << run["trace"] << " " << run["allocator"] << ": " << run["status_detail"];
    // Only syn-largemem asks for more than the cap (and the designs' limits).
    if (std::string(run["trace"]).find("syn-largemem") == std::string::npos) {
      EXPECT_EQ(run["failed_allocations"], 0) << run["trace"] << " " << run["allocator"];
    }
  }
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace heapreplay

namespace heapreplay {
namespace {

TEST(CliMeasure, ThreadedRunCarriesMemorySamplesAndLatencyPerOperation) {
  test::TempDir dir;
  // Two threads: thread 0 allocates 3000 blocks, thread 1 frees every other
  // one (cross-thread frees), thread 0 frees 100 of its own.
  std::string text = "heapreplay-text 1\n";
  for (int i = 0; i < 3000; ++i) text += "t=0 malloc " + std::to_string(i) + " " + std::to_string(100 + i % 500) + "\n";
  for (int i = 0; i < 3000; i += 2) text += "t=1 free " + std::to_string(i) + "\n";
  for (int i = 1; i < 200; i += 2) text += "t=0 free " + std::to_string(i) + "\n";
  std::string trace = dir.write("mt.txt", text);
  std::uint64_t final_live = 0;
  for (int i = 201; i < 3000; i += 2) final_live += 100 + i % 500;
  auto r = test::run_cli({"replay", "-a", "segfit", "--latency-every", "7", "-o", dir.file("r.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  auto run = nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"][0];
  EXPECT_EQ(run["threads"], 2);
  EXPECT_EQ(run["allocator"], "segfit+lock");
  EXPECT_EQ(run["sample_every"], 15);  // 4600 events / 300
  const auto& s = run["samples"];
  ASSERT_GE(s["event"].size(), 50u);
  EXPECT_EQ(s["event"].back(), 4600);  // the final sample
  EXPECT_EQ(s["live_bytes"].back(), final_live);
  EXPECT_GE(s["usable_bytes"].back().get<std::uint64_t>(), final_live);
  EXPECT_GT(run["peak_footprint_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(run["latency_sample_every"], 7);
  // Thread 0 has 3100 events, thread 1 1500: each times every 7th of its own.
  EXPECT_EQ(
      run["latency"]["malloc"]["count"].get<std::uint64_t>() + run["latency"]["free"]["count"].get<std::uint64_t>(),
      3100u / 7 + 1500u / 7);
  for (const char* op : {"malloc", "free"}) {
    const auto& l = run["latency"][op];
    EXPECT_LE(l["p50_ns"].get<double>(), l["p99_ns"].get<double>()) << op;
    EXPECT_LE(l["p99_ns"].get<double>(), l["max_ns"].get<double>()) << op;
  }
}

TEST(CliMeasure, ReportCarriesMemorySeriesFragmentationAndLatency) {
  test::TempDir dir;
  // 2000 mallocs of 100..2099 bytes, then every other one freed.
  std::string text = "heapreplay-text 1\n";
  for (int i = 0; i < 2000; ++i) text += "malloc " + std::to_string(i) + " " + std::to_string(100 + i) + "\n";
  for (int i = 0; i < 2000; i += 2) text += "free " + std::to_string(i) + "\n";
  std::string trace = dir.write("t.txt", text);
  auto r = test::run_cli({"replay", "-a", "segfit", "--latency-every", "7", "-o", dir.file("r.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  auto run = nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"][0];
  const std::uint64_t peak_live = 2000 * 100 + 1999 * 2000 / 2;
  EXPECT_EQ(run["peak_live_bytes"], peak_live);
  EXPECT_EQ(run["sample_every"], 10);  // 3000 events / 300
  const auto& s = run["samples"];
  ASSERT_GE(s["event"].size(), 300u);
  EXPECT_EQ(s["event"].back(), 3000);
  std::uint64_t max_live = 0;
  for (auto& v : s["live_bytes"]) max_live = std::max<std::uint64_t>(max_live, v.get<std::uint64_t>());
  EXPECT_EQ(max_live, peak_live) << "a sample is taken right at the peak of live bytes";
  EXPECT_GE(run["peak_usable_bytes"].get<std::uint64_t>(), peak_live);
  EXPECT_GE(run["peak_footprint_bytes"].get<std::uint64_t>(), run["peak_usable_bytes"].get<std::uint64_t>());
  double util = run["utilization"];
  EXPECT_GT(util, 0.5);
  EXPECT_LE(util, 1.0);
  EXPECT_NEAR(run["fragmentation_peak_ratio"].get<double>(), 1.0 / util, 1e-9);
  EXPECT_GE(run["fragmentation_at_peak_live"].get<double>(), 1.0);
  // segfit blocks are 64-byte multiples: usable - requested is known exactly.
  EXPECT_GT(run["internal_fragmentation_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(run["latency_sample_every"], 7);
  EXPECT_EQ(
      run["latency"]["malloc"]["count"].get<std::uint64_t>() + run["latency"]["free"]["count"].get<std::uint64_t>(),
      3000u / 7);
  // The free half is still held by segfit (it has no trim): nothing retained is lost.
  EXPECT_GT(run["retained_after_trim_bytes"].get<std::uint64_t>(), 0u);
}

TEST(CliMeasure, SamplingCanBeTurnedOffAndBadValuesAreRefused) {
  test::TempDir dir;
  std::string trace = dir.write("t.txt", "heapreplay-text 1\nmalloc 1 10\nfree 1\n");
  auto r = test::run_cli(
      {"replay", "-a", "segfit", "--sample-every", "0", "--latency-every", "0", "-o", dir.file("r.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  auto run = nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"][0];
  EXPECT_EQ(run["sample_every"], 0);
  EXPECT_TRUE(run["latency"].empty());
  // Latency only: no usable-size tracking for a design, so no byte figures
  // that need it, while the footprint figures are still there.
  std::string text = "heapreplay-text 1\n";
  for (int i = 0; i < 200; ++i) text += "malloc " + std::to_string(i) + " 100\n";
  std::string many = dir.write("m.txt", text);
  r = test::run_cli({"replay", "-a", "segfit", "--sample-every", "0", "-o", dir.file("l.json"), many});
  ASSERT_EQ(r.status, 0) << r.err;
  run = nlohmann::json::parse(test::read_file(dir.file("l.json")))["runs"][0];
  EXPECT_GT(run["latency"]["malloc"]["count"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(run["peak_usable_bytes"], 0);
  EXPECT_EQ(run["internal_fragmentation_bytes"], 0);
  EXPECT_EQ(run["external_fragmentation_bytes"], 0);
  EXPECT_GT(run["peak_footprint_bytes"].get<std::uint64_t>(), 200u * 100);
  r = test::run_cli({"replay", "-a", "segfit", "--sample-every", "often", trace});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sample-every needs a number of events or auto, not 'often'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace heapreplay

namespace heapreplay {
namespace {

// Every option's default in every --help reads as it was typed: a double
// printed in full (--alpha arg (=0.050000000000000003)) is a defect.
TEST(CliHelp, DefaultsReadAsTyped) {
  std::vector<std::vector<std::string>> helps;
  for (const char* cmd : {"bench", "replay", "convert", "info", "record", "list", "shell", "compare", "report", "gen"})
    helps.push_back({cmd, "--help"});
  for (const char* tool : {"slice", "filter", "scale", "merge", "stats", "compare"})
    helps.push_back({"trace", tool, "--help"});
  const std::regex long_fraction(R"(\(=-?[0-9]*\.[0-9]{5,}\))");
  for (const auto& args : helps) {
    auto r = run_cli(args);
    EXPECT_EQ(r.status, 0) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_FALSE(std::regex_search(r.out, long_fraction)) << r.out;
  }
  auto r = run_cli({"compare", "--help"});
  EXPECT_NE(r.out.find("--alpha arg (=0.05)"), std::string::npos) << r.out;
}

// null hands out no memory and cannot be validated: `-a all` leaves it out
// under --validate, says so once, and every other allocator is validated.
TEST(Cli, ValidateAllLeavesOutNullAndSaysSo) {
  TempDir dir;
  std::string rep = dir.write("small.rep", kSmallRep);
  auto list = nlohmann::json::parse(run_cli({"list", "--json"}).out);
  std::set<std::string> available;
  for (auto& e : list)
    if (e["available"] == true && e["kind"] != "preload") available.insert(e["name"]);
  ASSERT_TRUE(available.count("null"));

  auto r = run_cli({"replay", "--validate", "-a", "all", "-o", dir.file("v.json"), rep});
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  const std::string note =
      "heapreplay: -a all under --validate leaves out null (it hands out no memory, so it cannot be validated)\n";
  ASSERT_NE(r.err.find(note), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(note), r.err.rfind(note)) << "said once: " << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("v.json")));
  std::set<std::string> validated;
  for (auto& run : j["runs"]) {
    validated.insert(run["allocator"]);
    EXPECT_EQ(run["status"], "ok") << run["allocator"] << ": " << run["status_detail"];
    EXPECT_EQ(run["validate"], true) << run["allocator"];
  }
  std::set<std::string> expected = available;
  expected.erase("null");
  EXPECT_EQ(validated, expected);

  // Without --validate, `-a all` still runs null, and says nothing about it.
  r = run_cli({"replay", "-a", "all", "--touch", "none", "-o", dir.file("a.json"), rep});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("leaves out"), std::string::npos) << r.err;
  std::set<std::string> ran;
  auto all = nlohmann::json::parse(test::read_file(dir.file("a.json")));
  for (auto& run : all["runs"]) ran.insert(run["allocator"]);
  EXPECT_EQ(ran, available);

  // null named on its own under --validate is still refused, run by run.
  r = run_cli({"replay", "--validate", "-a", "null", "-o", dir.file("n.json"), rep});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("--validate does not apply"), std::string::npos) << r.err;
}

// bench --list-suites measures what it lists: for every suite trace, the
// events and peak live bytes it prints are those of the trace its own gen
// command makes (heapreplay info of that file).
TEST(CliBench, ListedSuiteFiguresAreThoseOfTheGeneratedTraces) {
  auto r = run_cli({"bench", "--list-suites"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::regex entry(R"(^  suite:(\S+)  .*: (\d+) events, peak live (\S+ \S+) \((\d+) blocks\)$)");
  const std::regex heading(R"(^(\S+): .*; (\d+) traces, (\d+) events$)");
  std::istringstream lines(r.out);
  std::string line, suite;
  std::smatch m;
  TempDir dir;
  std::set<std::string> suites_seen;
  std::uint64_t suite_traces = 0, suite_events = 0, listed_traces = 0, listed_events = 0;
  auto close_suite = [&] {
    EXPECT_EQ(suite_traces, listed_traces) << suite;
    EXPECT_EQ(suite_events, listed_events) << suite;
  };
  std::size_t program_lines = 0;
  bool programs = false;
  while (std::getline(lines, line)) {
    // Last, the real programs (recorded when bench runs them: no figures).
    if (line.rfind("programs: ", 0) == 0) {
      programs = true;
      continue;
    }
    if (programs) {
      EXPECT_EQ(line.rfind("  program:", 0), 0u) << line;
      ++program_lines;
      continue;
    }
    if (std::regex_match(line, m, heading)) {
      if (!suite.empty()) close_suite();
      suite = m[1];
      suites_seen.insert(suite);
      listed_traces = std::stoull(m[2]);
      listed_events = std::stoull(m[3]);
      suite_traces = suite_events = 0;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, entry)) << line;
    const std::string name = m[1], events = m[2], live = m[3], blocks = m[4];
    std::string gen;
    ASSERT_TRUE(std::getline(lines, gen));
    const std::string prefix = "    heapreplay gen ", suffix = " -o " + name + ".hrt";
    ASSERT_EQ(gen.rfind(prefix, 0), 0u) << gen;
    ASSERT_TRUE(gen.ends_with(suffix)) << gen;
    std::vector<std::string> args = {"gen"};
    std::istringstream words(gen.substr(prefix.size(), gen.size() - prefix.size() - suffix.size()));
    for (std::string w; words >> w;) args.push_back(w);
    const std::string out = dir.file(suite + "-" + name + ".hrt");
    args.insert(args.end(), {"-o", out});
    auto g = run_cli(args);
    ASSERT_EQ(g.status, 0) << gen << ": " << g.err;
    auto info = nlohmann::json::parse(run_cli({"info", out, "--json"}).out);
    EXPECT_EQ(events, std::to_string(info["events"].get<std::uint64_t>())) << suite << " " << name;
    EXPECT_EQ(blocks, std::to_string(info["peak_live_objects"].get<std::uint64_t>())) << suite << " " << name;
    // The listing rounds to 0.1 of its unit; info gives the bytes.
    auto bytes = info["peak_live_bytes"].get<double>();
    const char* units[] = {"B", "KiB", "MiB", "GiB"};
    int u = 0;
    while (bytes >= 1024 && u < 3) bytes /= 1024, ++u;
    char want[32];
    std::snprintf(want, sizeof want, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    EXPECT_EQ(live, want) << suite << " " << name;
    ++suite_traces;
    suite_events += std::stoull(events);
    std::filesystem::remove(out);
  }
  close_suite();
  for (const char* s : {"default", "quick", "classic", "mt"}) EXPECT_TRUE(suites_seen.count(s)) << s;
  EXPECT_TRUE(programs) << "no programs suite listed";
  EXPECT_EQ(program_lines, suite_programs().size());
}

}  // namespace
}  // namespace heapreplay
