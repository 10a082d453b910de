// The fit generator (see fit.h).
#include "traces/generators/fit.h"

#include <algorithm>

#include "traces/generators/random.h"
#include "traces/tools/blocks.h"
#include "traces/tools/log_histogram.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr std::uint64_t kNone = ~std::uint64_t{0};

// One block of a chain, or a free(NULL) (null: no block, no end).
struct Block {
  std::uint64_t size = 0;
  std::uint64_t life = 0;      // events; unused when the block has no end
  std::uint64_t end_at = 0;    // source position of its end
  std::uint64_t next = kNone;  // the block a realloc of this one made
  std::uint16_t thread = 0, end_thread = 0;
  Op op = Op::kMalloc;
  std::uint8_t aux = 0;
  BlockEnd end = BlockEnd::kLive;
  bool null = false;
  bool ends() const { return !null && end != BlockEnd::kLive && (end != BlockEnd::kRealloc || next != kNone); }
};

// Free positions of the calendar: the nearest free position at or after p
// (and at or before p), by union-find with path halving. Grows on demand.
class FreeSlots {
 public:
  std::uint64_t next_free(std::uint64_t p) {
    grow(p + 1);
    while (next_[p] != p) {
      next_[p] = next_[next_[p]];
      p = next_[p];
      grow(p + 1);
    }
    return p;
  }
  // kNone when every position from p down to 0 is taken.
  std::uint64_t prev_free(std::uint64_t p) {
    grow(p + 1);
    while (prev_[p] != p) {
      if (prev_[p] == kNone) return kNone;
      std::uint64_t q = prev_[p];
      if (prev_[q] != kNone) prev_[p] = prev_[q];
      p = q;
    }
    return p;
  }
  void take(std::uint64_t p) {
    grow(p + 2);
    next_[p] = p + 1;
    prev_[p] = p == 0 ? kNone : p - 1;
  }

 private:
  void grow(std::uint64_t size) {
    for (std::uint64_t i = next_.size(); i < size; ++i) {
      next_.push_back(i);
      prev_.push_back(i);
    }
  }
  std::vector<std::uint64_t> next_, prev_;
};

