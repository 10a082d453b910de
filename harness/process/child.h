// The child side of a run: one (trace, allocator) replay in a fresh process,
// reported as one JSON RunResult on a pipe. The driver (spawn.h) starts it as
// `heapreplay __run ...` with the allocator's library preloaded.
#pragma once

#include <cstdint>
#include <string>

namespace heapreplay {

// sample_every / latency_every value meaning "choose for this trace".
inline constexpr std::uint64_t kAutomatic = ~std::uint64_t{0};

struct ChildRequest {
  std::string trace_path;  // an .hrt file
  std::string allocator;   // the spec text
  std::string touch = "pages";
  bool validate = false;
  std::uint64_t memory_limit_bytes = 0;      // RLIMIT_DATA for the run (0: none)
  std::uint64_t sample_every = kAutomatic;   // events between memory samples (0: none; automatic: ~300 samples)
  std::uint64_t latency_every = kAutomatic;  // time every k-th event (0: none; automatic: 101)
  bool serial = false;                       // replay a multi-threaded trace on one thread, in trace order
  std::string pace = "fast";                 // fast | recorded (multi-threaded replays follow the timestamps)
  std::uint64_t malloc_alignment = 1;        // what malloc, calloc and realloc ask for (1: the allocator's own)
  std::uint64_t window_events = 0;           // events read at a time (0: HrtEventStream's default)
  int result_fd = 3;                         // where the RunResult JSON goes
};

// A --malloc-alignment: 1 (the allocator's natural alignment) or a power of
// two up to a page.
inline bool valid_malloc_alignment(std::uint64_t a) { return a != 0 && a <= 4096 && (a & (a - 1)) == 0; }

// Exit codes of the child.
inline constexpr int kChildOk = 0;
inline constexpr int kChildRunFailed = 1;   // result written with status "failed"
inline constexpr int kChildBadRequest = 2;  // nothing run; message on stderr

// Runs the replay and writes the result. Never throws.
int run_child(const ChildRequest& request);

}  // namespace heapreplay
