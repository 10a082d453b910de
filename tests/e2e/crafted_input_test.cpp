// Crafted .hrt and report files: size, count and offset fields that lie
// (with the checksums patched to match, so that the checks behind them are
// what refuses the file), devices and huge files given as reports. Each is
// refused with exit status 2 and one line naming the file and what is
// wrong, without a large allocation: the child runs under a 1 GiB
// address-space limit (not in the sanitizer build, whose shadow memory needs
// more) and its peak RSS is checked in both builds. Reads out of bounds are
// the sanitizer build's to catch.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "traces/event.h"
#include "traces/hrt_format.h"

namespace heapreplay {
namespace {

using test::TempDir;

struct Limited {
  int status = -1;
  std::string out, err;
  long peak_rss_kib = 0;
};

// heapreplay with `args`, under RLIMIT_AS = 1 GiB where the build allows it.
Limited run_limited(const std::vector<std::string>& args) {
  rusage ru{};
  test::CliResult c = test::run_cli_in_child(
      args,
      [] {
#ifndef HEAPREPLAY_SANITIZED
        rlimit lim{std::uint64_t{1} << 30, std::uint64_t{1} << 30};
        ::setrlimit(RLIMIT_AS, &lim);
#endif
        return true;
      },
      &ru);
  return {c.status, c.out, c.err, ru.ru_maxrss};
}

void expect_refused(const Limited& r, const std::string& path, const std::string& reason, const std::string& what) {
  EXPECT_EQ(r.status, 2) << what << ": " << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << what << ": " << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << what << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": one line: " << r.err;
  EXPECT_LT(r.peak_rss_kib, 300 * 1024) << what;
}

// A valid two-thread, timed plain (version 1) .hrt, and ways to craft it.
class CraftedHrt : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text = dir_.write("t.txt",
                                  "heapreplay-text 1\n"
                                  "t=1 @100 malloc 1 100\nt=2 @200 malloc 2 200\nt=1 @300 realloc 1 300\n"
                                  "t=2 @400 free 1\nt=1 @500 free 2\n");
    good_ = dir_.file("good.hrt");
    ASSERT_EQ(test::run_cli({"convert", text, good_, "--encoding", "plain"}).status, 0);
    bytes_ = test::read_file(good_);
    ASSERT_GE(bytes_.size(), sizeof(HrtHeader));
  }
  HrtHeader header() const {
    HrtHeader h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    return h;
  }
  // Writes `body` with header `h`, both checksums recomputed for them.
  std::string write(const std::string& name, HrtHeader h, std::string body) {
    std::memcpy(body.data(), &h, sizeof h);
    auto in = [&](std::uint64_t off, std::uint64_t n) {
      return off <= body.size() && n <= body.size() - off ? body.data() + off : nullptr;
    };
    const bool timed = h.flags & kHrtHasTimestamps;
    const char* ev = in(h.events_offset, h.event_count * sizeof(Event));
    const char* ts = timed ? in(h.timestamps_offset, h.event_count * 8) : body.data();
    const char* meta = in(h.meta_offset, h.meta_bytes);
    if (ev && ts && meta && h.event_count < (std::uint64_t{1} << 40)) {
      std::uint64_t sum = hrt_checksum(ev, h.event_count * sizeof(Event), 0);
      sum = hrt_checksum(ts, timed ? h.event_count * 8 : 0, sum);
      h.payload_checksum = hrt_checksum(meta, h.meta_bytes, sum);
    }
    h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
    std::memcpy(body.data(), &h, sizeof h);
    return dir_.write(name, body);
  }
  void expect_file_refused(const std::string& path, const std::string& reason) {
    expect_refused(run_limited({"info", path}), path, reason, "info " + reason);
    expect_refused(run_limited({"replay", "-a", "segfit", path}), path, reason, "replay " + reason);
  }

  TempDir dir_;
  std::string good_, bytes_;
};