class Fitter {
 public:
  Fitter(const Trace& source, const FitOptions& options)
      : source_(source), options_(options), rng_(substream(options.seed, 0x464954)), bins_(4) {  // "FIT"
    n_ = source.events.size();
    segments_ = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(std::min<std::uint64_t>(options.segments, n_ / 20), 1, 100000));
    // Blocks that outlive 4 segments end where the source's did, to within
    // a quarter of a segment (see schedule_end).
    std::uint64_t w = std::max<std::uint64_t>(n_ / segments_, 1);
    anchor_min_ = 4 * w;
    anchor_jitter_ = w / 4;
  }

  std::uint32_t segments() const { return segments_; }

  Trace run() {
    collect(source_.view());
    TraceBuilder b("generated:fit", ReusePolicy::kLeakOld);
    b.reserve(n_);
    for (std::uint32_t t = 0; t < std::max<std::uint32_t>(source_.thread_count, 1); ++t) b.declare_thread(t);
    // Walk the calendar: a position holds the end of a block placed there
    // earlier, or else the next allocation (or free(NULL)) drawn from the
    // active pool. A segment's pool joins the active pool when the walk
    // reaches the segment's span, or earlier when the active pool has run
    // dry. Positions left empty at the end close up.
    for (std::uint64_t t = 0; n_ > 0; ++t) {
      while (next_window_ < segments_ && (t >= n_ || segment(t) >= next_window_)) activate(next_window_++);
      bool ending = t < at_.size() && at_[t] != kNone;
      while (!ending && active_total_ == 0 && next_window_ < segments_) activate(next_window_++);
      if (ending) {
        end_block(b, t);
      } else if (active_total_ > 0) {
        birth(b, t);
      } else if (pending_ == 0 && active_total_ == 0 && next_window_ >= segments_) {
        break;
      }
    }
    return b.finish();
  }

 private:
  struct Pending {
    std::uint64_t key, block;
    std::uint64_t birth;  // position of the event that made the block
  };

  // Every chain head (and free(NULL)) goes to the pool of the segment of its
  // source position.
  void collect(const TraceView& v) {
    pools_.assign(segments_, {});
    std::vector<std::uint64_t> last(v.object_count, kNone);      // by slot: the chain's latest block
    std::vector<std::pair<std::uint64_t, std::uint64_t>> heads;  // (source position, block)
    for_each_block(v, [&](const BlockRecord& r) {
      std::uint64_t index = blocks_.size();
      blocks_.push_back(
          Block{r.size, r.lifetime_events(), r.end_event, kNone, r.thread, r.end_thread, r.op, r.aux, r.end, false});
      if (r.realloc_of_live && last[r.id] != kNone)
        blocks_[last[r.id]].next = index;
      else
        heads.emplace_back(r.begin_event, index);
      last[r.id] = index;
    });
    for (std::uint64_t i = 0; i < n_; ++i) {
      const Event& e = v.events[i];
      if (e.id != kNoObject || e.op != Op::kFree) continue;
      heads.emplace_back(i, blocks_.size());
      Block nb;
      nb.null = true;
      nb.op = Op::kFree;
      nb.thread = nb.end_thread = e.thread;
      blocks_.push_back(nb);
    }
    // A block's realloc link is set after the block itself was recorded, so
    // the class (which needs ends()) is taken now.
    for (auto [pos, index] : heads) pools_[segment(pos)].push_back(index);
    if (options_.draw == FitOptions::Draw::kBootstrap)
      for (auto& pool : pools_) {
        std::vector<std::uint64_t> drawn(pool.size());
        for (auto& d : drawn) d = pool[rng_.below(pool.size())];
        pool = std::move(drawn);
      }
    classes_ = bins_.index(std::max<std::uint64_t>(n_, 1) * 2) + 2;
    active_.assign(classes_, {});
  }

  // The class of a pool entry: the lifetime bin of its first block, or the
  // last class for entries that end nothing.
  std::size_t class_of(std::uint64_t index) const {
    const Block& r = blocks_[index];
    return r.ends() ? bins_.index(r.life) : classes_ - 1;
  }

  void activate(std::uint32_t window) {
    for (std::uint64_t index : pools_[window]) {
      std::size_t c = class_of(index);
      if (active_[c].empty()) nonempty_.push_back(c);
      active_[c].push_back(index);
      ++active_total_;
    }
    std::vector<std::uint64_t>().swap(pools_[window]);
  }

  // Whether a block of class c allocated at t can end inside its class's
  // lifetime bin: at a free position, or at one whose pending end can move
  // (only the first few positions of a bin are tried for that).
  bool fits(std::size_t c, std::uint64_t t) {
    if (c == classes_ - 1) return true;
    std::uint64_t lo = t + bins_.bin_lo(c), hi = t + bins_.bin_hi(c);
    if (slots_.next_free(lo) <= hi) return true;
    for (std::uint64_t p = lo; p <= hi && p < lo + 8; ++p)
      if (movable_to(t, p) != kNone) return true;
    return false;
  }

  void birth(TraceBuilder& b, std::uint64_t t) {
    // Draw a class among those whose lifetimes can still end in their bin,
    // weighted by what is left of each; then an entry of it at random.
    std::uint64_t weight = 0;
    fitting_.clear();
    for (std::size_t c : nonempty_)
      if (fits(c, t)) {
        fitting_.push_back(c);
        weight += active_[c].size();
      }
    if (fitting_.empty()) {
      fitting_ = nonempty_;
      weight = active_total_;
    }
    std::uint64_t pick = rng_.below(weight);
    std::size_t c = fitting_.back();
    for (std::size_t f : fitting_) {
      if (pick < active_[f].size()) {
        c = f;
        break;
      }
      pick -= active_[f].size();
    }
    auto& list = active_[c];
    std::size_t k = rng_.below(list.size());
    std::uint64_t index = list[k];
    list[k] = list.back();
    list.pop_back();
    --active_total_;
    if (list.empty()) nonempty_.erase(std::find(nonempty_.begin(), nonempty_.end(), c));

    const Block& r = blocks_[index];
    std::uint64_t when = time_at(b);
    if (r.null) {
      b.free_null(r.thread, when);
      return;
    }
    std::uint64_t key = next_key_++;
    switch (r.op) {
      case Op::kCalloc:
        if (r.aux & kCallocOverflow)
          b.calloc(key, 2, ~std::uint64_t{0}, r.thread, when);
        else
          b.calloc(key, 1, r.size, r.thread, when);
        break;
      case Op::kAligned: {
        Event e{r.size, 0, 0, r.op, r.aux};
        b.aligned(key, e.alignment_valid() ? e.alignment() : 3, r.size, e.aligned_kind(), r.thread, when);
        break;
      }
      case Op::kRealloc: b.realloc(std::nullopt, key, r.size, r.thread, when); break;
      default: b.malloc(key, r.size, r.thread, when); break;
    }
    // The whole chain is placed now, each block's end after the previous
    // one's, so that later allocations see where its reallocs will be.
    for (std::uint64_t at = t, block = index; blocks_[block].ends();) {
      at = schedule_end(at, key, block);
      if (blocks_[block].end != BlockEnd::kRealloc) break;
      block = blocks_[block].next;
    }
  }

  void end_block(TraceBuilder& b, std::uint64_t t) {
    Pending p = pending_list_[at_[t]];
    at_[t] = kNone;
    --pending_;
    const Block& r = blocks_[p.block];
    std::uint64_t when = time_at(b);
    if (r.end == BlockEnd::kFree) {
      b.free(p.key, r.end_thread, when);
    } else if (r.end == BlockEnd::kReallocZero) {
      b.realloc(p.key, p.key, 0, r.end_thread, when);
    } else {
      b.realloc(p.key, p.key, blocks_[r.next].size, r.end_thread, when);
    }
  }

  // Places the end of a block made at t, and returns its position. The aim:
  // a block that lives fewer than 4 segments ends after its source lifetime
  // jittered by up to +-1/32; a longer-lived one where the source's ended,
  // jittered by up to a quarter of a segment (so the ends of a program's
  // long-lived blocks, often all at its exit, stay where they were). The aim
  // is kept inside the lifetime's bin (4 per octave, as the distance counts
  // them), and the end goes to the free position nearest to it inside the
  // bin; else to a position of the bin whose pending end can move elsewhere
  // inside its own bin; else to the free position nearest to the aim.
  std::uint64_t schedule_end(std::uint64_t t, std::uint64_t key, std::uint64_t index) {
    const Block& r = blocks_[index];
    std::size_t c = bins_.index(r.life);
    std::uint64_t lo = t + bins_.bin_lo(c), hi = t + bins_.bin_hi(c);
    std::int64_t want;
    if (r.life >= anchor_min_) {
      want = static_cast<std::int64_t>(r.end_at) + static_cast<std::int64_t>(rng_.below(2 * anchor_jitter_ + 1)) -
             static_cast<std::int64_t>(anchor_jitter_) - static_cast<std::int64_t>(t);
    } else {
      auto jitter = static_cast<std::int64_t>(static_cast<double>(r.life) * (rng_.unit() - 0.5) / 16.0);
      want = static_cast<std::int64_t>(r.life) + jitter;
    }
    std::uint64_t target =
        std::clamp<std::uint64_t>(t + static_cast<std::uint64_t>(std::max<std::int64_t>(want, 1)), lo, hi);
    std::uint64_t pos = nearest_free(t, target);
    if (pos < lo || pos > hi) {
      // Move a pending end out of the way, nearest to the target first.
      std::uint64_t tries = std::min<std::uint64_t>(hi - lo + 1, 8);
      for (std::uint64_t k = 0; k < 2 * tries; ++k) {
        std::uint64_t d = (k + 1) / 2;
        std::uint64_t p = k % 2 ? target + d : target - d;
        if (k % 2 == 0 && d > target - lo) continue;
        if (p < lo || p > hi || p <= t) continue;
        if (relocate(t, p)) {
          pos = p;
          break;
        }
      }
    }
    place(pos, Pending{key, index, t});
    return pos;
  }

  // The free position after t nearest to target (ties: the later one).
  std::uint64_t nearest_free(std::uint64_t t, std::uint64_t target) {
    std::uint64_t after = slots_.next_free(target), before = slots_.prev_free(target);
    if (before != kNone && before > t && target - before < after - target) return before;
    return after;
  }

  // Where the pending end at p could move inside its own lifetime bin (after
  // now): kNone when p holds none, when it ends a block that a realloc
  // continues (the next block starts there), or when its bin has no free
  // position.
  std::uint64_t movable_to(std::uint64_t now, std::uint64_t p) {
    if (p >= at_.size() || at_[p] == kNone) return kNone;
    const Pending& q = pending_list_[at_[p]];
    if (blocks_[q.block].end == BlockEnd::kRealloc) return kNone;
    std::size_t c = bins_.index(blocks_[q.block].life);
    std::uint64_t lo = std::max(q.birth + bins_.bin_lo(c), now + 1), hi = q.birth + bins_.bin_hi(c);
    if (lo > hi) return kNone;
    std::uint64_t free = slots_.next_free(lo);
    return free <= hi ? free : kNone;
  }

  // Moves the pending end at p as movable_to says, leaving p taken and
  // empty; false when it cannot move.
  bool relocate(std::uint64_t now, std::uint64_t p) {
    std::uint64_t free = movable_to(now, p);
    if (free == kNone) return false;
    slots_.take(free);
    if (at_.size() <= free) at_.resize(std::max<std::uint64_t>(free + 1, at_.size() * 2), kNone);
    at_[free] = at_[p];
    at_[p] = kNone;
    return true;
  }

  void place(std::uint64_t pos, const Pending& p) {
    if (at_.size() <= pos) at_.resize(std::max<std::uint64_t>(pos + 1, at_.size() * 2), kNone);
    if (at_[pos] == kNone && slots_.next_free(pos) == pos) slots_.take(pos);
    at_[pos] = pending_list_.size();
    pending_list_.push_back(p);
    ++pending_;
  }

  std::uint32_t segment(std::uint64_t event) const {
    if (event >= n_) return segments_ - 1;
    return static_cast<std::uint32_t>(static_cast<unsigned __int128>(event) * segments_ / n_);
  }

  // Timestamps, when the source has them, are the source's at the same index.
  std::uint64_t time_at(const TraceBuilder& b) const {
    if (source_.timestamps_ns.empty()) return TraceBuilder::kNoTime;
    return source_.timestamps_ns[std::min<std::uint64_t>(b.event_count(), n_ - 1)];
  }

  const Trace& source_;
  FitOptions options_;
  SplitMix64 rng_;
  LogHistogram bins_;
  std::uint64_t n_ = 0;
  std::uint32_t segments_ = 1;
  std::uint64_t anchor_min_ = 0, anchor_jitter_ = 0;
  std::vector<Block> blocks_;
  std::vector<std::vector<std::uint64_t>> pools_;   // by segment: chain heads and free(NULL)s
  std::vector<std::vector<std::uint64_t>> active_;  // by class: the entries that may be drawn now
  std::vector<std::size_t> nonempty_, fitting_;
  std::size_t classes_ = 1;
  std::uint64_t active_total_ = 0;
  std::uint32_t next_window_ = 0;
  FreeSlots slots_;
  std::vector<std::uint64_t> at_;  // by position: the pending end placed there
  std::vector<Pending> pending_list_;
  std::uint64_t pending_ = 0, next_key_ = 1;
};

}  // namespace

FitResult fit_trace(const Trace& source, const FitOptions& options) {
  FitResult out;
  Fitter f(source, options);
  out.trace = f.run();
  out.segments = f.segments();
  out.distance = trace_distance(distance_stats(source.view()), distance_stats(out.trace.view()));
  return out;
}

}  // namespace heapreplay
