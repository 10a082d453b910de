// The fit generator (see fit.h).
#include "traces/generators/fit.h"

#include <algorithm>
#include <queue>

#include "traces/generators/random.h"
#include "traces/tools/blocks.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr std::uint64_t kNone = ~std::uint64_t{0};

// One block of a chain.
struct Block {
  std::uint64_t size = 0;
  std::uint64_t life = 0;      // events; unused when end is kLive
  std::uint64_t next = kNone;  // the block a realloc of this one made
  std::uint16_t thread = 0, end_thread = 0;
  Op op = Op::kMalloc;
  std::uint8_t aux = 0;
  BlockEnd end = BlockEnd::kLive;
};

// A scheduled end of a block. Ends due at the same time go shortest-lived
// first: an end pushed back by one event changes a short lifetime by a large
// factor and a long one by a small one. (time, life, seq) is a total order.
struct End {
  std::uint64_t time, life, seq;
  std::uint64_t key;
  std::uint64_t block;
  bool operator>(const End& o) const {
    if (time != o.time) return time > o.time;
    if (life != o.life) return life > o.life;
    return seq > o.seq;
  }
};

class Fitter {
 public:
  Fitter(const Trace& source, const FitOptions& options)
      : source_(source), options_(options), rng_(substream(options.seed, 0x464954)) {  // "FIT"
    n_ = source.events.size();
    segments_ = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(std::min<std::uint64_t>(options.segments, n_ / 20), 1, 100000));
  }

  std::uint32_t segments() const { return segments_; }

  Trace run() {
    const TraceView v = source_.view();
    collect_chains(v);
    TraceBuilder b("generated:fit", ReusePolicy::kLeakOld);
    for (std::uint32_t t = 0; t < std::max<std::uint32_t>(source_.thread_count, 1); ++t) b.declare_thread(t);
    // Walk the source's positions: at each, first the ends that are due, then
    // a fresh allocation or free(NULL) where the source has one.
    std::vector<bool> had(v.object_count, false);
    std::vector<std::size_t> used(segments_, 0);  // chains of each segment placed so far
    for (std::uint64_t i = 0; i < n_; ++i) {
      while (!ends_.empty() && ends_.top().time <= i) end_block(b);
      const Event& e = v.events[i];
      if (e.id == kNoObject) {
        if (e.op == Op::kFree) b.free_null(e.thread, time_at(i));
        continue;
      }
      bool was = had[e.id];
      bool frees = e.op == Op::kFree || (e.op == Op::kRealloc && e.size == 0);
      had[e.id] = !frees;
      if (frees || (e.op == Op::kRealloc && was)) continue;
      std::uint32_t s = segment(i);
      const auto& pool = heads_[s];
      // A shuffled pool holds exactly the segment's fresh allocations.
      bool shuffle = options_.draw == FitOptions::Draw::kShuffle && used[s] < pool.size();
      std::uint64_t head = shuffle ? pool[used[s]++] : pool[rng_.below(pool.size())];
      allocate(b, i, head);
    }
    while (!ends_.empty()) end_block(b);
    return b.finish();
  }

 private:
  // Chains of blocks, pooled by the segment of their first block; shuffled
  // pools when drawing without replacement.
  void collect_chains(const TraceView& v) {
    heads_.assign(segments_, {});
    std::vector<std::uint64_t> last(v.object_count, kNone);  // by slot: the chain's latest block
    for_each_block(v, [&](const BlockRecord& r) {
      std::uint64_t index = blocks_.size();
      blocks_.push_back(Block{r.size, r.lifetime_events(), kNone, r.thread, r.end_thread, r.op, r.aux, r.end});
      if (r.realloc_of_live && last[r.id] != kNone)
        blocks_[last[r.id]].next = index;
      else
        heads_[segment(r.begin_event)].push_back(index);
      last[r.id] = index;
    });
    if (options_.draw == FitOptions::Draw::kShuffle)
      for (auto& pool : heads_)
        for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng_.below(i)]);
  }

  void allocate(TraceBuilder& b, std::uint64_t i, std::uint64_t index) {
    const Block& r = blocks_[index];
    std::uint64_t key = next_key_++, when = time_at(i);
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
    schedule_end(i, key, index);
  }

  void end_block(TraceBuilder& b) {
    End p = ends_.top();
    ends_.pop();
    const Block& r = blocks_[p.block];
    std::uint64_t when = time_at(p.time);
    if (r.end == BlockEnd::kFree) {
      b.free(p.key, r.end_thread, when);
    } else if (r.end == BlockEnd::kReallocZero) {
      b.realloc(p.key, p.key, 0, r.end_thread, when);
    } else {
      b.realloc(p.key, p.key, blocks_[r.next].size, r.end_thread, when);
      schedule_end(p.time, p.key, r.next);
    }
  }

  // The block ends after its source lifetime, jittered by up to +-1/32.
  void schedule_end(std::uint64_t time, std::uint64_t key, std::uint64_t index) {
    const Block& r = blocks_[index];
    if (r.end == BlockEnd::kLive || (r.end == BlockEnd::kRealloc && r.next == kNone)) return;
    auto jitter = static_cast<std::int64_t>(static_cast<double>(r.life) * (rng_.unit() - 0.5) / 16.0);
    std::int64_t life = std::max<std::int64_t>(static_cast<std::int64_t>(r.life) + jitter, 1);
    ends_.push({time + static_cast<std::uint64_t>(life), static_cast<std::uint64_t>(life), seq_++, key, index});
  }

  std::uint32_t segment(std::uint64_t event) const {
    if (event >= n_) return segments_ - 1;
    return static_cast<std::uint32_t>(static_cast<unsigned __int128>(event) * segments_ / n_);
  }

  std::uint64_t time_at(std::uint64_t event) const {
    if (source_.timestamps_ns.empty()) return TraceBuilder::kNoTime;
    return source_.timestamps_ns[std::min<std::uint64_t>(event, n_ - 1)];
  }

  const Trace& source_;
  FitOptions options_;
  SplitMix64 rng_;
  std::uint64_t n_ = 0;
  std::uint32_t segments_ = 1;
  std::vector<Block> blocks_;
  std::vector<std::vector<std::uint64_t>> heads_;  // by segment: first blocks of chains
  std::priority_queue<End, std::vector<End>, std::greater<End>> ends_;
  std::uint64_t seq_ = 0, next_key_ = 1;
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
