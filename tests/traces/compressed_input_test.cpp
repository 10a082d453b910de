// Compressed trace files: told by their magic bytes, decompressed before
// detection and reading, and refused with the place and the reason when
// corrupt, truncated, or larger than the decompression limit.
#include "traces/readers/compressed.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"
#include "traces/trace_source.h"

namespace heapreplay {
namespace {

using testing::expect_trace_error;
using testing::fixture;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CompressedInput, ToldByMagicNotByName) {
  EXPECT_EQ(compression_of(slurp(fixture("sample.heaptrack.zst"))), Compression::kZstd);
  EXPECT_EQ(compression_of(slurp(fixture("sample-raw.heaptrack.gz"))), Compression::kGzip);
  EXPECT_EQ(compression_of(slurp(fixture("sample.heaptrack"))), Compression::kNone);
  EXPECT_EQ(compression_of("\x28\xb5\x2f"), Compression::kNone);  // too short to be a frame's magic
}

TEST(CompressedInput, DecompressedTextIsTheFilesText) {
  EXPECT_EQ(std::string(TraceText(fixture("sample.heaptrack.zst")).text()), slurp(fixture("sample.heaptrack")));
  EXPECT_EQ(std::string(TraceText(fixture("sample-raw.heaptrack.gz")).text()), slurp(fixture("sample-raw.heaptrack")));
  // The head that detection sees, and load_trace's whole path.
  EXPECT_EQ(read_text_head(fixture("sample.heaptrack.zst"), 9), "v 10400 3");
  EXPECT_EQ(trace_format_of(fixture("sample-raw.heaptrack.gz")), "heaptrack");
  EXPECT_EQ(load_trace(fixture("sample.heaptrack.zst")).events.size(), 22u);
}

TEST(CompressedInput, TruncatedAndCorruptDataIsRefused) {
  const std::string zst = slurp(fixture("sample.heaptrack.zst"));
  const std::string gz = slurp(fixture("sample-raw.heaptrack.gz"));
  expect_trace_error([&] { decompress(zst.substr(0, zst.size() - 9), Compression::kZstd, "mem"); },
                     "mem: the zstd data ends in the middle of a frame after " + std::to_string(zst.size() - 9) +
                         " compressed bytes (a truncated file?)");
  expect_trace_error([&] { decompress(gz.substr(0, gz.size() - 4), Compression::kGzip, "mem"); },
                     "mem: the gzip data ends before its end marker after " + std::to_string(gz.size() - 4) +
                         " compressed bytes (a truncated file?)");
  std::string bad = zst;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x5a);
  try {
    decompress(bad, Compression::kZstd, "mem");
    ADD_FAILURE() << "corrupt zstd accepted";
  } catch (const TraceError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("mem: zstd data is corrupt at or before compressed byte "))
        << e.what();
  }
  bad = gz;
  bad[bad.size() - 6] = static_cast<char>(bad[bad.size() - 6] ^ 0x5a);  // the CRC
  try {
    decompress(bad, Compression::kGzip, "mem");
    ADD_FAILURE() << "corrupt gzip accepted";
  } catch (const TraceError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("mem: gzip data is corrupt at or before compressed byte "))
        << e.what();
  }
  // Cut before its first block: even the head that detection asks for says why.
  const std::string cut =
      (std::filesystem::temp_directory_path() / ("hr-cut-" + std::to_string(::getpid()) + ".zst")).string();
  {
    std::ofstream out(cut, std::ios::binary);
    out << zst.substr(0, 40);
  }
  expect_trace_error(
      [&] { read_text_head(cut, 100); },
      cut + ": the zstd data ends in the middle of a frame after 40 compressed bytes (a truncated file?)");
  std::remove(cut.c_str());
  // Data after the last frame or member is not a trace either.
  EXPECT_THROW(decompress(zst + "tail", Compression::kZstd, "mem"), TraceError);
  EXPECT_THROW(decompress(gz + "tail", Compression::kGzip, "mem"), TraceError);
  // Two members one after the other are one text, as gunzip reads them.
  EXPECT_EQ(decompress(gz + gz, Compression::kGzip, "mem"),
            slurp(fixture("sample-raw.heaptrack")) + slurp(fixture("sample-raw.heaptrack")));
}

TEST(CompressedInput, ABombStopsAtTheLimitSayingSo) {
  // 2 KB of zstd that is 64 MiB of zeros, 8 KB of gzip that is 8 MiB.
  const std::string zst = slurp(fixture("bomb-64mib.zst"));
  const std::string gz = slurp(fixture("bomb-8mib.gz"));
  const std::string why =
      "mem: decompresses to more than 1 MiB, the limit for a compressed trace (decompress it to a file and read that "
      "instead)";
  expect_trace_error([&] { decompress(zst, Compression::kZstd, "mem", 1 << 20); }, why);
  expect_trace_error([&] { decompress(gz, Compression::kGzip, "mem", 1 << 20); }, why);
  EXPECT_EQ(decompress(gz, Compression::kGzip, "mem", 8 << 20).size(), std::size_t{8} << 20);  // exactly the limit
  // The head of a bomb is cheap: detection reads only what it needs.
  EXPECT_EQ(read_text_head(fixture("bomb-64mib.zst"), 100), std::string(100, '\0'));
  EXPECT_EQ(kMaxDecompressedBytes, std::uint64_t{4} << 30);
}

TEST(CompressedInput, ACompressedHrtIsRefusedSayingWhy) {
  expect_trace_error([&] { load_trace(fixture("magic-only.hrt.zst")); },
                     fixture("magic-only.hrt.zst") +
                         ": is a zstd-compressed .hrt trace: decompress it first (.hrt files are read in place)");
}

}  // namespace
}  // namespace heapreplay
