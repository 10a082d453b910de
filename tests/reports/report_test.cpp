// Reports: the JSON mapping round trip, refusal of reports that are not
// ours, the text table, and the atomic writer's failure modes.
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/output_file.h"
#include "reports/run_result.h"
#include "reports/table.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

RunResult sample_run(const std::string& allocator, double ns, int rep = 0) {
  RunResult r;
  r.trace = "t.rep";
  r.allocator = allocator;
  r.repetition = rep;
  r.events = 1000;
  r.wall_ns = static_cast<std::uint64_t>(ns * 1000);
  r.ns_per_event = ns;
  r.events_per_second = 1e9 / ns;
  r.peak_live_bytes = 4096;
  r.peak_rss_bytes = 3 << 20;
  r.allocator_stats = {{"footprint_bytes", 123}};
  return r;
}

TEST(Report, JsonRoundTripKeepsEveryField) {
  Report rep;
  rep.context = {{"host", "h"}};
  RunResult r = sample_run("glibc", 12.5);
  r.status = "crashed";
  r.signal = 6;
  r.status_detail = "killed by SIGABRT";
  r.failed_allocations = 3;
  r.rss_method = "vmhwm-reset";
  rep.runs.push_back(r);
  Report back = report_from_json(nlohmann::json::parse(report_to_json(rep).dump()));
  ASSERT_EQ(back.runs.size(), 1u);
  EXPECT_EQ(nlohmann::json(back.runs[0]), nlohmann::json(r));
  EXPECT_EQ(back.context["host"], "h");
}

TEST(Report, RefusesWhatIsNotOurs) {
  auto refused = [](const std::string& text) {
    try {
      report_from_json(nlohmann::json::parse(text));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused(R"({"benchmarks": []})").find("not a heapreplay report"), std::string::npos);
  EXPECT_NE(refused(R"({"schema": "heapreplay.report/9", "runs": []})").find("heapreplay.report/9"), std::string::npos);
  EXPECT_NE(refused(R"({"schema": "heapreplay.report/1", "runs": {}})").find("not an array"), std::string::npos);
  EXPECT_NE(refused(R"({"schema": "heapreplay.report/1", "runs": [{"trace": "x"}]})").find("run 0"), std::string::npos);
  EXPECT_NE(refused(R"([1, 2])").find("not a heapreplay report"), std::string::npos);
}

TEST(Table, ShowsMediansAndFailures) {
  Report rep;
  rep.runs = {sample_run("glibc", 10), sample_run("glibc", 30, 1), sample_run("glibc", 20, 2),
              sample_run("jemalloc", 5)};
  RunResult bad = sample_run("mimalloc", 1);
  bad.status = "timeout";
  bad.status_detail = "no result within 1 s";
  rep.runs.push_back(bad);
  std::string table = render_table(rep);
  EXPECT_NE(table.find("glibc"), std::string::npos);
  EXPECT_NE(table.find("3/3"), std::string::npos);
  EXPECT_NE(table.find("20.00"), std::string::npos) << table;  // the median of 10, 30, 20
  EXPECT_NE(table.find("timeout: no result within 1 s"), std::string::npos) << table;
  EXPECT_NE(table.find("0/1"), std::string::npos);
  EXPECT_NE(table.find("3.0 MiB"), std::string::npos);
}

TEST(HumanBytes, PicksTheUnit) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(5.0 * (1 << 30)), "5.0 GiB");
}

TEST(OutputFile, WritesAtomicallyAndReportsFailures) {
  test::TempDir dir;
  write_file_atomically(dir.file("a.json"), "hello\n");
  EXPECT_EQ(read_whole_file(dir.file("a.json")), "hello\n");
  write_file_atomically(dir.file("a.json"), "again\n");
  EXPECT_EQ(read_whole_file(dir.file("a.json")), "again\n");
  EXPECT_THROW(write_file_atomically(dir.file("missing/a.json"), "x"), std::runtime_error);
  try {
    write_file_atomically("/dev/full", "x");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos);
  }
  EXPECT_THROW(write_file_atomically(dir.path(), "x"), std::runtime_error);  // a folder
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_THROW(read_whole_file(dir.file("nope")), std::runtime_error);
}

}  // namespace
}  // namespace heapreplay
