// The raw-recording reader on recordings made by hand: file layout, how each
// record becomes events, and the causal merge of thread streams (address
// reuse across threads, ties, lost frees, waits that cannot end).
#include "traces/readers/record_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "trace_test_util.h"
#include "traces/record_format.h"
#include "traces/thread_summary.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

namespace fs = std::filesystem;

struct Rec {
  unsigned op;
  std::uint64_t time;
  std::uint64_t addr;
  std::uint64_t size = 0;
  std::uint64_t extra = 0;
};

class Recording {
 public:
  Recording() {
    std::string tmpl = (fs::temp_directory_path() / "hrrec-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
  }
  ~Recording() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // A TSC recording's process header pairs: record times count ticks from
  // base_ticks; calib (and exit, when its ticks are not 0) are (ticks, ns)
  // as the library writes them, absolute.
  struct Tsc {
    std::uint64_t base_ticks;
    std::pair<std::uint64_t, std::uint64_t> calib;
    std::pair<std::uint64_t, std::uint64_t> exit{0, 0};
  };

  // Writes an image folder with a process header; returns its path.
  std::string image(std::uint32_t pid, std::uint32_t image = 0, std::uint32_t error_errno = 0,
                    const Tsc* tsc = nullptr) {
    std::string dir = root_ + "/" + std::to_string(pid) + "." + std::to_string(image);
    fs::create_directory(dir);
    hr_process_header h{};
    std::memcpy(h.magic, HR_RECORD_PROCESS_MAGIC, 8);
    h.version = HR_RECORD_VERSION;
    h.pid = pid;
    h.ppid = 1;
    h.image = image;
    h.page_bytes = 4096;
    h.base_ns = 1000;
    h.error_errno = error_errno;
    h.error_where = error_errno ? HR_ERROR_EXTEND : 0;
    std::strcpy(h.exe, "/usr/bin/example");
    if (tsc) {
      h.clock = HR_CLOCK_TSC;
      h.base_ticks = tsc->base_ticks;
      h.calib_ticks = tsc->calib.first;
      h.calib_ns = tsc->calib.second;
      h.exit_ticks = tsc->exit.first;
      h.exit_ns = tsc->exit.second;
    }
    std::string bytes(HR_RECORD_PROCESS_FILE_BYTES, '\0');
    std::memcpy(bytes.data(), &h, sizeof h);
    std::ofstream(dir + "/process", std::ios::binary) << bytes;
    return dir;
  }

  // A record as the library stores it: its hr_record_words(op) words (two
  // for an op that does not exist).
  static std::string encode(const Rec& r) {
    const std::uint64_t words[4] = {static_cast<std::uint64_t>(r.op) | (r.time << 8), r.addr, r.size, r.extra};
    const unsigned n = hr_record_words(r.op) ? hr_record_words(r.op) : 2;
    return std::string(reinterpret_cast<const char*>(words), n * sizeof(std::uint64_t));
  }

  // Writes thread-<seq> with these records (a record that would cross a chunk
  // boundary goes after a pad word, as the library does) and `zero_tail`
  // unwritten words after them.
  static void thread(const std::string& dir, std::uint32_t seq, const std::vector<Rec>& recs, std::size_t zero_tail = 3,
                     std::pair<std::uint64_t, std::uint64_t> start = {0, 0}) {
    hr_thread_header h{};
    h.start_ticks = start.first;
    h.start_ns = start.second;
    std::memcpy(h.magic, HR_RECORD_THREAD_MAGIC, 8);
    h.version = HR_RECORD_VERSION;
    h.word_bytes = sizeof(std::uint64_t);
    h.tid = 100 + seq;
    h.seq = seq;
    std::string bytes(sizeof h, '\0');
    std::memcpy(bytes.data(), &h, sizeof h);
    for (const Rec& r : recs) {
      std::string e = encode(r);
      std::size_t left = HR_RECORD_CHUNK_BYTES - bytes.size() % HR_RECORD_CHUNK_BYTES;
      if (left < e.size()) {
        bytes += encode({HR_OP_PAD, 0, 0});
        bytes.append(left - sizeof(std::uint64_t), '\0');
      }
      bytes += e;
    }
    bytes.append(zero_tail * sizeof(std::uint64_t), '\0');
    std::ofstream(dir + "/thread-" + std::to_string(seq), std::ios::binary) << bytes;
  }

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// "" when every allocation takes an empty slot and every free or realloc of a
// slot finds it holding an object (realloc of an empty slot is
// realloc(NULL)); else the first event that breaks that.
std::string consistency_error(const Trace& t) {
  std::vector<bool> live(t.object_count, false);
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.id == kNoObject) continue;
    switch (e.op) {
      case Op::kMalloc:
      case Op::kCalloc:
      case Op::kAligned:
        if (live[e.id]) return "event " + std::to_string(i) + " allocates into a live slot";
        live[e.id] = true;
        break;
      case Op::kRealloc: live[e.id] = e.size != 0; break;
      case Op::kFree:
        if (!live[e.id]) return "event " + std::to_string(i) + " frees an empty slot";
        live[e.id] = false;
        break;
    }
  }
  return "";
}

