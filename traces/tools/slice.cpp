// Slicing a trace (see slice.h).
#include "traces/tools/slice.h"

#include <algorithm>
#include <stdexcept>

#include "traces/tools/source_objects.h"

namespace heapreplay {

Trace slice_trace(const Trace& source, const SliceOptions& options, SliceReport* report) {
  SliceReport r;
  const TraceView v = source.view();
  const std::uint64_t n = v.events.size();
  const std::uint64_t end = std::min(options.end_event, n);
  const std::uint64_t begin = std::min(options.begin_event, end);
  r.events_in_range = end - begin;

  TraceBuilder b(source.format, ReusePolicy::kLeakOld);
  for (std::uint32_t t = 0; t < std::max<std::uint32_t>(source.thread_count, 1); ++t) b.declare_thread(t);
  SourceObjects objects(v.object_count);
  // Per slot: the event that gave birth to the object, the block's current
  // size, thread and making event, and whether the output knows the object.
  std::vector<std::uint64_t> born_at(v.object_count, 0), size(v.object_count, 0);
  std::vector<std::uint16_t> thread(v.object_count, 0);
  std::vector<Event> made_by(v.object_count);
  std::vector<bool> in_output(v.object_count, false);

  auto track = [&](const Event& e, const SourceStep& s, std::uint64_t i) {
    if (s.null || (!s.born && !(e.op == Op::kRealloc && s.had && e.size != 0))) return;
    if (s.born) {
      born_at[e.id] = i;
      made_by[e.id] = e;
      in_output[e.id] = false;
    }
    size[e.id] = e.size;
    thread[e.id] = e.thread;
  };
  for (std::uint64_t i = 0; i < begin; ++i) track(v.events[i], objects.apply(v.events[i]), i);

  std::vector<std::uint32_t> live_slots;
  auto collect_live = [&] {
    live_slots.clear();
    for (std::uint32_t id = 0; id < v.object_count; ++id)
      if (objects.live(id)) live_slots.push_back(id);
    std::sort(live_slots.begin(), live_slots.end(), [&](std::uint32_t a, std::uint32_t c) {
      return born_at[a] < born_at[c] || (born_at[a] == born_at[c] && a < c);
    });
  };
  collect_live();
  r.prior_objects = live_slots.size();
  if (options.prior == SliceOptions::Prior::kAllocate && begin < end) {
    std::uint64_t t0 = time_of(v, begin);
    for (std::uint32_t id : live_slots) {
      Event e = made_by[id];
      if (e.op == Op::kRealloc) e.op = Op::kMalloc;  // its block came from a realloc: a plain allocation now
      emit_birth(b, e, objects.key(id), size[id], thread[id], t0);
      in_output[id] = true;
    }
  }

  std::uint64_t last_time = begin < end ? time_of(v, begin) : TraceBuilder::kNoTime;
  for (std::uint64_t i = begin; i < end; ++i) {
    const Event& e = v.events[i];
    bool known = e.id != kNoObject && in_output[e.id];
    SourceStep s = objects.apply(e);
    last_time = time_of(v, i);
    if (s.had && !known) {
      // An object from before the slice that the output never allocated.
      if (e.op == Op::kRealloc && e.size != 0) {
        ++r.fresh_reallocs;
        b.realloc(std::nullopt, s.key, e.size, e.thread, last_time);
        in_output[e.id] = true;
        track(e, s, i);
        born_at[e.id] = i;
        continue;
      }
      if (!s.born) {
        ++r.dropped_events;
        continue;
      }
    }
    emit_step(b, e, s, e.size, e.thread, last_time);
    track(e, s, i);
    if (s.born) in_output[e.id] = true;
  }

  if (options.close) {
    collect_live();
    for (std::uint32_t id : live_slots) {
      if (!in_output[id]) continue;
      b.free(objects.key(id), thread[id], last_time);
      ++r.closed_objects;
    }
  }
  if (report) *report = r;
  Trace out = b.finish();
  out.format = source.format;
  return out;
}

std::pair<std::uint64_t, std::uint64_t> event_range_of_time(const Trace& source, std::uint64_t begin_ns,
                                                            std::uint64_t end_ns) {
  if (source.timestamps_ns.empty()) throw std::invalid_argument("the trace has no timestamps: slice it by events");
  const auto& ts = source.timestamps_ns;
  std::uint64_t first = ts.size(), last = 0;
  for (std::uint64_t i = 0; i < ts.size(); ++i)
    if (ts[i] >= begin_ns) {
      first = i;
      break;
    }
  for (std::uint64_t i = ts.size(); i-- > first;)
    if (ts[i] < end_ns) {
      last = i + 1;
      break;
    }
  if (first >= last) return {0, 0};
  return {first, last};
}

}  // namespace heapreplay
