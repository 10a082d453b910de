// Resident memory of this process as the kernel counts it (/proc/self/status),
// split so that file-backed pages (the mmapped trace, libraries) can be left
// out of an allocator's figure.
#pragma once

#include <cstdint>

namespace heapreplay {

struct ProcMemory {
  std::uint64_t rss_anon_bytes = 0;   // RssAnon: anonymous resident pages (heaps)
  std::uint64_t rss_file_bytes = 0;   // RssFile: file-backed resident pages
  std::uint64_t rss_shmem_bytes = 0;  // RssShmem
  std::uint64_t hwm_bytes = 0;        // VmHWM: peak of the total since start or the last reset
};

// Reads /proc/self/status; fields it cannot find stay 0.
ProcMemory read_proc_memory();

// Resets VmHWM to the current resident size (writes 5 to
// /proc/self/clear_refs, Linux >= 4.0). Returns false if the kernel refused.
bool reset_peak_rss();

}  // namespace heapreplay