Trace read_one(const std::string& root, RecordingStats* stats = nullptr) {
  auto images = list_recorded_images(root);
  EXPECT_EQ(images.size(), 1u);
  return read_recorded_image(images.at(0), stats);
}

// Events as "thread:op:id:size" for compact comparisons.
std::vector<std::string> shape(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events)
    out.push_back(std::to_string(e.thread) + ":" + op_name(e.op) + ":" +
                  (e.id == kNoObject ? std::string("-") : std::to_string(e.id)) + ":" + std::to_string(e.size));
  return out;
}

TEST(RecordReader, ListsImagesInOrderAndSkipsOtherFolders) {
  Recording r;
  r.image(300, 1);
  r.image(20);
  r.image(300, 0, ENOSPC);
  fs::create_directory(r.root() + "/not-an-image");
  auto images = list_recorded_images(r.root());
  ASSERT_EQ(images.size(), 3u);
  EXPECT_EQ(images[0].pid, 20u);
  EXPECT_EQ(images[1].pid, 300u);
  EXPECT_EQ(images[1].image, 0u);
  EXPECT_EQ(images[2].image, 1u);
  EXPECT_EQ(images[0].exe, "/usr/bin/example");
  EXPECT_TRUE(images[0].error.empty());
  EXPECT_EQ(images[1].error, std::string("growing a thread file: ") + std::strerror(ENOSPC));
}

