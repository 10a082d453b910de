// The absurd requests of tests/fixtures/traces/absurd.txt through the system
// allocators, each in its own child process with its library preloaded:
// every request C says must fail returns NULL (or EINVAL), is counted, and
// nothing crashes. Labelled system: not in the sanitizer build.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

TEST(AbsurdSystem, EverySystemAllocatorFailsThemAndKeepsRunning) {
  test::TempDir dir;
  std::string trace = std::string(HR_FIXTURES) + "/traces/absurd.txt";
  auto list = nlohmann::json::parse(test::run_cli({"list", "--json"}).out);
  std::vector<std::string> args = {"replay", "-o", dir.file("r.json")};
  std::vector<std::string> names;
  for (const auto& a : list) {
    if (a["kind"] == "system" && a["available"].get<bool>()) names.push_back(a["name"]);
  }
  if (names.empty()) GTEST_SKIP() << "no system allocator available";
  for (const std::string& n : names) {
    args.push_back("-a");
    args.push_back(n);
  }
  args.push_back(trace);
  auto r = test::run_cli(args);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), names.size());
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["status"], "ok") << run["allocator"] << ": " << run["status_detail"];
    std::uint64_t failed = run["failed_allocations"];
    EXPECT_TRUE(failed == 13 || failed == 14) << run["allocator"] << ": " << failed;
  }
}

}  // namespace
}  // namespace heapreplay
