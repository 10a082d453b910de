// Faults met through the command line, with our designs only (so this runs
// in the sanitizer build too): page-source fault injection given in the
// allocator spec (`-a segfit:fail_map_every=7`), and a trace of absurd
// requests. Either way each run stays `ok`, the report counts the failed
// allocations, and heapreplay exits 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "allocators/designs.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

const std::vector<std::string> kDesigns(kDesignNames.begin(), kDesignNames.end());

std::string absurd_fixture() { return std::string(HR_FIXTURES) + "/traces/absurd.txt"; }

// 400 blocks of 1..64 KiB, half of them freed and reallocated larger: enough
// maps and commits for every design's faults to show.
std::string growing_trace(const TempDir& dir) {
  std::string text = "heapreplay-text 1\n";
  for (int i = 0; i < 400; ++i)
    text += "malloc " + std::to_string(i) + " " + std::to_string(1024 * (1 + i % 64)) + "\n";
  for (int i = 0; i < 400; i += 2) text += "realloc " + std::to_string(i) + " " + std::to_string(70000 + i) + "\n";
  for (int i = 1; i < 400; i += 2) text += "free " + std::to_string(i) + "\n";
  return dir.write("grow.txt", text);
}

double injected(const nlohmann::json& run) {
  // Each design's statistics are under its own name: "segfit.injected_failures".
  std::string spec = run["allocator"], key = spec.substr(0, spec.find(':')) + ".injected_failures";
  const auto& s = run["allocator_stats"];
  return s.contains(key) ? s[key].get<double>() : -1;
}

TEST(FaultCli, InjectedPageSourceFailuresAreCountedAndTheRunStaysOk) {
  TempDir dir;
  std::string trace = growing_trace(dir);
  std::vector<std::string> args = {"replay", "--validate", "-o", dir.file("r.json")};
  std::vector<std::string> specs;
  for (const std::string& d : kDesigns) {
    for (std::string fault : {"fail_map_every=3", "fail_commit_every=2", "fail_after_bytes=1M"}) {
      if (std::string(d) == "blocks" && fault.rfind("fail_commit", 0) == 0) continue;  // blocks never commits
      // pages retries a refused growth step with just what the request needs,
      // so a step of one page makes every refusal reach the request.
      specs.push_back(std::string(d) + ":" + (std::string(d) == "pages" ? "grow_bytes=4K," : "") + fault);
      args.push_back("-a");
      args.push_back(specs.back());
    }
  }
  args.push_back(trace);
  auto r = run_cli(args);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), specs.size());
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["status"], "ok") << run["allocator"] << ": " << run["status_detail"];
    EXPECT_GT(run["failed_allocations"].get<int>(), 0) << run["allocator"];
    EXPECT_GT(injected(run), 0) << run["allocator"];
  }
  // The table shows the counts too: a column of non-zero failed allocations.
  EXPECT_NE(r.out.find("segfit:fail_map_every=3"), std::string::npos) << r.out;
}

TEST(FaultCli, WithoutFaultsNothingIsInjected) {
  TempDir dir;
  std::string trace = growing_trace(dir);
  std::vector<std::string> args = {"replay", "-o", dir.file("r.json")};
  for (const std::string& d : kDesigns) {
    args.push_back("-a");
    args.push_back(d);
  }
  args.push_back(trace);
  ASSERT_EQ(run_cli(args).status, 0);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["failed_allocations"], 0) << run["allocator"];
    EXPECT_EQ(injected(run), 0) << run["allocator"];
  }
}

TEST(FaultCli, BadFaultOptionsAreRefusedBeforeAnyRun) {
  auto r = run_cli({"replay", "-a", "segfit:fail_map_every=seven", absurd_fixture()});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("fail_map_every"), std::string::npos) << r.err;
  r = run_cli({"replay", "-a", "segfit:fail_every=7", absurd_fixture()});
  EXPECT_EQ(r.status, 2) << r.err;
}

// The absurd requests of the fixture, as text and converted to .hrt (whose
// aux byte must keep "not a power of two" and the overflowed calloc).
TEST(FaultCli, AbsurdRequestsFailAsCSaysAndAreCounted) {
  TempDir dir;
  std::string hrt = dir.file("absurd.hrt");
  ASSERT_EQ(run_cli({"convert", absurd_fixture(), hrt}).status, 0);
  auto info = nlohmann::json::parse(run_cli({"info", hrt, "--json"}).out);
  EXPECT_EQ(info["aligned"], 7);
  EXPECT_EQ(info["calloc"], 3);
  for (bool validate : {false, true}) {
    std::vector<std::string> args = {"replay", "-o", dir.file("r.json")};
    if (validate) args.push_back("--validate");
    for (const std::string& d : kDesigns) {
      args.push_back("-a");
      args.push_back(d);
    }
    args.push_back(absurd_fixture());
    args.push_back(hrt);
    auto r = run_cli(args);
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
    ASSERT_EQ(j["runs"].size(), 10u);
    for (std::size_t i = 0; i < 5; ++i) {
      const auto& text_run = j["runs"][i];
      const auto& hrt_run = j["runs"][i + 5];
      EXPECT_EQ(text_run["status"], "ok") << text_run["allocator"] << ": " << text_run["status_detail"];
      EXPECT_EQ(hrt_run["status"], "ok") << hrt_run["allocator"] << ": " << hrt_run["status_detail"];
      std::uint64_t failed = text_run["failed_allocations"];
      EXPECT_TRUE(failed == 13 || failed == 14) << text_run["allocator"] << ": " << failed;
      EXPECT_EQ(hrt_run["failed_allocations"], failed) << hrt_run["allocator"];
    }
  }
}

}  // namespace
}  // namespace heapreplay
