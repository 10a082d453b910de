// The .hrt binary format: round trip, and every way a damaged or crafted file
// is refused with a message instead of being replayed.
#include "traces/hrt_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/cli_runner.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

using test::TempDir;

Trace sample_trace(bool timed) {
  TraceBuilder b("rep", ReusePolicy::kLeakOld);
  std::uint64_t t = timed ? 100 : TraceBuilder::kNoTime;
  auto at = [&](std::uint64_t k) { return timed ? t + k : TraceBuilder::kNoTime; };
  b.malloc(1, 24, 7, at(1));
  b.calloc(2, 3, 40, 7, at(2));
  b.aligned(3, 64, 100, AlignedKind::kPosixMemalign, 9, at(3));
  b.realloc(1, 1, 4000, 7, at(4));
  b.free(2, 9, at(5));
  b.free_null(7, at(6));
  b.free(99, 7, at(7));  // unmatched: counted, not an event
  Trace tr = b.finish();
  return tr;
}

std::string bytes_of(const std::string& path) { return test::read_file(path); }
void put_bytes(const std::string& path, const std::string& b) { std::ofstream(path, std::ios::binary) << b; }

TEST(HrtFormat, RoundTripKeepsEventsTimestampsCountsAndImportStats) {
  TempDir dir;
  for (bool timed : {false, true}) {
    Trace in = sample_trace(timed);
    std::string path = dir.file(timed ? "timed.hrt" : "plain.hrt");
    write_hrt(in, path);
    Trace out = read_hrt(path);
    ASSERT_EQ(out.events.size(), in.events.size());
    EXPECT_EQ(0, std::memcmp(out.events.data(), in.events.data(), in.events.size() * sizeof(Event)));
    EXPECT_EQ(out.timestamps_ns, in.timestamps_ns);
    EXPECT_EQ(out.object_count, in.object_count);
    EXPECT_EQ(out.thread_count, 2u);
    EXPECT_EQ(out.format, "rep");
    EXPECT_EQ(out.import.unmatched_free, 1u);
    EXPECT_EQ(timed, !out.timestamps_ns.empty());
  }
}

TEST(HrtFormat, ViewMapsEventsInPlace) {
  TempDir dir;
  Trace in = sample_trace(false);
  write_hrt(in, dir.file("t.hrt"));
  HrtFile f(dir.file("t.hrt"));
  TraceView v = f.view();
  ASSERT_EQ(v.events.size(), 6u);
  EXPECT_EQ(v.events[0].op, Op::kMalloc);
  EXPECT_EQ(v.events[2].op, Op::kAligned);
  EXPECT_EQ(v.events[2].alignment(), 64u);
  EXPECT_EQ(v.events[2].aligned_kind(), AlignedKind::kPosixMemalign);
  EXPECT_EQ(v.events[5].id, kNoObject);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.events.data()) % 64, 0u);
}

TEST(HrtFormat, WriteLeavesNoTemporaryAndFailsCleanlyInMissingFolder) {
  TempDir dir;
  write_hrt(sample_trace(false), dir.file("a.hrt"));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_THROW(write_hrt(sample_trace(false), dir.file("no/such/dir/a.hrt")), std::runtime_error);
}

class DamagedHrt : public ::testing::Test {
 protected:
  void SetUp() override {
    write_hrt(sample_trace(true), path_);
    good_ = bytes_of(path_);
  }
  std::string expect_refused(const std::string& bytes) {
    put_bytes(path_, bytes);
    try {
      HrtFile f(path_);
      ADD_FAILURE() << "damaged file was accepted";
    } catch (const TraceError& e) {
      EXPECT_EQ(e.path(), path_);
      return e.what();
    }
    return "";
  }
  // Rewrites the checksums so that only the deeper checks can catch a change
  // (the payload one only where the header's sizes still fit the file).
  static void reseal(std::string& b, bool payload = true) {
    HrtHeader h;
    std::memcpy(&h, b.data(), sizeof h);
    if (!payload) {
      h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
      std::memcpy(b.data(), &h, sizeof h);
      return;
    }
    std::uint64_t sum = hrt_checksum(b.data() + h.events_offset, h.event_count * sizeof(Event), 0);
    sum = hrt_checksum(b.data() + h.timestamps_offset, (h.flags & kHrtHasTimestamps) ? h.event_count * 8 : 0, sum);
    h.payload_checksum = hrt_checksum(b.data() + h.meta_offset, h.meta_bytes, sum);
    h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
    std::memcpy(b.data(), &h, sizeof h);
  }
  TempDir dir_;
  std::string path_ = dir_.file("t.hrt");
  std::string good_;
};

TEST_F(DamagedHrt, TruncatedFile) {
  EXPECT_NE(expect_refused(good_.substr(0, good_.size() - 10)).find("truncated"), std::string::npos);
  EXPECT_NE(expect_refused(good_.substr(0, 50)).find("too short"), std::string::npos);
}

TEST_F(DamagedHrt, BadMagicAndVersion) {
  std::string b = good_;
  b[0] = 'X';
  EXPECT_NE(expect_refused(b).find("bad magic"), std::string::npos);
  b = good_;
  std::uint32_t v = 7;
  std::memcpy(b.data() + 8, &v, 4);
  EXPECT_NE(expect_refused(b).find("version 7"), std::string::npos);
}

TEST_F(DamagedHrt, FlippedPayloadByteFailsChecksum) {
  std::string b = good_;
  b[sizeof(HrtHeader) + 3] ^= 0x40;
  EXPECT_NE(expect_refused(b).find("checksum"), std::string::npos);
}

TEST_F(DamagedHrt, CraftedOutOfRangeIdIsRefusedEvenWithValidChecksums) {
  std::string b = good_;
  HrtHeader h;
  std::memcpy(&h, b.data(), sizeof h);
  Event e;
  std::memcpy(&e, b.data() + h.events_offset + sizeof(Event), sizeof e);
  e.id = 1000000;
  std::memcpy(b.data() + h.events_offset + sizeof(Event), &e, sizeof e);
  reseal(b);
  EXPECT_NE(expect_refused(b).find("event 1 is invalid"), std::string::npos);
}

TEST_F(DamagedHrt, CraftedHugeEventCountIsRefused) {
  std::string b = good_;
  HrtHeader h;
  std::memcpy(&h, b.data(), sizeof h);
  h.event_count = std::uint64_t{1} << 60;
  std::memcpy(b.data(), &h, sizeof h);
  reseal(b, /*payload=*/false);
  EXPECT_NE(expect_refused(b).find("outside the file"), std::string::npos);
}

TEST_F(DamagedHrt, MissingFileNamesThePath) {
  try {
    HrtFile f(dir_.file("absent.hrt"));
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.hrt: cannot open"), std::string::npos);
  }
}

TEST(HrtChecksum, DependsOnEveryByteAndOnTheSeed) {
  std::string a(1000, 'a');
  std::uint64_t base = hrt_checksum(a.data(), a.size());
  for (std::size_t i : {0u, 31u, 32u, 500u, 999u}) {
    std::string b = a;
    b[i] = 'b';
    EXPECT_NE(hrt_checksum(b.data(), b.size()), base) << i;
  }
  EXPECT_NE(hrt_checksum(a.data(), a.size(), 1), base);
}

}  // namespace
}  // namespace heapreplay
