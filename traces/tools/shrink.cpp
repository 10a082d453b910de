// Shrinking a trace by delta debugging (see shrink.h).
#include "traces/tools/shrink.h"

#include <algorithm>

#include "traces/tools/source_objects.h"

namespace heapreplay {

namespace {

struct Stopped {};

// The source's events as pieces of object lives: per event, the object it
// belongs to (a free(NULL), or a free of nothing, is an object of its own)
// and whether it made that object.
struct Lives {
  std::vector<std::uint32_t> unit;  // per event
  std::vector<bool> birth;          // per event
  std::uint32_t units = 0;

  explicit Lives(const TraceView& v) : unit(v.events.size()), birth(v.events.size(), false) {
    SourceObjects objects(v.object_count, 0);
    std::vector<std::uint64_t> loose;  // events that touch no live object
    for (std::uint64_t i = 0; i < v.events.size(); ++i) {
      SourceStep s = objects.apply(v.events[i]);
      if (s.born) {
        unit[i] = static_cast<std::uint32_t>(s.key);
        birth[i] = true;
      } else if (s.had) {
        unit[i] = static_cast<std::uint32_t>(s.old_key);
      } else {
        loose.push_back(i);
      }
    }
    units = static_cast<std::uint32_t>(objects.next_key());
    for (std::uint64_t i : loose) unit[i] = units++;
  }
};

class Shrinker {
 public:
  Shrinker(const Trace& source, const ShrinkHooks& hooks)
      : source_(source), view_(source.view()), hooks_(hooks), lives_(view_) {
    keep_unit_.assign(lives_.units, true);
    drop_event_.assign(view_.events.size(), false);
    best_ = source;
    progress_.events = source.events.size();
  }

  ShrinkResult run() {
    ShrinkResult r;
    try {
      for (bool changed = true; changed;) {
        changed = shrink_objects();
        changed = shrink_ends() || changed;
      }
      compact_threads();
      r.minimal = true;
    } catch (const Stopped&) {
      r.minimal = false;
    }
    r.trace = std::move(best_);
    r.progress = progress_;
    return r;
  }

 private:
  // Pass 1: ddmin over the objects still kept.
  bool shrink_objects() {
    std::vector<std::uint32_t> atoms;
    for (std::uint32_t u = 0; u < lives_.units; ++u)
      if (keep_unit_[u]) atoms.push_back(u);
    progress_.pass = "objects";
    return ddmin(atoms, [&](const std::vector<std::uint32_t>& subset) {
      std::vector<bool> keep(lives_.units, false);
      for (std::uint32_t u : subset) keep[u] = true;
      Trace t = build(keep, drop_event_, false);
      if (!attempt(t)) return false;
      keep_unit_ = std::move(keep);
      return true;
    });
  }

  // Pass 2: ddmin over the frees and reallocs of the objects kept.
  bool shrink_ends() {
    std::vector<std::uint32_t> atoms;
    for (std::uint64_t i = 0; i < view_.events.size(); ++i)
      if (keep_unit_[lives_.unit[i]] && !drop_event_[i] && !lives_.birth[i] && view_.events[i].id != kNoObject)
        atoms.push_back(static_cast<std::uint32_t>(i));
    progress_.pass = "ends and resizes";
    return ddmin(atoms, [&](const std::vector<std::uint32_t>& subset) {
      std::vector<bool> drop = drop_event_;
      std::vector<bool> in_subset(view_.events.size(), false);
      for (std::uint32_t i : subset) in_subset[i] = true;
      for (std::uint32_t i : atoms)
        if (!in_subset[i]) drop[i] = true;
      Trace t = build(keep_unit_, drop, false);
      if (!attempt(t)) return false;
      drop_event_ = std::move(drop);
      return true;
    });
  }

  // Pass 3: threads with no events left dropped, the rest renumbered in order.
  void compact_threads() {
    Trace t = build(keep_unit_, drop_event_, true);
    if (t.thread_count >= best_.thread_count) return;
    progress_.pass = "threads";
    progress_.atoms = best_.thread_count;
    progress_.granularity = 1;
    attempt(t);
  }

