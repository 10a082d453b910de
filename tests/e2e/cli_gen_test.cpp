// End-to-end tests of `heapreplay gen`, `heapreplay trace` and the bench
// suites, with no system allocator (they run in the sanitizer build too):
// what each command writes, that files are reproducible, and the one-line
// messages and exit statuses of the mistakes a user can make.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

nlohmann::json info(const std::string& path) {
  auto r = run_cli({"info", path, "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(CliGen, EveryKindWritesAReproducibleTrace) {
  TempDir dir;
  for (const char* kind : {"synthetic", "larson", "xmalloc", "churn", "realloc-buffer"}) {
    std::string a = dir.file(std::string(kind) + "-a.hrt"), b = dir.file(std::string(kind) + "-b.hrt");
    auto r = run_cli({"gen", kind, "--param", "events=3000", "--seed", "7", "-o", a});
    ASSERT_EQ(r.status, 0) << kind << ": " << r.err;
    EXPECT_NE(r.err.find(std::string("heapreplay: ") + kind + " (seed 7): 3000 events"), std::string::npos) << r.err;
    ASSERT_EQ(run_cli({"gen", kind, "-p", "events=3000", "--seed", "7", "-o", b}).status, 0);
    EXPECT_EQ(test::read_file(a), test::read_file(b)) << kind;
    EXPECT_EQ(info(a)["format"], std::string("generated:") + kind);
  }
  for (const char* kind : {"large", "fragmentation"}) {
    auto r = run_cli({"gen", kind, "-o", dir.file("x.hrt")});
    EXPECT_EQ(r.status, 0) << kind << ": " << r.err;
  }
}

TEST(CliGen, ListShowsKindsAndParameters) {
  auto r = run_cli({"gen", "list"});
  ASSERT_EQ(r.status, 0);
  for (const char* kind :
       {"synthetic:", "larson:", "xmalloc:", "churn:", "large:", "realloc-buffer:", "fragmentation:", "fit:"})
    EXPECT_NE(r.out.find(kind), std::string::npos) << kind;
  r = run_cli({"gen", "list", "larson"});
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("origin:"), std::string::npos);
  EXPECT_NE(r.out.find("handoff"), std::string::npos);
  EXPECT_EQ(run_cli({"gen", "--help"}).status, 0);
  EXPECT_EQ(run_cli({"trace", "--help"}).status, 0);
}

TEST(CliGen, MistakesAreOneLineAndExit2) {
  TempDir dir;
  std::string out = dir.file("x.hrt");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"gen", "nosuch", "-o", out},
       "heapreplay: unknown generator 'nosuch' (known: synthetic, larson, xmalloc, churn, large, realloc-buffer, "
       "fragmentation, fit)\n"},
      {{"gen", "larson", "--param", "thread=4", "-o", out},
       "heapreplay: larson: unknown parameter 'thread' (known: events, threads, slots, size_min, size_max, "
       "handoff)\n"},
      {{"gen", "larson", "--param", "threads=four", "-o", out},
       "heapreplay: larson: parameter 'threads' needs a count (e.g. 1000, 10k, 2M), not 'four'\n"},
      {{"gen", "synthetic", "--param", "realloc=2", "-o", out},
       "heapreplay: synthetic: parameter 'realloc' needs a share from 0 to 1 (e.g. 0.05 or 5%), not '2'\n"},
      {{"gen", "synthetic", "--param", "events", "-o", out},
       "heapreplay: synthetic: parameter 'events' is not of the form key=value\n"},
      {{"gen", "churn", "--seed", "x1", "-o", out},
       "heapreplay gen: --seed needs an unsigned 64-bit number, not 'x1' (see heapreplay gen --help)\n"},
      {{"gen", "churn"}, "heapreplay gen: no output file (-o OUT.hrt) (see heapreplay gen --help)\n"},
      {{"gen", "fit", "-o", out},
       "heapreplay gen: gen fit needs the trace to fit: heapreplay gen fit TRACE -o OUT.hrt (see heapreplay gen "
       "--help)\n"},
      {{"gen", "fit", dir.file("missing.rep"), "-o", out},
       "heapreplay: " + dir.file("missing.rep") + ": cannot open: No such file or directory\n"},
      {{"gen", "synthetic", "-p", "size=histogram", "-p", "size_file=" + dir.file("h.txt"), "-o", out},
       "heapreplay: " + dir.file("h.txt") + ": cannot open: No such file or directory\n"},
      {{"trace", "frob"},
       "heapreplay trace: unknown tool 'frob' (slice, filter, scale, merge, stats, compare, shrink) (see heapreplay "
       "trace "
       "--help)\n"},
      {{"bench", "--suite", "huge", "-a", "null"},
       "heapreplay: unknown suite 'huge' (known: default, quick, classic, mt)\n"},
  };
  for (const Case& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.status, 2) << c.args[1];
    EXPECT_EQ(r.err, c.message);
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliGen, UnwritableOutputExits3) {
  auto r = run_cli({"gen", "churn", "-p", "events=100", "-o", "/nonexistent-dir/x.hrt"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("/nonexistent-dir/x.hrt: cannot create"), std::string::npos) << r.err;
}

TEST(CliGen, FitPrintsItsDistance) {
  TempDir dir;
  std::string src = dir.file("src.hrt"), out = dir.file("fit.hrt");
  ASSERT_EQ(
      run_cli({"gen", "synthetic", "-p", "events=20k", "-p", "threads=2", "-p", "cross_free=0.5", "-o", src}).status,
      0);
  auto r = run_cli({"gen", "fit", src, "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("request sizes      total variation 0.0000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("live bytes         max error"), std::string::npos) << r.out;
  EXPECT_EQ(info(out)["format"], "generated:fit");
  r = run_cli({"gen", "fit", src, "-o", out, "--json", "--draw", "bootstrap", "--seed", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_LT(j["distance"]["size_tvd"].get<double>(), 0.05);
  EXPECT_EQ(j["seed"], 3);
  // The fixture mtrace (any format goes).
  r = run_cli({"gen", "fit", std::string(HR_FIXTURES) + "/traces/sample.mtrace", "-o", out});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(CliTrace, StatsTextJsonAndAHistogramTheGeneratorReads) {
  TempDir dir;
  std::string src = dir.file("src.hrt");
  ASSERT_EQ(run_cli({"gen", "synthetic", "-p", "events=20k", "-p", "size=uniform", "-p", "size_min=100", "-p",
                     "size_max=199", "-o", src})
                .status,
            0);
  auto r = run_cli({"trace", "stats", src});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("request sizes"), std::string::npos);
  EXPECT_NE(r.out.find("lifetimes"), std::string::npos);
  r = run_cli({"trace", "stats", src, "--json", "--bins-per-octave", "4"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["events"], 20000);
  EXPECT_EQ(j["size_bytes"]["min"], 100);
  EXPECT_EQ(j["size_bytes"]["max"], 199);
  EXPECT_EQ(j["size_histogram"].size(), 5u);  // 96-111, 112-127, 128-159, 160-191, 192-223
  // The JSON is a histogram file for size=histogram.
  std::string hist = dir.write("stats.json", r.out);
  std::string again = dir.file("again.hrt");
  r = run_cli({"gen", "synthetic", "-p", "events=20k", "-p", "size=histogram", "-p", "size_file=" + hist, "-o", again});
  ASSERT_EQ(r.status, 0) << r.err;
  auto k = nlohmann::json::parse(run_cli({"trace", "stats", again, "--json"}).out);
  EXPECT_GE(k["size_bytes"]["min"].get<int>(), 96);
  EXPECT_LE(k["size_bytes"]["max"].get<int>(), 223);
  EXPECT_EQ(run_cli({"trace", "stats", src, "--bins-per-octave", "3"}).status, 2);
}

TEST(CliTrace, SliceFilterScaleMergeCompare) {
  TempDir dir;
  std::string src = dir.file("src.hrt");
  ASSERT_EQ(run_cli({"gen", "synthetic", "-p", "events=10k", "-p", "threads=3", "-p", "event_ns=100", "-p",
                     "live_bytes=64K", "-o", src})
                .status,
            0);
  // Slice: 2000 events, everything left live freed at the end.
  auto r = run_cli({"trace", "slice", src, "--events", "1000:3000", "-o", dir.file("s.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto s = info(dir.file("s.hrt"));
  EXPECT_EQ(s["final_live_bytes"], 0);
  EXPECT_GE(s["events"].get<int>(), 1000);
  EXPECT_NE(r.err.find("closed at the end"), std::string::npos) << r.err;
  r = run_cli({"trace", "slice", src, "--time", "100000:200000", "--prior", "alloc", "-o", dir.file("t.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(info(dir.file("t.hrt"))["timestamps"].get<bool>());
  // Filter: thread 1's objects only, sizes up to 64.
  r = run_cli({"trace", "filter", src, "--thread", "1", "--size", ":64", "-o", dir.file("f.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto f = nlohmann::json::parse(run_cli({"trace", "stats", dir.file("f.hrt"), "--json"}).out);
  EXPECT_LE(f["size_bytes"]["max"].get<int>(), 64);
  EXPECT_EQ(f["thread_events"][0], 0);
  EXPECT_EQ(f["thread_events"][2], 0);
  // Scale: sizes x2, threads x2.
  r = run_cli({"trace", "scale", src, "--sizes", "2", "--threads", "2", "-o", dir.file("x.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto a = info(src), x = info(dir.file("x.hrt"));
  EXPECT_EQ(x["events"], 2 * a["events"].get<int>());
  EXPECT_EQ(x["threads"], 6);
  EXPECT_EQ(x["peak_live_bytes"].get<std::uint64_t>(), 4 * a["peak_live_bytes"].get<std::uint64_t>());
  // Merge two traces as threads of one.
  r = run_cli({"trace", "merge", src, dir.file("s.hrt"), "-o", dir.file("m.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto m = info(dir.file("m.hrt"));
  EXPECT_EQ(m["threads"], 6);
  EXPECT_EQ(m["events"], a["events"].get<int>() + s["events"].get<int>());
  // Compare: a trace against itself is at distance 0.
  r = run_cli({"trace", "compare", src, src, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["distance"]["size_tvd"], 0.0);
  // Mistakes.
  EXPECT_EQ(run_cli({"trace", "slice", src, "-o", dir.file("y.hrt")}).status, 2);
  EXPECT_EQ(run_cli({"trace", "slice", src, "--events", "9:3", "-o", dir.file("y.hrt")}).status, 2);
  EXPECT_EQ(run_cli({"trace", "filter", src, "--op", "mallok", "-o", dir.file("y.hrt")}).status, 2);
  EXPECT_EQ(run_cli({"trace", "scale", src, "--sizes", "-1", "-o", dir.file("y.hrt")}).status, 2);
  r = run_cli({"trace", "scale", src, "--threads", "30000", "-o", dir.file("y.hrt")});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      "heapreplay trace: scaling 3 threads by 30000 gives more than 65535 threads (see heapreplay trace --help)\n");
  r = run_cli({"trace", "merge", src, dir.file("s.hrt"), "--order", "sideways", "-o", dir.file("y.hrt")});
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.file("y.hrt")));
}

TEST(CliBench, QuickSuiteAndListSuites) {
  TempDir dir;
  auto r = run_cli({"bench", "--suite", "quick", "-a", "null", "-a", "sizeclass", "-o", dir.file("b.json")});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(test::read_file(dir.file("b.json")));
  std::set<std::string> traces;
  for (auto& run : j["runs"]) {
    traces.insert(run["trace"]);
    EXPECT_EQ(run["status"], "ok") << run.dump();
  }
  EXPECT_EQ(traces, (std::set<std::string>{"suite:churn", "suite:larson", "suite:xmalloc", "suite:mixed",
                                           "suite:realloc-buffer", "suite:fragmentation", "suite:large"}));
  r = run_cli({"bench", "--list-suites"});
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("heapreplay gen churn --param events=1M --seed 1 -o churn.hrt"), std::string::npos) << r.out;
  // --no-suite with no --trace: nothing to run.
  r = run_cli({"bench", "--no-suite", "-a", "null"});
  EXPECT_EQ(r.status, 2);
}

TEST(CliBench, ASuiteTraceIsTheGenCommandsTrace) {
  // bench --list-suites prints a gen command per trace; that command makes
  // the same events the bench replays.
  TempDir dir;
  auto r = run_cli({"gen", "churn", "--param", "events=50k", "--param", "live_objects=2000", "--seed", "1", "-o",
                    dir.file("churn.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli({"bench", "--suite", "quick", "-a", "null", "--trace", dir.file("churn.hrt"), "-o", dir.file("b.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("b.json")));
  std::map<std::string, nlohmann::json> by_trace;
  for (auto& run : j["runs"]) by_trace[run["trace"]] = run;
  ASSERT_TRUE(by_trace.count("suite:churn"));
  ASSERT_TRUE(by_trace.count(dir.file("churn.hrt")));
  for (const char* k : {"events", "peak_live_bytes"})
    EXPECT_EQ(by_trace["suite:churn"][k], by_trace[dir.file("churn.hrt")][k]) << k;
}

}  // namespace
}  // namespace heapreplay