TEST(RecordReader, EachCallBecomesItsEvent) {
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0,
                    {{HR_OP_MALLOC, 10, 0x1000, 24},
                     {HR_OP_CALLOC, 11, 0x2000, 4, 8},
                     {HR_OP_REALLOC, 12, 0x3000, 100, 0x1000},
                     {HR_OP_REALLOC, 13, 0x4000, 50, 0},  // realloc(NULL, 50)
                     {HR_OP_MEMALIGN, 14, 0x5000, 100, 64},
                     {HR_OP_POSIX_MEMALIGN, 15, 0x6000, 100, 128},
                     {HR_OP_ALIGNED_ALLOC, 16, 0x7000, 256, 256},
                     {HR_OP_VALLOC, 17, 0x8000, 10, 4096},
                     {HR_OP_PVALLOC, 18, 0x9000, 5000, 4096},
                     {HR_OP_FREE, 19, 0},  // free(NULL)
                     {HR_OP_FREE, 20, 0x2000},
                     {HR_OP_REALLOC, 21, 0, 0, 0x3000},        // realloc(p, 0): frees p
                     {HR_OP_MALLOC, 22, 0, 1 << 30},           // failed
                     {HR_OP_POSIX_MEMALIGN, 23, 0, 10, 3},     // failed (EINVAL)
                     {HR_OP_REALLOC, 24, 0, 1 << 30, 0x4000},  // failed: 0x4000 stays
                     {HR_OP_DROPPED, 25, 2},                   // the count is in addr's word
                     {HR_OP_FREE, 26, 0x4000}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(t.format, "record");
  ASSERT_EQ(t.events.size(), 13u);
  EXPECT_EQ(t.events[0].op, Op::kMalloc);
  EXPECT_EQ(t.events[1].op, Op::kCalloc);
  EXPECT_EQ(t.events[1].size, 32u);
  EXPECT_EQ(t.events[2].op, Op::kRealloc);
  EXPECT_EQ(t.events[2].id, t.events[0].id);
  EXPECT_EQ(t.events[2].size, 100u);
  EXPECT_EQ(t.events[3].op, Op::kRealloc);  // realloc(NULL): a slot that held nothing
  EXPECT_EQ(t.events[4].aligned_kind(), AlignedKind::kMemalign);
  EXPECT_EQ(t.events[4].alignment(), 64u);
  EXPECT_EQ(t.events[5].aligned_kind(), AlignedKind::kPosixMemalign);
  EXPECT_EQ(t.events[6].aligned_kind(), AlignedKind::kAlignedAlloc);
  EXPECT_EQ(t.events[7].aligned_kind(), AlignedKind::kValloc);
  EXPECT_EQ(t.events[7].alignment(), 4096u);
  EXPECT_EQ(t.events[8].size, 8192u);  // pvalloc: whole pages
  EXPECT_EQ(t.events[9].id, kNoObject);
  EXPECT_EQ(t.events[10].op, Op::kFree);
  EXPECT_EQ(t.events[11].op, Op::kRealloc);
  EXPECT_EQ(t.events[11].size, 0u);
  EXPECT_EQ(t.events[12].op, Op::kFree);
  EXPECT_EQ(t.import.failed_in_source, 3u);
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.import.source_lines, 17u);
  EXPECT_EQ(stats.dropped, 2u);
  ASSERT_EQ(t.timestamps_ns.size(), t.events.size());
  EXPECT_EQ(t.timestamps_ns[0], 10u);
  EXPECT_EQ(t.timestamps_ns[12], 26u);
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, ThreadsMergeByTimeAndCrossThreadFreesAreKept) {
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}, {HR_OP_MALLOC, 30, 0xB0, 8}, {HR_OP_FREE, 50, 0xC0}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 20, 0xC0, 8}, {HR_OP_FREE, 40, 0xA0}, {HR_OP_FREE, 60, 0xB0}});
  Trace t = read_one(r.root());
  EXPECT_EQ(shape(t), (std::vector<std::string>{"0:malloc:0:8", "1:malloc:1:8", "0:malloc:2:8", "1:free:0:0",
                                                "0:free:1:0", "1:free:2:0"}));
  EXPECT_EQ(t.thread_count, 2u);
  ThreadSummary ts = summarize_threads(t.view());
  EXPECT_EQ(ts.cross_thread_frees, 3u);
  EXPECT_EQ(ts.events_per_thread, (std::vector<std::uint64_t>{3, 3}));
}

TEST(RecordReader, AReuseTimedBeforeTheReallocThatReleasedItWaitsForIt) {
  // Thread 0's realloc moved 0xA0 to 0xB0 and is timed at its end (100);
  // thread 1 was handed 0xA0 inside that window (timed 90).
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}, {HR_OP_REALLOC, 100, 0xB0, 64, 0xA0}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 90, 0xA0, 16}, {HR_OP_MALLOC, 95, 0xD0, 16}, {HR_OP_FREE, 120, 0xA0}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(shape(t), (std::vector<std::string>{"0:malloc:0:8", "0:realloc:0:64", "1:malloc:1:16", "1:malloc:2:16",
                                                "1:free:1:0"}));
  EXPECT_EQ(t.import.reused_live, 0u);
  EXPECT_EQ(stats.waited, 1u);
  EXPECT_EQ(stats.forced, 0u);
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, AtEqualTimesAnAllocationGoesBeforeAFreeAndWaitsWhenItMust) {
  Recording r;
  std::string dir = r.image(1);
  // 0xA0: thread 1 frees it at 50 while thread 0 is handed it at 50 (reuse);
  // 0xB0: thread 0 allocates at 70 and thread 1 frees it at 70.
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 50, 0xA0, 8}, {HR_OP_MALLOC, 70, 0xB0, 8}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 10, 0xA0, 8}, {HR_OP_FREE, 50, 0xA0}, {HR_OP_FREE, 70, 0xB0}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  // Thread indexes go by first appearance: file 1 called first, so it is thread 0.
  EXPECT_EQ(shape(t),
            (std::vector<std::string>{"0:malloc:0:8", "0:free:0:0", "1:malloc:0:8", "1:malloc:1:8", "0:free:1:0"}));
  EXPECT_EQ(t.import.reused_live, 0u);
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(stats.waited, 1u);
}