TEST_F(CraftedHrt, TheUncraftedFileIsAccepted) {
  Limited r = run_limited({"info", good_});
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_limited({"replay", "-a", "segfit", good_});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(CraftedHrt, CountsAndOffsetsThatLieAreRefused) {
  struct Case {
    const char* name;
    void (*craft)(HrtHeader&, std::uint64_t file_bytes);
    const char* reason;
  };
  const Case cases[] = {
      {"huge event count", [](HrtHeader& h, std::uint64_t) { h.event_count = std::uint64_t{1} << 60; },
       "event stream lies outside the file"},
      {"largest event count", [](HrtHeader& h, std::uint64_t) { h.event_count = ~std::uint64_t{0}; },
       "event stream lies outside the file"},
      {"events over the header", [](HrtHeader& h, std::uint64_t) { h.events_offset = 0; },
       "event stream lies outside the file"},
      {"events past the end", [](HrtHeader& h, std::uint64_t n) { h.events_offset = n + 64; },
       "event stream lies outside the file"},
      {"object count 2^32-1", [](HrtHeader& h, std::uint64_t) { h.object_count = 0xFFFFFFFFu; },
       "object count 4294967295 exceeds the 5 events"},
      {"65536 threads", [](HrtHeader& h, std::uint64_t) { h.thread_count = 0x10000; },
       "thread count 65536 exceeds the 5 events"},
      {"2^32-1 threads", [](HrtHeader& h, std::uint64_t) { h.thread_count = 0xFFFFFFFFu; },
       "thread count out of range"},
      {"no thread", [](HrtHeader& h, std::uint64_t) { h.thread_count = 0; }, "thread count out of range"},
      {"huge metadata", [](HrtHeader& h, std::uint64_t) { h.meta_bytes = std::uint64_t{1} << 63; },
       "metadata lies outside the file"},
      {"metadata past the end", [](HrtHeader& h, std::uint64_t n) { h.meta_offset = n + 8; },
       "metadata lies outside the file"},
      {"timestamps past the end", [](HrtHeader& h, std::uint64_t) { h.timestamps_offset = std::uint64_t{1} << 62; },
       "timestamps lie outside the file"},
      {"file size", [](HrtHeader& h, std::uint64_t) { h.file_bytes = std::uint64_t{1} << 40; },
       "header says 1099511627776"},
      {"unknown flag", [](HrtHeader& h, std::uint64_t) { h.flags |= 0x80; }, "unknown flags"},
      {"event size", [](HrtHeader& h, std::uint64_t) { h.event_bytes = 1u << 30; }, "unexpected header or event size"},
  };
  for (const Case& c : cases) {
    HrtHeader h = header();
    c.craft(h, bytes_.size());
    std::string path = write(std::string("crafted-") + std::to_string(&c - cases) + ".hrt", h, bytes_);
    SCOPED_TRACE(c.name);
    expect_file_refused(path, c.reason);
  }
}

TEST_F(CraftedHrt, EventsThatNameAbsentObjectsOrThreadsAreRefused) {
  HrtHeader h = header();
  for (int field = 0; field < 3; ++field) {
    std::string body = bytes_;
    Event e;
    std::memcpy(&e, body.data() + h.events_offset + 2 * sizeof(Event), sizeof e);
    if (field == 0) e.id = h.object_count;  // one past the table
    if (field == 1) e.thread = static_cast<std::uint16_t>(h.thread_count);
    if (field == 2) e.op = static_cast<Op>(9);
    std::memcpy(body.data() + h.events_offset + 2 * sizeof(Event), &e, sizeof e);
    std::string path = write("event-" + std::to_string(field) + ".hrt", h, body);
    expect_file_refused(path, "event 2 is invalid");
  }
}

TEST_F(CraftedHrt, ChecksumsCatchWhatWasNotPatched) {
  std::string body = bytes_;
  body[header().events_offset] ^= 1;
  std::string path = dir_.write("payload.hrt", body);
  expect_file_refused(path, "payload checksum mismatch");
  HrtHeader h = header();
  h.object_count += 1;
  body = bytes_;
  std::memcpy(body.data(), &h, sizeof h);
  path = dir_.write("header.hrt", body);
  expect_file_refused(path, "header checksum mismatch");
  path = dir_.write("short.hrt", bytes_.substr(0, bytes_.size() - 1));
  expect_file_refused(path, "truncated");
}

TEST_F(CraftedHrt, MetadataThatIsNotJsonIsHarmless) {
  HrtHeader h = header();
  std::string body = bytes_;
  for (std::uint64_t i = 0; i < h.meta_bytes; ++i) body[h.meta_offset + i] = '[';
  std::string path = write("meta.hrt", h, body);
  Limited r = run_limited({"info", path});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_LT(r.peak_rss_kib, 300 * 1024);
}

// Reports: the reader of compare and report.
class CraftedReport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text = dir_.write("t.txt", "heapreplay-text 1\nmalloc 1 100\nmalloc 2 5000\nfree 1\nfree 2\n");
    good_ = dir_.file("good.json");
    ASSERT_EQ(test::run_cli({"replay", "-a", "segfit", "-r", "2", "-o", good_, text}).status, 0);
    report_ = nlohmann::json::parse(test::read_file(good_));
  }
  void expect_report_refused(const std::string& path, const std::string& reason) {
    expect_refused(run_limited({"report", path}), path, reason, "report " + reason);
    expect_refused(run_limited({"compare", path, good_}), path, reason, "compare " + reason);
  }
  std::string write(const std::string& name, const nlohmann::json& j) { return dir_.write(name, j.dump()); }

  TempDir dir_;
  std::string good_;
  nlohmann::json report_;
};

