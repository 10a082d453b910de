// The checks every trace reader's result must pass, shared by the libFuzzer
// targets (tests/fuzz/fuzz_support.h aborts on a failed one) and the unit
// tests that throw truncated and mutated input at the readers
// (tests/traces/*_reader_test.cpp, trace_fuzz_regressions_test.cpp): what an
// accepted trace must satisfy, and what a refusal must say. No GoogleTest
// here, so that the fuzz targets can include it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "traces/readers/text_reader.h"
#include "traces/readers/text_writer.h"
#include "traces/readers/trace_format.h"
#include "traces/thread_summary.h"
#include "traces/trace.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"
#include "traces/writers/trace_export.h"

namespace heapreplay::test {

// Same events in the same order: ops, sizes, aux and timestamps alike, and
// the slots and threads of one trace mapped one to one onto the other's (a
// reader numbers them its own way). "" when they are, else the first
// difference.
inline std::string event_difference(const Trace& a, const Trace& b) {
  if (a.events.size() != b.events.size())
    return std::to_string(a.events.size()) + " events against " + std::to_string(b.events.size());
  if (a.timestamps_ns != b.timestamps_ns) return "the timestamps differ";
  std::map<std::uint32_t, std::uint32_t> slot, thread;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const Event& x = a.events[i];
    const Event& y = b.events[i];
    const std::string at = "event " + std::to_string(i) + ": ";
    if (x.op != y.op || x.size != y.size || x.aux != y.aux) return at + "op, size or aux differs";
    if (auto [it, fresh] = thread.emplace(x.thread, y.thread); !fresh && it->second != y.thread)
      return at + "thread differs";
    if ((x.id == kNoObject) != (y.id == kNoObject)) return at + "free(NULL) on one side only";
    if (x.id == kNoObject) continue;
    const bool allocates = x.op == Op::kMalloc || x.op == Op::kCalloc || x.op == Op::kAligned;
    auto it = slot.find(x.id);
    if (allocates || it == slot.end()) {
      slot[x.id] = y.id;  // an allocation, or a realloc(NULL), starts the object
    } else if (it->second != y.id) {
      return at + "slot differs";
    }
  }
  return {};
}

// Every export of `heapreplay convert --to` that says it can hold `t`
// (traces/writers/trace_export.h) must give it back through its format's
// reader. "" when each does, else which did not and how.
inline std::string export_problem(const Trace& t) {
  for (const TraceExport& x : trace_exports()) {
    if (!x.losses(t.view()).empty()) continue;
    const std::optional<TraceFormat> format = format_from_name(x.name);
    if (!format) return std::string("export ") + x.name + " has no reader";
    std::string text;
    x.write(t.view(), text);
    Trace back;
    try {
      back = format_info(*format).read(text, "exported");
    } catch (const TraceError& e) {
      return std::string("the ") + x.name + " export does not read back: " + e.what();
    }
    if (std::string d = event_difference(t, back); !d.empty()) return std::string("the ") + x.name + " export: " + d;
  }
  return {};
}

// What every reader promises about the trace it returns (trace.h, event.h):
// ids in range (kNoObject only for free(NULL)), threads in range, valid ops,
// timestamps absent or one per event. Then the summaries `info` prints, and a
// round trip through heapreplay-text, which must give the same events back
// (text_writer.h) for a trace a TraceBuilder made, i.e. from every text
// reader, and through every export that says it can hold the trace
// (export_problem). An .hrt file is validated for what replay relies on, not for
// making sense as a program (a free of an empty slot is a free(NULL) to
// replay), so `round_trip` is false for it. Returns "" when all holds, else
// what did not.
inline std::string trace_problem(const Trace& t, bool round_trip = true) {
  if (!t.timestamps_ns.empty() && t.timestamps_ns.size() != t.events.size()) return "timestamps do not match events";
  if (!t.events.empty() && t.thread_count == 0) return "events but no thread";
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    bool ok = static_cast<unsigned>(e.op) < kOpCount && e.thread < t.thread_count &&
              (e.id < t.object_count || (e.id == kNoObject && e.op == Op::kFree));
    if (!ok) return "event " + std::to_string(i) + " is out of range";
  }
  TraceSummary s = summarize(t.view());
  ThreadSummary ts = summarize_threads(t.view());
  if (s.events != t.events.size() || ts.events_per_thread.size() != t.thread_count) return "summary disagrees";
  if (!round_trip) return {};

  std::string text;
  write_text(t.view(), text);
  Trace back;
  try {
    back = read_text(text, "round-trip");
  } catch (const TraceError& e) {
    return std::string("write_text's output does not read back: ") + e.what();
  }
  if (back.events.size() != t.events.size()) return "text round trip changed the event count";
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& a = t.events[i];
    const Event& b = back.events[i];
    if (a.op != b.op || a.size != b.size || a.aux != b.aux || a.thread != b.thread || a.id != b.id)
      return "text round trip changed event " + std::to_string(i);
  }
  if (back.timestamps_ns != t.timestamps_ns) return "text round trip changed the timestamps";
  return export_problem(t);
}

// How many lines a text reader numbers in `text`: a final line without a
// '\n' counts, a final '\n' starts no new one (traces/readers/text_scan.h).
inline std::uint64_t line_count(std::string_view text) {
  std::uint64_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

// What every refusal promises (traces/trace_error.h): what() is one line of
// printable text, `PATH: message` about the whole input or `PATH:LINE:
// message` naming one of its `lines` lines (pass 0 for a binary input, which
// has none: its messages name a byte offset, a record or an event instead).
// Returns "" when all holds, else what did not.
inline std::string refusal_problem(const TraceError& e, const std::string& path, std::uint64_t lines) {
  const std::string what = e.what();
  if (e.path() != path) return "names " + e.path() + " instead of " + path + ": " + what;
  if (e.message().empty()) return "an empty message: " + what;
  for (char c : what)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return "not one line of printable text: " + what;
  if (e.line() > lines)
    return "names line " + std::to_string(e.line()) + " of an input of " + std::to_string(lines) + " lines: " + what;
  const std::string place = e.line() == 0 ? path : path + ":" + std::to_string(e.line());
  if (what != place + ": " + e.message()) return "not in the form 'PATH[:LINE]: message': " + what;
  return {};
}

}  // namespace heapreplay::test