TEST(RecordReader, AnAddressReusedWithNoFreeRecordedFreesTheOldObjectFirst) {
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 20, 0xA0, 16}, {HR_OP_MALLOC, 30, 0xE0, 16}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(shape(t), (std::vector<std::string>{"0:malloc:0:8", "1:free:0:0", "1:malloc:0:16", "1:malloc:1:16"}));
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(stats.forced, 1u);
  EXPECT_EQ(stats.waited, 0u);
}

TEST(RecordReader, AnAllocationDoesNotWaitForItsOwnThreadsLaterFree) {
  // Thread 0 is handed 0xA0 twice and frees it only later itself (a free was
  // lost): that later free can never come first, so there is no wait.
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}, {HR_OP_MALLOC, 20, 0xA0, 8}, {HR_OP_FREE, 30, 0xA0}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 25, 0xF0, 8}, {HR_OP_FREE, 26, 0xF0}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(t.events.size(), 6u);  // 5 records + the free kFreeOld inserts
  EXPECT_EQ(stats.forced, 1u);
  EXPECT_EQ(stats.waited, 0u);
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(consistency_error(t), "");
}

// Two threads each wait for a free the other makes only after its own wait
// (a recording that lost frees can say that): a cycle.
void write_cycle(const std::string& dir) {
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}, {HR_OP_MALLOC, 20, 0xB0, 8}, {HR_OP_FREE, 30, 0xA0}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 5, 0xB0, 8}, {HR_OP_MALLOC, 25, 0xA0, 8}, {HR_OP_FREE, 500'000'000, 0xB0}});
}

TEST(RecordReader, AWaitingCycleIsCutWhenEveryStreamWaits) {
  Recording r;
  std::string dir = r.image(1);
  write_cycle(dir);
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(stats.waited, 2u);
  EXPECT_EQ(stats.forced, 1u);  // the oldest wait goes first; that unblocks the other
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.events.size(), 7u);
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, AWaitThatOutlastsASecondOfRecordedTimeIsCut) {
  // The same cycle, while a third thread keeps going for three seconds.
  Recording r;
  std::string dir = r.image(1);
  write_cycle(dir);
  std::vector<Rec> busy;
  for (std::uint64_t k = 0; k < 30; ++k) {
    busy.push_back({HR_OP_MALLOC, 100 + k * 100'000'000, 0x1000 + k * 16, 8});
    busy.push_back({HR_OP_FREE, 100 + k * 100'000'000 + 1, 0x1000 + k * 16});
  }
  Recording::thread(dir, 2, busy);
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(stats.forced, 1u);
  // The waits ended after about a second of the busy thread's events, not at its end.
  std::size_t last_of_cycle = 0;
  for (std::size_t i = 0; i < t.events.size(); ++i)
    if (t.events[i].thread != t.events.back().thread) last_of_cycle = i;
  EXPECT_LT(last_of_cycle, t.events.size() - 20);
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, StreamsEndAtTheFirstUnwrittenRecordAndEmptyFilesAreSkipped) {
  Recording r;
  std::string dir = r.image(1);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}}, 2);
  // A record after the hole is not part of the stream.
  {
    std::ofstream f(dir + "/thread-0", std::ios::binary | std::ios::app);
    f << Recording::encode({HR_OP_FREE, 20, 0xA0});
  }
  std::ofstream(dir + "/thread-1", std::ios::binary) << std::string(64 + 8 * 12, '\0');  // never written
  std::ofstream(dir + "/thread-2", std::ios::binary) << "";                              // just created
  Trace t = read_one(r.root());
  EXPECT_EQ(shape(t), (std::vector<std::string>{"0:malloc:0:8"}));
  EXPECT_EQ(t.thread_count, 1u);
}

