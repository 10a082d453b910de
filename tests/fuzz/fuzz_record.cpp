// libFuzzer target: the reader of raw recordings (traces/readers/record_reader.h)
// and its causal merge of the thread streams, as `heapreplay record` runs them
// once the program has exited: list the images of the recording folder, read
// each into a trace. The input becomes one image's files (record_input.h); an
// accepted trace must pass the checks of fuzz_support.h, text round trip
// included (the merge builds it with a TraceBuilder).
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "record_input.h"
#include "traces/readers/record_reader.h"

using namespace heapreplay;

namespace {

// A private folder for the whole run, on tmpfs where there is one, removed
// at exit. Its path lives in static storage that is never destroyed, so the
// exit handler can still read it.
char g_dir[4096];

const char* recording_dir() {
  if (g_dir[0] == '\0') {
    const char* tmp = std::getenv("TMPDIR");
    const std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp && *tmp ? tmp : "/tmp");
    const std::string tmpl = base + "/heapreplay-fuzz-record-XXXXXX";
    if (tmpl.size() >= sizeof g_dir) fuzz::fail("TMPDIR is too long");
    std::memcpy(g_dir, tmpl.c_str(), tmpl.size() + 1);
    if (!::mkdtemp(g_dir)) fuzz::fail("mkdtemp failed");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(g_dir, ec);
    });
  }
  return g_dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string dir = recording_dir();
  const std::string image = dir + "/4242.0";
  if (!fuzz::write_recording(fuzz::recording_from_input(data, size), image)) fuzz::fail("cannot write " + image);

  std::vector<RecordedImage> images;
  try {
    images = list_recorded_images(dir);
  } catch (const TraceError&) {
    fuzz::fail("the recording folder itself could not be read");
  }
  for (const RecordedImage& img : images) {
    RecordingStats stats;
    Trace t;
    try {
      t = read_recorded_image(img, &stats);
    } catch (const TraceError&) {
      continue;  // refused in one line: what `heapreplay record` prints
    }
    fuzz::check_trace(t);
    // Every event comes from a call's record: one each, two for a realloc to
    // 0 that returned a block (freed, then a malloc(0)).
    if (t.events.size() > 2 * stats.records)
      fuzz::fail(std::to_string(t.events.size()) + " events from " + std::to_string(stats.records) + " records");
  }
  return 0;
}
