// EventWindows: where a replay loop takes its events from, a window at a
// time. A trace in memory is one window; a trace file streams in windows of
// a fixed size (traces/hrt_stream.h), so the harness's memory does not grow
// with the trace. The loops stop their clocks while the next window is
// fetched, as they do while a sample is taken.
#pragma once

#include <cstdint>

#include "traces/hrt_stream.h"
#include "traces/trace.h"

namespace heapreplay {

class EventWindows {
 public:
  virtual ~EventWindows() = default;
  // The window loaded, and the index in the trace of its first event.
  virtual TraceView window() const = 0;
  virtual std::uint64_t first() const = 0;
  // Loads the next window; false after the last. May throw (TraceError).
  virtual bool advance() = 0;
  // Events in the whole trace, and the most a window holds.
  virtual std::uint64_t events() const = 0;
  virtual std::uint64_t capacity() const = 0;
};

// A trace in memory: all of it, one window.
class WholeTrace final : public EventWindows {
 public:
  explicit WholeTrace(const TraceView& trace) : trace_(trace) {}
  TraceView window() const override { return trace_; }
  std::uint64_t first() const override { return 0; }
  bool advance() override { return false; }
  std::uint64_t events() const override { return trace_.events.size(); }
  std::uint64_t capacity() const override { return trace_.events.size(); }

 private:
  TraceView trace_;
};

// A trace file, window by window: starts with its first window loaded
// (loading it now, before any baseline is taken).
class StreamedTrace final : public EventWindows {
 public:
  explicit StreamedTrace(HrtEventStream& stream) : s_(stream) {
    s_.rewind();
    s_.next();
  }
  TraceView window() const override { return s_.window(); }
  std::uint64_t first() const override { return s_.window_first(); }
  bool advance() override { return s_.next(); }
  std::uint64_t events() const override { return s_.event_count(); }
  std::uint64_t capacity() const override { return s_.window_capacity(); }

 private:
  HrtEventStream& s_;
};

}  // namespace heapreplay