TEST(RecordReader, RecordsGoOnInTheNextChunkAfterAPad) {
  // Enough records to fill more than two chunks; the writer pads whenever the
  // next record does not fit in what is left of a chunk.
  Recording r;
  std::string dir = r.image(1);
  std::vector<Rec> recs;
  const std::uint64_t pairs = HR_RECORD_CHUNK_BYTES / (7 * 8) * 2 + 100;  // malloc 3 words + calloc 4 words
  for (std::uint64_t i = 0; i < pairs; ++i) {
    recs.push_back({HR_OP_MALLOC, 10 + 4 * i, 0x1000 + 64 * (i % 1000), 8});
    recs.push_back({HR_OP_FREE, 11 + 4 * i, 0x1000 + 64 * (i % 1000)});
    recs.push_back({HR_OP_CALLOC, 12 + 4 * i, 0x90000 + 64 * (i % 1000), 2, 4});
    recs.push_back({HR_OP_FREE, 13 + 4 * i, 0x90000 + 64 * (i % 1000)});
  }
  Recording::thread(dir, 0, recs);
  ASSERT_GT(fs::file_size(dir + "/thread-0"), 2 * HR_RECORD_CHUNK_BYTES);
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(stats.records, recs.size());
  ASSERT_EQ(t.events.size(), recs.size());
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.timestamps_ns.back(), recs.back().time);
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, DamagedFilesAreRefusedWithTheirName) {
  Recording r;
  std::string dir = r.image(1);
  std::ofstream(dir + "/thread-0", std::ios::binary) << std::string(64, 'x');
  auto images = list_recorded_images(r.root());
  testing::expect_trace_error([&] { read_recorded_image(images.at(0)); },
                              dir + "/thread-0: not a heapreplay thread recording (bad magic)");
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0xA0, 8}, {77, 11, 0, 0}});
  testing::expect_trace_error([&] { read_recorded_image(images.at(0)); },
                              dir + "/thread-0: record 1 has unknown op 77");
  {  // a record cut by the end of the file
    std::ofstream f(dir + "/thread-0", std::ios::binary | std::ios::trunc);
    hr_thread_header h{};
    std::memcpy(h.magic, HR_RECORD_THREAD_MAGIC, 8);
    h.version = HR_RECORD_VERSION;
    h.word_bytes = 8;
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f << Recording::encode({HR_OP_MALLOC, 10, 0xA0, 8}).substr(0, 16);
  }
  testing::expect_trace_error([&] { read_recorded_image(images.at(0)); },
                              dir + "/thread-0: record 0 runs past the end of its chunk");
}

// Base (5000 ticks, 1000 ns); calibration 2000 ticks and 1000 ns later: two
// ticks a ns.
const Recording::Tsc kTwoTicksPerNs{5000, {7000, 2000}};

std::vector<std::uint64_t> times(const Trace& t) { return t.timestamps_ns; }

