// Regression tests for what fuzzing the trace readers found (tests/fuzz):
// every input kept under tests/fuzz/regressions/<reader>/ goes through the
// reader the fuzz target drives, and must be refused with a TraceError or
// give a trace that passes the fuzz targets' own checks (ids and threads in
// range, summaries, the text round trip: tests/fuzz/fuzz_support.h).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_support.h"
#include "fuzz/hrt_input.h"
#include "fuzz/record_input.h"
#include "traces/hrt_format.h"
#include "traces/readers/import.h"
#include "traces/readers/record_reader.h"

namespace heapreplay {
namespace {

const std::filesystem::path kRegressions = std::filesystem::path(HR_FIXTURES) / ".." / "fuzz" / "regressions";
const std::filesystem::path kCorpus = std::filesystem::path(HR_FIXTURES) / ".." / "fuzz" / "corpus";

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::filesystem::path> inputs(const std::string& reader) {
  std::vector<std::filesystem::path> out;
  if (std::filesystem::is_directory(kRegressions / reader))
    for (const auto& e : std::filesystem::directory_iterator(kRegressions / reader)) out.push_back(e.path());
  return out;
}

TEST(TraceFuzzRegressions, TextReadersRefuseOrGiveValidTraces) {
  const std::pair<const char*, TraceFormat> readers[] = {
      {"rep", TraceFormat::kRep}, {"mtrace", TraceFormat::kMtrace},   {"raw", TraceFormat::kRaw},
      {"wee", TraceFormat::kWee}, {"android", TraceFormat::kAndroid}, {"text", TraceFormat::kText}};
  for (const auto& [name, format] : readers) {
    for (const auto& path : inputs(name)) {
      Trace t;
      try {
        t = parse_trace(read_bytes(path), format, path.string());
      } catch (const TraceError&) {
        continue;
      }
      EXPECT_EQ(fuzz::trace_problem(t), "") << path;
    }
  }
}

// Runs one kept .hrt input as fuzz_hrt.cpp does; returns the TraceError's
// message, or "" when the file was accepted (and then checks the trace).
std::string open_hrt_input(const std::filesystem::path& input) {
  const std::string raw = read_bytes(input);
  const auto bytes = fuzz::hrt_file_from_input(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hr-fuzz-regression-" + std::to_string(::getpid()) + ".hrt")).string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::string error;
  try {
    Trace t = read_hrt(path);
    EXPECT_EQ(fuzz::trace_problem(t, false), "") << input;
  } catch (const TraceError& e) {
    error = e.message();
  }
  std::filesystem::remove(path);
  return error;
}

TEST(TraceFuzzRegressions, HrtInputsAreRefusedOrValid) {
  for (const auto& path : inputs("hrt")) (void)open_hrt_input(path);
  EXPECT_FALSE(inputs("hrt").empty());
}

// The first .hrt finding: a calloc event whose aux held flags FORMAT.md does
// not define (255) was accepted; it did not survive a conversion to text.
TEST(TraceFuzzRegressions, HrtRefusesUndefinedAuxBits) {
  EXPECT_EQ(open_hrt_input(kRegressions / "hrt" / "calloc-aux-flags"), "event 12 is invalid (aux 255 for calloc)");
}

// The second: an object count of 3.6 billion with 14 events made summarize()
// (and a replay's object table) allocate 29 GB.
TEST(TraceFuzzRegressions, HrtRefusesMoreSlotsThanEvents) {
  EXPECT_EQ(open_hrt_input(kRegressions / "hrt" / "object-count-unbounded"),
            "object count 3674210312 exceeds the 14 events");
}

// The third (UBSan, in a 10-minute campaign): a file without timestamps
// whose unused timestamps offset was 2^32 below the mapping's address; the
// checksum formed the out-of-range pointer before taking its 0 bytes.
TEST(TraceFuzzRegressions, HrtIgnoresTheTimestampOffsetOfAnUntimedFile) {
  // Accepted ("" is no refusal; open_hrt_input checks the trace it gives).
  EXPECT_EQ(open_hrt_input(kRegressions / "hrt" / "untimed-offset-overflow"), "");
}

// Runs one fuzz_record input as fuzz_record.cpp does: lays it out as a
// recording folder, lists its images and reads each. Returns the images'
// traces, or the TraceError's message of the first refused one in `error`.
std::vector<Trace> read_record_input(const std::filesystem::path& input, std::string& error) {
  const std::string raw = read_bytes(input);
  const auto dir = std::filesystem::temp_directory_path() / ("hr-fuzz-record-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_TRUE(
      fuzz::write_recording(fuzz::recording_from_input(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()),
                            (dir / "4242.0").string()));
  std::vector<Trace> traces;
  error.clear();
  try {
    for (const RecordedImage& img : list_recorded_images(dir.string())) {
      traces.push_back(read_recorded_image(img));
      EXPECT_EQ(fuzz::trace_problem(traces.back()), "") << input;
    }
  } catch (const TraceError& e) {
    error = e.message();
  }
  std::filesystem::remove_all(dir);
  return traces;
}

// Kept findings (none yet) and the seeds: refused, or valid traces.
TEST(TraceFuzzRegressions, RecordInputsAreRefusedOrValid) {
  std::vector<std::filesystem::path> all = inputs("record");
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "record")) all.push_back(e.path());
  ASSERT_FALSE(all.empty());
  std::string error;
  for (const auto& path : all) (void)read_record_input(path, error);
}

// The fuzz target's seeds are real recordings (mt_alloc, 2 and 3 workers),
// cut short: they must read as the traces of those programs, so that the
// fuzzer starts from inputs that reach the merge. The third puts the first
// thread's records right up to the end of the first 1 MiB chunk; the fourth
// one word past it, where a record must not run.
TEST(TraceFuzzRegressions, RecordSeedsAreRealRecordings) {
  std::string error;
  std::vector<Trace> tsc = read_record_input(kCorpus / "record" / "mt-alloc-tsc", error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(tsc.size(), 1u);
  EXPECT_EQ(tsc[0].thread_count, 3u);  // main, a producer, a consumer
  EXPECT_GT(tsc[0].events.size(), 200u);
  EXPECT_EQ(tsc[0].timestamps_ns.size(), tsc[0].events.size());

  std::vector<Trace> mono = read_record_input(kCorpus / "record" / "mt-alloc-monotonic", error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(mono.size(), 1u);
  EXPECT_EQ(mono[0].thread_count, 4u);

  std::vector<Trace> at_end = read_record_input(kCorpus / "record" / "mt-alloc-tsc-at-chunk-end", error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(at_end.size(), 1u);
  EXPECT_EQ(at_end[0].thread_count, 3u);

  (void)read_record_input(kCorpus / "record" / "mt-alloc-tsc-past-chunk-end", error);
  EXPECT_NE(error.find("runs past the end of its chunk"), std::string::npos) << error;
}

}  // namespace
}  // namespace heapreplay
