// End-to-end tests of the command line with the system allocators (each run
// preloaded in its own child), crash isolation as a user sees it, the default
// bench, and the real traces of ../shared/data when that folder is present.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/cli_runner.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

std::string crash_trace(const TempDir& dir) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 100; ++i) b.malloc(i, 100 + i);
  b.malloc(500, 0xDEAD1);  // the faulty library aborts here
  for (std::uint64_t i = 0; i < 100; ++i) b.free(i);
  write_hrt(b.finish(), dir.file("crash.hrt"));
  return dir.file("crash.hrt");
}

TEST(CliSystem, ACrashingAllocatorIsReportedAndTheOthersStillRun) {
  TempDir dir;
  std::string trace = crash_trace(dir);
  auto r = run_cli({"replay", "-a", "glibc", "-a", "preload:" + test::faulty_malloc_library(), "-a", "jemalloc", "-a",
                    "mimalloc", "-a", "tcmalloc", "-o", dir.file("r.json"), trace});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("crashed: killed by SIGABRT"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), 5u);
  std::map<std::string, std::string> status;
  for (auto& run : j["runs"]) status[run["allocator"]] = run["status"];
  EXPECT_EQ(status["glibc"], "ok");
  EXPECT_EQ(status["jemalloc"], "ok");
  EXPECT_EQ(status["mimalloc"], "ok");
  EXPECT_EQ(status["tcmalloc"], "ok");
  EXPECT_EQ(status["preload:" + test::faulty_malloc_library()], "crashed");
  for (const char* a : {"glibc", "jemalloc", "mimalloc", "tcmalloc"})
    EXPECT_TRUE(j["context"]["allocators"].contains(a)) << "version of " << a;
}

