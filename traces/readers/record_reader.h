// Reader for the raw recordings libhr_record.so writes (`heapreplay record`):
// a folder per process image, a file of 32-byte records per thread (layout:
// traces/record_format.h, traces/FORMAT.md "Raw recordings").
//
// The threads' streams are merged into one trace in causal order. Each
// thread's own records stay in program order; across threads, records go by
// their time (CLOCK_MONOTONIC, or TSC ticks turned into ns through the clock
// pairs the recording holds), which the recorder takes *after* a call that
// returns a block and *before* a free, so a free is always timed before any
// allocation that could have reused its block. Where times alone would still
// put an allocation of an address before the free that released it (equal
// times, or a realloc timed at its end that released its old block earlier),
// the allocation waits for that free: the trace never has an address handed
// out while its previous object is still live, nor a free before its
// allocation.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

// One process image of a recording (a process, or what it became after exec).
struct RecordedImage {
  std::string dir;  // the image's folder
  std::uint32_t pid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t image = 0;  // 0, then 1 after an exec, ...
  bool forked = false;      // a forked child that had not exec'd
  std::string exe;          // the executable, as /proc/self/exe said
  std::uint32_t page_bytes = 4096;
  std::uint64_t base_ns = 0;      // CLOCK_MONOTONIC when recording began; trace times count from here
  std::uint64_t realtime_ns = 0;  // CLOCK_REALTIME at the same moment
  std::uint32_t clock = 0;        // hr_record_clock: what the records' times count
  std::uint64_t base_ticks = 0;   // HR_CLOCK_TSC: the TSC at base_ns; record times count from here
  // HR_CLOCK_TSC: the process header's (TSC, CLOCK_MONOTONIC) pairs as
  // written (the base, the calibration pair, the exit pair if any).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> clock_pairs;
  std::string error;  // non-empty: recording stopped early, and why
};

// What merging the threads met, beyond ImportStats.
struct RecordingStats {
  std::uint64_t records = 0;      // calls read
  std::uint64_t dropped = 0;      // calls made inside the recorder (signal handlers), not recorded
  std::uint64_t waited = 0;       // allocations ordered after a later-timed free of their address
  std::uint64_t forced = 0;       // allocations of a live address whose free never came (the old object is
                                  // freed first, as TraceBuilder's kFreeOld says; also in reused_live)
  std::uint64_t clock_pairs = 0;  // HR_CLOCK_TSC: (ticks, ns) pairs the tick-to-ns scale went through
};

// The images of a recording folder, ordered by pid, then image. Folders that
// are not images (no valid process file) are skipped. Throws TraceError
// `DIR: ...` when the folder cannot be read.
std::vector<RecordedImage> list_recorded_images(const std::string& recording_dir);

// Reads one image into a trace (format "record"): thread indexes in the
// order the threads first appear in the merged trace, timestamps in ns since base_ns, object
// keys by address (ReusePolicy::kFreeOld). Throws TraceError `FILE: what` for
// a thread file that is not one. Pure function of the files: any number of
// threads may read at once.
Trace read_recorded_image(const RecordedImage& image, RecordingStats* stats = nullptr);

}  // namespace heapreplay