TEST_F(CraftedReport, FieldsThatLieAreRefused) {
  struct Case {
    const char* name;
    void (*craft)(nlohmann::json&);
    const char* reason;
  };
  const Case cases[] = {
      {"sample columns of different lengths",
       [](nlohmann::json& j) { j["runs"][0]["samples"]["rss_bytes"].push_back(1); }, "has the wrong length"},
      {"sample columns that are not arrays", [](nlohmann::json& j) { j["runs"][0]["samples"]["event"] = "x"; },
       "run 0: \"event\" is not an array"},
      {"latency histogram of different lengths",
       [](nlohmann::json& j) {
         j["runs"][0]["latency"]["malloc"] = {{"count", 1},
                                              {"p50_ns", 1},
                                              {"p90_ns", 1},
                                              {"p99_ns", 1},
                                              {"p999_ns", 1},
                                              {"max_ns", 1},
                                              {"bucket_upper_ns", {1, 2, 4}},
                                              {"bucket_count", {1}}};
       },
       "bucket_upper_ns and bucket_count differ in length"},
      {"a negative count", [](nlohmann::json& j) { j["runs"][0]["failed_allocations"] = -5; },
       "run 0: \"failed_allocations\" is not an integer"},
      {"a sample that is not a number", [](nlohmann::json& j) { j["runs"][1]["samples"]["rss_bytes"][0] = 1e300; },
       "run 1: \"rss_bytes\" is not an integer"},
      {"repetition out of range", [](nlohmann::json& j) { j["runs"][0]["repetition"] = 1e300; },
       "run 0: \"repetition\" is not an integer in the range of its field"},
      {"repetition past int", [](nlohmann::json& j) { j["runs"][0]["repetition"] = std::uint64_t{1} << 40; },
       "run 0: \"repetition\" is not an integer"},
      {"a run that is not an object", [](nlohmann::json& j) { j["runs"][1] = 7; }, "run 1"},
      {"events of the wrong type", [](nlohmann::json& j) { j["runs"][1]["events"] = "many"; }, "run 1"},
      {"runs not an array", [](nlohmann::json& j) { j["runs"] = "all of them"; }, "\"runs\" is not an array"},
      {"interruption of the wrong type",
       [](nlohmann::json& j) {
         j["interrupted"] = {{"signal", 2}};
       },
       "\"interrupted\""},
      {"another schema", [](nlohmann::json& j) { j["schema"] = "heapreplay.report/999"; }, "report schema is"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = report_;
    c.craft(j);
    SCOPED_TRACE(c.name);
    expect_report_refused(write(std::string("crafted-") + std::to_string(&c - cases) + ".json", j), c.reason);
  }
}

TEST_F(CraftedReport, DevicesHugeFilesAndDeepNestingAreRefusedWithoutReadingThemWhole) {
  expect_report_refused("/dev/zero", "not a file (a device)");
  std::string huge = dir_.file("huge.json");
  { std::ofstream(huge) << "{"; }
  std::filesystem::resize_file(huge, std::uint64_t{1} << 33);  // sparse: 8 GiB that take no disk
  expect_report_refused(huge, "larger than 256 MiB");
  std::string deep = dir_.write("deep.json", std::string(200000, '[') + std::string(200000, ']'));
  expect_report_refused(deep, "not a heapreplay report");
}

}  // namespace
}  // namespace heapreplay