// The message reading the recording is refused with ("" when it is read).
std::string refusal(const std::string& root) {
  try {
    read_one(root);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

TEST(RecordReader, TscTicksBecomeNanosecondsThroughTheClockPairs) {
  Recording r;
  std::string dir = r.image(1, 0, 0, &kTwoTicksPerNs);
  // A clock pair at tick 6000 since the base (ns 2500 since it): from 2000 to
  // 6000 ticks the TSC ran 4000 ticks in 1500 ns. Past the last pair, the
  // mean rate of the whole span (6000 ticks in 2500 ns).
  Recording::thread(dir, 0,
                    {{HR_OP_MALLOC, 0, 0x1000, 8},
                     {HR_OP_MALLOC, 400, 0x2000, 8},
                     {HR_OP_SYNC, 6000, 1000 + 2500},
                     {HR_OP_FREE, 2000, 0x1000},
                     {HR_OP_FREE, 5000, 0x2000},
                     {HR_OP_MALLOC, 8400, 0x3000, 8}});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  ASSERT_EQ(t.events.size(), 5u);  // the clock pair is not a call
  EXPECT_EQ(stats.records, 5u);
  EXPECT_EQ(stats.clock_pairs, 3u);
  EXPECT_EQ(times(t), (std::vector<std::uint64_t>{0, 200, 1000, 1000 + 3000 * 1500 / 4000, 2500 + 2400 * 2500 / 6000}));
}

TEST(RecordReader, TscThreadStartsAndTheExitPairRefineTheScaleAndOrderTheMerge) {
  Recording r;
  Recording::Tsc tsc = kTwoTicksPerNs;
  tsc.exit = {5000 + 40000, 1000 + 10000};  // the rate falls to 4 ticks a ns after 2000 ticks
  std::string dir = r.image(1, 0, 0, &tsc);
  // Thread 1 starts at tick 22000 (ns 5500 since the base). Ticks: thread 0
  // frees at 21000 (ns 1000 + 19000 * 4500 / 20000 = 5275); thread 1's
  // malloc of the same address at 23000 (5500 + 1000 * 4500 / 18000 = 5750).
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 100, 0x1000, 8}, {HR_OP_FREE, 21000, 0x1000}});
  Recording::thread(dir, 1, {{HR_OP_MALLOC, 23000, 0x1000, 16}, {HR_OP_FREE, 39000, 0x1000}}, 3,
                    {5000 + 22000, 1000 + 5500});
  RecordingStats stats;
  Trace t = read_one(r.root(), &stats);
  EXPECT_EQ(stats.clock_pairs, 4u);
  EXPECT_EQ(shape(t), (std::vector<std::string>{"0:malloc:0:8", "0:free:0:0", "1:malloc:0:16", "1:free:0:0"}));
  EXPECT_EQ(times(t), (std::vector<std::uint64_t>{50, 5275, 5750, 5500 + 17000 * 4500 / 18000}));
  EXPECT_EQ(consistency_error(t), "");
}

TEST(RecordReader, TscTimesOfAYearLongRunAreScaledWithoutOverflow) {
  Recording r;
  // 2.1 ticks a ns; the last tick a record can hold (2^56 - 1) is 397 days in.
  const Recording::Tsc tsc{1'000'000'000'000'000, {1'000'000'000'000'000 + 210'000'000, 1000 + 100'000'000}};
  std::string dir = r.image(1, 0, 0, &tsc);
  const std::uint64_t last = (std::uint64_t{1} << 56) - 1;
  Recording::thread(dir, 0, {{HR_OP_MALLOC, last - 21, 0x1000, 8}, {HR_OP_FREE, last, 0x1000}});
  auto t = times(read_one(r.root()));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0], static_cast<std::uint64_t>(static_cast<unsigned __int128>(last - 21) * 100'000'000 / 210'000'000));
  EXPECT_EQ(t[1] - t[0], 10u);
}

TEST(RecordReader, ATscRecordingWithoutTwoClockPairsIsRefused) {
  Recording r;
  const Recording::Tsc broken{5000, {0, 0}};  // a calibration pair that was never written
  std::string dir = r.image(1, 0, 0, &broken);
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0x1000, 8}});
  EXPECT_NE(refusal(r.root()).find("two clock pairs"), std::string::npos) << "read a TSC recording it cannot time";
  // A pair from a chunk is enough.
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0x1000, 8}, {HR_OP_SYNC, 4000, 1000 + 2000}});
  EXPECT_EQ(times(read_one(r.root())), (std::vector<std::uint64_t>{5}));
}

TEST(RecordReader, AnUnknownClockIsRefused) {
  Recording r;
  std::string dir = r.image(1);
  std::string bytes(HR_RECORD_PROCESS_FILE_BYTES, '\0');
  {
    std::ifstream in(dir + "/process", std::ios::binary);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const std::uint32_t clock = 7;
  std::memcpy(bytes.data() + offsetof(hr_process_header, clock), &clock, sizeof clock);
  std::ofstream(dir + "/process", std::ios::binary) << bytes;
  Recording::thread(dir, 0, {{HR_OP_MALLOC, 10, 0x1000, 8}});
  EXPECT_NE(refusal(r.root()).find("unknown clock 7"), std::string::npos) << "read a recording of an unknown clock";
}

}  // namespace
}  // namespace heapreplay
