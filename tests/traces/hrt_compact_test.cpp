// The compact .hrt encoding (version 2): every event and timestamp back as
// written over several chunks, whatever the slots, sizes, threads and times;
// smaller than the plain file; and a damaged chunk named with its events.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "support/cli_runner.h"
#include "support/mixed_trace.h"
#include "traces/hrt_chunk.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"
#include "traces/trace_source.h"

namespace heapreplay {
namespace {

using test::TempDir;

using test::expect_same;
using test::mixed_trace;

TEST(HrtCompact, RoundTripOverSeveralChunks) {
  TempDir dir;
  for (bool timed : {false, true}) {
    Trace in = mixed_trace(timed);
    write_hrt(in, dir.file("c.hrt"), HrtEncoding::kCompact);
    write_hrt(in, dir.file("p.hrt"), HrtEncoding::kPlain);
    HrtFile f(dir.file("c.hrt"));
    EXPECT_TRUE(f.compact());
    EXPECT_EQ(f.header().chunk_count, 4u);
    expect_same(read_hrt(dir.file("c.hrt")), in);
    EXPECT_LT(f.file_bytes() * 3, HrtFile(dir.file("p.hrt")).file_bytes()) << "timed " << timed;
  }
}

TEST(HrtCompact, EmptyAndOneEventTracesRoundTrip) {
  TempDir dir;
  TraceBuilder b("rep", ReusePolicy::kLeakOld);
  Trace empty = b.finish();
  write_hrt(empty, dir.file("e.hrt"), HrtEncoding::kCompact);
  expect_same(read_hrt(dir.file("e.hrt")), empty);
  TraceBuilder one("rep", ReusePolicy::kLeakOld);
  one.malloc(1, ~std::uint64_t{0} >> 1, 0, 42);
  Trace t = one.finish();
  write_hrt(t, dir.file("o.hrt"), HrtEncoding::kCompact);
  expect_same(read_hrt(dir.file("o.hrt")), t);
}

// Replays read a compact file in place (children decode it into mapped
// buffers, not through the allocator under test), as they do a plain one.
TEST(HrtCompact, ReplaysReadACompactFileInPlace) {
  TempDir dir;
  Trace in = mixed_trace(true);
  write_hrt(in, dir.file("c.hrt"), HrtEncoding::kCompact);
  TraceWorkspace workspace;
  PreparedTrace p = workspace.prepare(dir.file("c.hrt"));
  EXPECT_EQ(p.label, dir.file("c.hrt"));
  EXPECT_EQ(p.hrt_path, dir.file("c.hrt"));
  const TraceSummary want = summarize(in.view());
  EXPECT_EQ(p.summary.events, want.events);
  EXPECT_EQ(p.summary.peak_live_bytes, want.peak_live_bytes);
  EXPECT_EQ(p.summary.peak_live_event, want.peak_live_event);
  EXPECT_EQ(p.summary.final_live_bytes, want.final_live_bytes);
  EXPECT_EQ(p.threads, in.thread_count);
  EXPECT_EQ(p.objects, in.object_count);
  write_hrt(in, dir.file("p.hrt"), HrtEncoding::kPlain);
  EXPECT_EQ(workspace.prepare(dir.file("p.hrt")).hrt_path, dir.file("p.hrt"));
}

class DamagedCompact : public ::testing::Test {
 protected:
  void SetUp() override {
    write_hrt(mixed_trace(true), path_, HrtEncoding::kCompact);
    good_ = test::read_file(path_);
    std::memcpy(&h_, good_.data(), sizeof h_);
    std::memcpy(&second_, good_.data() + h_.index_offset + sizeof second_, sizeof second_);
  }
  std::string refused(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
    try {
      HrtFile f(path_);
    } catch (const TraceError& e) {
      return e.what();
    }
    ADD_FAILURE() << "a damaged file was accepted";
    return "";
  }
  TempDir dir_;
  std::string path_ = dir_.file("c.hrt");
  std::string good_;
  HrtHeader h_{};
  HrtIndexEntry second_{};
};

TEST_F(DamagedCompact, AFlippedByteInAChunkNamesTheChunkAndItsEvents) {
  std::string b = good_;
  b[second_.offset + sizeof(HrtChunkHeader) + second_.stored_bytes / 2] ^= 0x10;
  const std::string why = refused(b);
  EXPECT_NE(why.find("chunk 1 (events 65536-131071): checksum mismatch"), std::string::npos) << why;
  EXPECT_EQ(why.rfind(path_, 0), 0u) << why;
}

// With its checksum made right, a changed frame is caught by zstd or by
// the event checks behind it, still naming the chunk.
TEST_F(DamagedCompact, AResealedBadFrameIsStillRefused) {
  for (std::uint32_t at : {0u, 5u, second_.stored_bytes / 3, second_.stored_bytes - 2}) {
    std::string b = good_;
    b[second_.offset + sizeof(HrtChunkHeader) + at] ^= 0x5a;
    HrtChunkHeader c;
    std::memcpy(&c, b.data() + second_.offset, sizeof c);
    c.checksum = hrt_checksum(b.data() + second_.offset + sizeof c, c.stored_bytes, 0);
    std::memcpy(b.data() + second_.offset, &c, sizeof c);
    const std::string why = refused(b);
    EXPECT_NE(why.find("chunk 1 (events 65536-131071): "), std::string::npos) << "byte " << at << ": " << why;
  }
}

TEST_F(DamagedCompact, TruncatedAndMisindexedFilesAreRefused) {
  EXPECT_NE(refused(good_.substr(0, good_.size() - 7)).find("truncated"), std::string::npos);
  std::string b = good_;
  HrtIndexEntry e = second_;
  e.offset += 8;
  std::memcpy(b.data() + h_.index_offset + sizeof e, &e, sizeof e);
  HrtHeader h = h_;
  h.payload_checksum = hrt_checksum(b.data() + h.meta_offset, h.meta_bytes,
                                    hrt_checksum(b.data() + h.index_offset, h.chunk_count * sizeof e, 0));
  h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
  std::memcpy(b.data(), &h, sizeof h);
  EXPECT_NE(refused(b).find("chunk 1 (events 65536-131071): bad chunk magic"), std::string::npos);
}

TEST(HrtChunk, ADecoderRefusesEventsOutsideTheCounts) {
  TraceBuilder b("rep", ReusePolicy::kLeakOld);
  b.malloc(1, 10);
  b.malloc(2, 20);
  Trace t = b.finish();
  const std::string z = encode_hrt_chunk(t.events.data(), nullptr, t.events.size(), 0);
  std::vector<Event> out(2);
  EXPECT_EQ(decode_hrt_chunk(z.data(), z.size(), 2, 0, {2, 1, false}, out.data(), nullptr), "");
  EXPECT_NE(decode_hrt_chunk(z.data(), z.size(), 2, 0, {1, 1, false}, out.data(), nullptr).find("event 1"),
            std::string::npos);
  EXPECT_NE(decode_hrt_chunk(z.data(), z.size(), 3, 0, {2, 1, false}, out.data(), nullptr).find("not 3"),
            std::string::npos);
  EXPECT_NE(decode_hrt_chunk(z.data(), z.size() - 1, 2, 0, {2, 1, false}, out.data(), nullptr), "");
}

}  // namespace
}  // namespace heapreplay
