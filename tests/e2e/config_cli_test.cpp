// End-to-end tests of allocator options and sweeps that need no system
// allocator (so they run in the sanitizer build too): list --options, a
// sweep of a design's options, malformed grids, the --yes threshold, and the
// commands that drive one configuration.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "allocators/registry.h"
#include "support/cli_runner.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

std::string small_trace(const TempDir& dir) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 50; ++i) b.malloc(i, 32 + i);
  for (std::uint64_t i = 0; i < 50; ++i) b.free(i);
  write_hrt(b.finish(), dir.file("t.hrt"));
  return dir.file("t.hrt");
}

TEST(ConfigCli, ListOptionsPrintsEveryOptionOfTheTable) {
  for (const AllocatorEntry& e : allocator_catalog()) {
    SCOPED_TRACE(e.name);
    auto r = run_cli({"list", "--options", e.name});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto options = allocator_options(e.name);
    if (options.empty()) {
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
      continue;
    }
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), static_cast<long>(options.size()) + 1) << r.out;
    for (const OptionInfo& o : options) {
      const std::string line_start = "  " + std::string(o.key) + " ";
      const auto at = r.out.find(line_start);
      ASSERT_NE(at, std::string::npos) << o.key;
      const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
      EXPECT_NE(line.find(option_type_text(o)), std::string::npos) << line;
      EXPECT_NE(line.find("default " + std::string(o.default_value)), std::string::npos) << line;
      EXPECT_NE(line.find(std::string(o.meaning)), std::string::npos) << line;
    }
    auto j = run_cli({"list", "--options", e.name, "--json"});
    ASSERT_EQ(j.status, 0) << j.err;
    auto parsed = nlohmann::json::parse(j.out);
    ASSERT_EQ(parsed.size(), options.size());
    EXPECT_EQ(parsed[0]["key"], std::string(options[0].key));
  }
  auto bad = run_cli({"list", "--options", "nosuch"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown allocator 'nosuch'"), std::string::npos) << bad.err;
}

TEST(ConfigCli, ASweepOfADesignsOptionsRunsEachConfigurationAsItsOwnAllocator) {
  TempDir dir;
  auto r = run_cli({"replay", "-a", "segfit:page_bytes={8K,16K}", "-a", "sizeclass", "-r", "2", "-o",
                    dir.file("r.json"), small_trace(dir)});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("heapreplay: 3 allocator configurations x 1 trace x 2 repetitions = 6 runs\n"),
            std::string::npos)
      << r.err;
  const auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  std::vector<std::string> order;
  for (const auto& run : j["runs"]) order.push_back(run["allocator"]);
  EXPECT_EQ(order, (std::vector<std::string>{"segfit:page_bytes=8K", "segfit:page_bytes=16K", "sizeclass",
                                             "segfit:page_bytes=8K", "segfit:page_bytes=16K", "sizeclass"}));
  EXPECT_EQ(j["runs"][0]["allocator_config"], nlohmann::json({{"settings", {{"page_bytes", 8192}}}}));
  EXPECT_EQ(j["runs"][1]["allocator_config"], nlohmann::json({{"settings", {{"page_bytes", 16384}}}}));
  EXPECT_FALSE(j["runs"][2].contains("allocator_config"));  // no options, nothing to say
  EXPECT_NE(r.out.find("segfit:page_bytes=16K"), std::string::npos) << r.out;
}

TEST(ConfigCli, AMalformedGridIsOneLineNamingTheSpecAndThePositionAndNothingRuns) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  const std::pair<const char*, const char*> cases[] = {
      {"segfit:page_bytes={}", "an empty value list at position 19"},
      {"segfit:page_bytes={8K,16K", "'{' not closed at position 19"},
      {"segfit:page_bytes=8K,page_bytes={8K,16K}", "option 'page_bytes' given twice at position 22"},
      {"segfit:page_bytes={8K,100}", "page_bytes needs an unsigned integer from 4K up, not '100' at position 23"},
      {"segfit:nosuch={1,2}",
       "unknown option 'nosuch' at position 8; valid: faithful, page_bytes, max_heap_pages, heap_reserve_bytes, "
       "fail_map_every, fail_commit_every, fail_after_bytes"},
  };
  for (const auto& [spec, why] : cases) {
    for (const char* command : {"replay", "bench"}) {
      std::vector<std::string> args = {command, "-a", spec, "-o", dir.file("r.json")};
      if (std::string(command) == "replay") args.push_back(trace);
      auto r = run_cli(args);
      EXPECT_EQ(r.status, 2) << spec << ": " << r.err;
      EXPECT_EQ(r.err, "heapreplay: allocator '" + std::string(spec) + "': " + why + "\n");
      EXPECT_FALSE(fs::exists(dir.file("r.json")));
    }
  }
}

TEST(ConfigCli, ASweepPastSixtyFourConfigurationsNeedsYes) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  std::string values;
  for (int i = 0; i < 65; ++i) values += (i ? "," : "") + std::to_string(i);
  const std::string spec = "segfit:fail_map_every={" + values + "}";
  auto refused = run_cli({"replay", "-a", spec, "-o", dir.file("r.json"), trace});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("expands to 65 configurations (65 in all), more than 64: pass --yes"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir.file("r.json")));
  auto ran = run_cli({"replay", "--yes", "-a", spec, "-o", dir.file("r.json"), trace});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"].size(), 65u);
}

TEST(ConfigCli, CommandsThatDriveOneConfigurationRefuseASweep) {
  auto exec = run_cli({"exec", "-a", "segfit:page_bytes={8K,16K}", "--", "/bin/true"});
  EXPECT_EQ(exec.status, 2);
  EXPECT_NE(exec.err.find("exec drives one configuration"), std::string::npos) << exec.err;
  auto shell = run_cli({"shell", "-a", "segfit:page_bytes={8K,16K}"});
  EXPECT_EQ(shell.status, 2);
  EXPECT_NE(shell.err.find("shell drives one configuration"), std::string::npos) << shell.err;
}

TEST(ConfigCli, AnInheritedAllocatorVariableDoesNotStopARunOfOurDesigns) {
  TempDir dir;
  auto r = test::run_cli_in_child({"replay", "-a", "segfit", "-o", dir.file("r.json"), small_trace(dir)},
                                  [] { return ::setenv("MALLOC_CONF", "narenas:2", 1) == 0; });
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_EQ(j["context"]["inherited_env"]["MALLOC_CONF"], "narenas:2");
}

}  // namespace
}  // namespace heapreplay