TEST(CliSystem, RepetitionsAreInterleaved) {
  TempDir dir;
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 10);
  write_hrt(b.finish(), dir.file("t.hrt"));
  auto r = run_cli({"replay", "-a", "glibc", "-a", "jemalloc", "-r", "2", "-o", dir.file("r.json"), dir.file("t.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  std::vector<std::string> order;
  for (auto& run : j["runs"]) order.push_back(std::string(run["allocator"]) + std::to_string(int(run["repetition"])));
  EXPECT_EQ(order, (std::vector<std::string>{"glibc0", "jemalloc0", "glibc1", "jemalloc1"}));
}

TEST(CliSystem, PeakRssCountsTheHeapNotTheMappedTrace) {
  TempDir dir;
  // 64 MiB of live 1 MiB blocks, touched page by page.
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 64; ++i) b.malloc(i, 1 << 20);
  for (std::uint64_t i = 0; i < 64; ++i) b.free(i);
  write_hrt(b.finish(), dir.file("t.hrt"));
  auto r = run_cli({"replay", "-a", "glibc", "-o", dir.file("r.json"), dir.file("t.hrt")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto run = nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"][0];
  double rss = run["peak_rss_bytes"];
  EXPECT_GT(rss, 60.0 * (1 << 20));
  EXPECT_LT(rss, 72.0 * (1 << 20));
  EXPECT_EQ(run["peak_live_bytes"], 64u << 20);
}

TEST(CliSystem, DefaultBenchRunsEveryAllocatorOnTheDefaultSuite) {
  TempDir dir;
  auto r = run_cli({"bench", "-o", dir.file("b.json")});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(test::read_file(dir.file("b.json")));
  std::set<std::string> traces, allocators;
  for (auto& run : j["runs"]) {
    traces.insert(run["trace"]);
    allocators.insert(run["allocator"]);
    EXPECT_EQ(run["status"], "ok") << run.dump();
  }
  EXPECT_EQ(traces, (std::set<std::string>{"suite:churn", "suite:larson", "suite:xmalloc", "suite:mixed",
                                           "suite:realloc-buffer", "suite:fragmentation", "suite:large"}));
  for (auto& run : j["runs"]) EXPECT_LT(run["peak_live_bytes"].get<double>(), 300.0 * (1 << 20)) << run["trace"];
  for (const char* a : {"null", "glibc", "jemalloc", "mimalloc", "tcmalloc"}) EXPECT_TRUE(allocators.count(a)) << a;
}

// Every real trace in ../shared/data of the formats we import, replayed and
// validated through the system allocators.
std::vector<std::string> shared_traces() {
  std::vector<std::string> out;
  fs::path root(HR_SHARED_DATA);
  for (const char* dir :
       {"malloclab-classic", "malloclab-cmu", "malloclab-cmu-2016", "mtrace", "wee_alloc", "malloclab-raw"}) {
    if (!fs::exists(root / dir)) continue;
    for (auto& e : fs::directory_iterator(root / dir)) {
      std::string name = e.path().filename().string();
      if (name.find("README") != std::string::npos || e.path().extension() == ".md") continue;
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CliSystem, EveryRealTraceReplaysValidatedThroughSystemAllocators) {
  if (!fs::exists(HR_SHARED_DATA)) GTEST_SKIP() << "../shared/data not found (" << HR_SHARED_DATA << "): skipped";
  std::vector<std::string> traces = shared_traces();
  ASSERT_GT(traces.size(), 40u);
  TempDir dir;
  std::vector<std::string> args = {"replay",
                                   "-a",
                                   "glibc",
                                   "-a",
                                   "jemalloc",
                                   "-a",
                                   "mimalloc",
                                   "-a",
                                   "tcmalloc",
                                   "--validate",
                                   "--memory-limit",
                                   "1G",
                                   "-o",
                                   dir.file("r.json")};
  args.insert(args.end(), traces.begin(), traces.end());
  auto r = run_cli(args);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_EQ(j["runs"].size(), traces.size() * 4);
  for (auto& run : j["runs"])
    EXPECT_EQ(run["status"], "ok") << run["trace"] << " " << run["allocator"] << ": " << run["status_detail"];
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace heapreplay

namespace heapreplay {
namespace {

// A four-thread producer-consumer trace replays on four threads through every
// allocator (ours behind a lock, reported as NAME+lock), and on one with --serial.
TEST(CliSystem, MultiThreadedTracesReplayOnTheirThreads) {
  test::TempDir dir;
  std::string text = "heapreplay-text 1\n";
  std::uint64_t x = 99;
  std::vector<int> live;
  int next = 0;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int thread = static_cast<int>((x >> 20) % 4);
    if (live.size() < 4 || (x >> 40) % 2) {
      text += "t=" + std::to_string(thread) + " malloc " + std::to_string(next) + " " +
              std::to_string(16 + (x >> 50) % 300) + "\n";
      live.push_back(next++);
    } else {
      std::size_t k = (x >> 30) % live.size();
      text += "t=" + std::to_string(thread) + " free " + std::to_string(live[k]) + "\n";
      live[k] = live.back();
      live.pop_back();
    }
  }
  std::string trace = dir.write("mt.txt", text);
  auto r = test::run_cli({"replay", "-a", "all", "-o", dir.file("r.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  std::set<std::string> names;
  for (auto& run : j["runs"]) {
    names.insert(run["allocator"]);
    EXPECT_EQ(run["threads"], 4) << run["allocator"];
    ASSERT_EQ(run["per_thread"].size(), 4u);
    std::uint64_t sum = 0;
    for (auto& t : run["per_thread"]) sum += t["events"].get<std::uint64_t>();
    EXPECT_EQ(sum, run["events"].get<std::uint64_t>());
  }
  EXPECT_TRUE(names.count("segfit+lock"));
  EXPECT_TRUE(names.count("jemalloc"));
  r = test::run_cli({"replay", "-a", "glibc", "--serial", "-o", dir.file("s.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir.file("s.json")))["runs"][0]["threads"], 1);
  r = test::run_cli({"replay", "-a", "glibc", "--pace", "recorded", trace});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("needs a trace with timestamps"), std::string::npos) << r.err;
}

// fidelity adds to each replay the start-up memory its allocator costs this
// program: a C program (run_probe) under a design's drop-in loads libstdc++
// for it, which a replay in heapreplay (C++ already) never pays; under
// glibc nothing is added. The replays ask malloc's 16-byte alignment.
TEST(CliSystem, FidelityAddsTheStartUpMemoryTheProgramPays) {
  TempDir dir;
  auto r = run_cli({"fidelity", "-a", "glibc", "-a", "segfit", "-r", "4", "-o", dir.file("f.json"), "--",
                    std::string(HR_BIN_DIR) + "/run_probe", "alloc", "8"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("f.json")));
  // glibc's malloc is already what malloc promises: it is asked nothing more.
  for (const auto& run : j["runs"]) {
    if (run.value("kind", "replay") != "replay") continue;
    if (run["allocator"] == "segfit") {
      EXPECT_EQ(run["malloc_alignment"], 16) << run.dump();
    } else {
      EXPECT_FALSE(run.contains("malloc_alignment")) << run.dump();
    }
  }
  const auto& s = j["fidelity"]["subjects"][0];
  std::map<std::string, double> added;
  for (const auto& a : s["allocators"]) added[a["allocator"]] = a.value("standin_startup_rss_added_bytes", -1.0);
  EXPECT_EQ(added["glibc"], 0.0);
  EXPECT_GT(added["segfit"], 512.0 * 1024) << s.dump();
}

}  // namespace
}  // namespace heapreplay