  // Zeller's ddmin over `atoms` (which the test's subsets are drawn from):
  // cut into n pieces, keep a piece that alone shows the outcome, else drop
  // a piece whose complement does, else cut finer; until every single atom
  // was tried. `test(subset)` records a subset that showed the outcome as
  // the new current state. Returns whether anything was removed.
  template <class Test>
  bool ddmin(std::vector<std::uint32_t> atoms, Test&& test) {
    bool removed = false;
    std::size_t n = 2;
    if (atoms.size() == 1 && test(std::vector<std::uint32_t>{})) return true;
    while (atoms.size() >= 2) {
      n = std::min(n, atoms.size());
      progress_.atoms = atoms.size();
      progress_.granularity = n;
      auto piece = [&](std::size_t k) {
        std::size_t lo = atoms.size() * k / n, hi = atoms.size() * (k + 1) / n;
        return std::pair{lo, hi};
      };
      bool reduced = false;
      for (std::size_t k = 0; k < n && !reduced; ++k) {
        auto [lo, hi] = piece(k);
        std::vector<std::uint32_t> subset(atoms.begin() + lo, atoms.begin() + hi);
        if (test(subset)) {
          atoms = std::move(subset);
          n = 2;
          reduced = true;
        }
      }
      for (std::size_t k = 0; k < n && !reduced && n > 2; ++k) {
        auto [lo, hi] = piece(k);
        std::vector<std::uint32_t> rest(atoms.begin(), atoms.begin() + lo);
        rest.insert(rest.end(), atoms.begin() + hi, atoms.end());
        if (test(rest)) {
          atoms = std::move(rest);
          n = std::max<std::size_t>(n - 1, 2);
          reduced = true;
        }
      }
      if (reduced) {
        removed = true;
        if (atoms.size() == 1 && test(std::vector<std::uint32_t>{})) return true;
        continue;
      }
      if (n >= atoms.size()) break;
      n = std::min(n * 2, atoms.size());
    }
    return removed;
  }

  bool attempt(const Trace& candidate) {
    if (hooks_.stop && hooks_.stop(progress_)) throw Stopped{};
    ++progress_.candidates;
    if (!hooks_.test(candidate)) return false;
    best_ = candidate;
    progress_.events = candidate.events.size();
    if (hooks_.improved) hooks_.improved(best_, progress_);
    return true;
  }

  // The source's events of the kept objects, less the dropped ones.
  Trace build(const std::vector<bool>& keep_unit, const std::vector<bool>& drop_event, bool compact) const {
    TraceBuilder b(source_.format, ReusePolicy::kLeakOld);
    const std::uint32_t threads = std::max<std::uint32_t>(source_.thread_count, 1);
    auto kept = [&](std::uint64_t i) { return keep_unit[lives_.unit[i]] && !drop_event[i]; };
    if (compact) {
      std::vector<bool> used(threads, false);
      for (std::uint64_t i = 0; i < view_.events.size(); ++i)
        if (kept(i)) used[view_.events[i].thread] = true;
      for (std::uint32_t t = 0; t < threads; ++t)
        if (used[t]) b.declare_thread(t);
    } else {
      for (std::uint32_t t = 0; t < threads; ++t) b.declare_thread(t);
    }
    SourceObjects objects(view_.object_count, 0);
    for (std::uint64_t i = 0; i < view_.events.size(); ++i) {
      const Event& e = view_.events[i];
      SourceStep s = objects.apply(e);
      if (kept(i)) emit_step(b, e, s, e.size, e.thread, time_of(view_, i));
    }
    Trace t = b.finish();
    t.format = source_.format;
    if (!compact) t.thread_count = source_.thread_count;
    return t;
  }

  const Trace& source_;
  TraceView view_;
  const ShrinkHooks& hooks_;
  Lives lives_;
  std::vector<bool> keep_unit_, drop_event_;
  Trace best_;
  ShrinkProgress progress_;
};

}  // namespace

ShrinkResult shrink_trace(const Trace& source, const ShrinkHooks& hooks) { return Shrinker(source, hooks).run(); }

}  // namespace heapreplay
