// The parametric generator `synthetic`: sizes, lifetimes, live set, realloc,
// calloc and aligned shares, threads and cross-thread frees, in phases.
//
// Model (README.md: synthetic): each object gets a lifetime when it is
// allocated, measured on one of two clocks (events, or bytes allocated since),
// and is freed at the first event at which its lifetime has run out. When no
// object is due, the event allocates. With `realloc` share r, each event is
// first, with probability r, a realloc of a random live object to a fresh
// size from the size distribution (its lifetime carries on). The steady-state
// live set follows from Little's law, so `live_bytes` sets the mean lifetime:
//   bytes clock:  mean = live_bytes (1 + r) / (1 - r)
//   events clock: mean = 2 live_bytes / ((1 - r) E[size])
#include <algorithm>
#include <queue>

#include "traces/generators/distributions.h"
#include "traces/generators/generator.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"phases", "1", "count", "number of phases; pN.KEY=VALUE sets KEY for phase N only"},
    {"events", "1M", "events", "events in the phase (teardown frees come on top)"},
    {"size", "lognormal", "name", "size distribution: fixed, uniform, loguniform, lognormal, powerlaw, histogram"},
    {"size_bytes", "64", "bytes", "fixed: the one size"},
    {"size_min", "8", "bytes", "smallest size (uniform, loguniform, powerlaw; lognormal is clamped to it)"},
    {"size_max", "64K", "bytes", "largest size (uniform, loguniform, powerlaw; lognormal is clamped to it)"},
    {"size_median", "64", "bytes", "lognormal: the median size"},
    {"size_sigma", "1", "ln bytes", "lognormal: standard deviation of ln(size)"},
    {"size_alpha", "2", "exponent", "powerlaw: P(size = s) proportional to s^-alpha"},
    {"size_file", "", "path", "histogram: lines 'LO HI WEIGHT' or 'SIZE WEIGHT', or trace stats --json output"},
    {"lifetime", "exp", "name", "lifetime shape: fixed, uniform, exp, lognormal, powerlaw"},
    {"lifetime_unit", "bytes", "name", "clock of lifetimes: bytes (allocated since) or events (since)"},
    {"lifetime_mean", "", "unit", "mean lifetime (default: derived from live_bytes; give one of the two)"},
    {"lifetime_sigma", "1", "ln unit", "lognormal: standard deviation of ln(lifetime)"},
    {"lifetime_alpha", "1.5", "exponent", "powerlaw: Pareto shape, above 1 (smaller: heavier tail)"},
    {"live_bytes", "4M", "bytes", "target steady-state live bytes (sets lifetime_mean)"},
    {"realloc", "0", "share", "share of events that realloc a random live object to a fresh size"},
    {"calloc", "0", "share", "share of allocations made with calloc"},
    {"align", "", "list", "aligned allocations (posix_memalign) as ALIGN:SHARE,..., e.g. 64:0.05,4096:1%"},
    {"threads", "1", "count", "threads; each allocation comes from one drawn uniformly"},
    {"cross_free", "0", "share", "share of frees made by a thread other than the allocating one"},
    {"teardown", "0", "0/1", "at the end of the phase, free every live object (random order)"},
    {"event_ns", "0", "ns", "if above 0: timestamps, gaps uniform in [1, 2 event_ns - 1]"},
};

struct Phase {
  std::uint64_t events = 0;
  SizeDistribution size;
  LifetimeDistribution lifetime{LifetimeDistribution::Shape::kFixed, 1, 0, 0};
  bool lifetime_in_bytes = true;
  double realloc_share = 0, calloc_share = 0;
  std::vector<std::pair<std::uint64_t, double>> align;  // alignment, cumulative share (after calloc's)
  std::uint32_t threads = 1;
  double cross_free = 0;
  bool teardown = false;
  std::uint64_t event_ns = 0;
};

std::vector<std::pair<std::uint64_t, double>> read_align(const GenParams& p, int phase, double& total) {
  std::vector<std::pair<std::uint64_t, double>> out;
  std::string text = p.text("align", phase);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() : comma + 1;
    if (item.empty()) continue;
    auto colon = item.find(':');
    auto align = parse_size(item.substr(0, colon));
    auto share = colon == std::string::npos ? std::nullopt : parse_decimal(item.substr(colon + 1));
    if (!align || !share || *align == 0 || (*align & (*align - 1)) != 0 || *align > (std::uint64_t{1} << 30))
      p.fail("align", phase, "ALIGN:SHARE items with a power-of-two ALIGN up to 1G (e.g. 64:0.05,4096:1%)");
    total += *share;
    out.emplace_back(*align, total);
  }
  return out;
}

Phase read_phase(const GenParams& p, int ph, std::uint64_t seed) {
  Phase out;
  out.events = p.count("events", ph, 0, std::uint64_t{1} << 40);
  out.size = SizeDistribution::from_params(p, ph);
  out.realloc_share = p.share("realloc", ph);
  if (out.realloc_share > 0.9) p.fail("realloc", ph, "a share up to 0.9");
  out.calloc_share = p.share("calloc", ph);
  double total = out.calloc_share;
  out.align = read_align(p, ph, total);
  if (total > 1.0) p.fail("calloc", ph, "a share that, with the align shares, adds up to at most 1");
  out.threads = static_cast<std::uint32_t>(p.count("threads", ph, 1, 4096));
  out.cross_free = p.share("cross_free", ph);
  if (out.cross_free > 0 && out.threads < 2) p.fail("cross_free", ph, "threads=2 or more (only one thread)");
  out.teardown = p.flag("teardown", ph);
  out.event_ns = p.count("event_ns", ph, 0, std::uint64_t{1} << 40);

  static constexpr std::string_view kShapes[] = {"fixed", "uniform", "exp", "lognormal", "powerlaw"};
  static constexpr std::string_view kUnits[] = {"bytes", "events"};
  std::string shape = p.choice("lifetime", kShapes, ph);
  out.lifetime_in_bytes = p.choice("lifetime_unit", kUnits, ph) == "bytes";
  double sigma = p.decimal("lifetime_sigma", ph, 0.0, 8.0);
  double alpha = p.decimal("lifetime_alpha", ph, 0.0, 16.0);
  if (shape == "powerlaw" && alpha <= 1.0) p.fail("lifetime_alpha", ph, "a Pareto shape above 1");
  double mean = 0;
  if (p.given("lifetime_mean", ph)) {
    if (p.given("live_bytes", ph))
      p.fail("lifetime_mean", ph, "to be left out when live_bytes is given (the live set follows from it)");
    mean = p.decimal("lifetime_mean", ph, 1.0, 1e15);
  } else {
    double live = static_cast<double>(p.bytes("live_bytes", ph, 1, std::uint64_t{1} << 40));
    double r = out.realloc_share;
    mean = out.lifetime_in_bytes ? live * (1.0 + r) / (1.0 - r)
                                 : 2.0 * live / ((1.0 - r) * out.size.estimate_mean_bytes(seed));
    if (mean < 1.0) mean = 1.0;
  }
  using S = LifetimeDistribution::Shape;
  S s = shape == "fixed"       ? S::kFixed
        : shape == "uniform"   ? S::kUniform
        : shape == "exp"       ? S::kExponential
        : shape == "lognormal" ? S::kLogNormal
                               : S::kPowerLaw;
  out.lifetime = LifetimeDistribution(s, mean, sigma, alpha);
  return out;
}

class SyntheticRun {
 public:
  explicit SyntheticRun(std::uint64_t seed) : rng_(substream(seed, 1)), builder_("generated", ReusePolicy::kLeakOld) {}

  Trace run(const std::vector<Phase>& phases) {
    std::uint32_t threads = 1;
    for (const Phase& ph : phases) {
      threads = std::max(threads, ph.threads);
      timed_ = timed_ || ph.event_ns > 0;
    }
    for (std::uint32_t t = 0; t < threads; ++t) builder_.declare_thread(t);
    for (const Phase& ph : phases) {
      for (std::uint64_t i = 0; i < ph.events; ++i) step(ph);
      if (ph.teardown) teardown(ph);
    }
    return builder_.finish();
  }

 private:
  struct Object {
    std::uint64_t key = 0;
    std::uint32_t live_pos = 0;  // index in live_
    std::uint32_t generation = 0;
    std::uint16_t thread = 0;
  };
  // A scheduled free; (due, seq) is a total order, so the heap's pick does
  // not depend on the standard library's heap algorithm.
  struct Death {
    std::uint64_t due, seq;
    std::uint32_t object, generation;
    bool operator>(const Death& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  using DeathQueue = std::priority_queue<Death, std::vector<Death>, std::greater<Death>>;

  std::uint64_t now(const Phase& ph) {
    if (!timed_) return TraceBuilder::kNoTime;
    if (ph.event_ns > 0) time_ns_ += rng_.between(1, 2 * ph.event_ns - 1);
    return time_ns_;
  }

  std::uint16_t free_thread(const Phase& ph, std::uint16_t owner) {
    if (ph.cross_free <= 0 || !rng_.chance(ph.cross_free)) return owner;
    if (owner >= ph.threads) return static_cast<std::uint16_t>(rng_.below(ph.threads));
    auto other = static_cast<std::uint16_t>(rng_.below(ph.threads - 1));
    return other >= owner ? other + 1 : other;
  }

  void release(std::uint32_t o) {
    Object& obj = objects_[o];
    std::uint32_t last = live_.back();
    live_[obj.live_pos] = last;
    objects_[last].live_pos = obj.live_pos;
    live_.pop_back();
    ++obj.generation;
    spare_.push_back(o);
  }

  void free_object(const Phase& ph, std::uint32_t o) {
    builder_.free(objects_[o].key, free_thread(ph, objects_[o].thread), now(ph));
    release(o);
  }

  // Pops deaths that are due on either clock; false when none is.
  bool free_due(const Phase& ph) {
    for (auto* q : {&by_events_, &by_bytes_}) {
      std::uint64_t clock = q == &by_events_ ? events_ : bytes_;
      while (!q->empty() && q->top().due <= clock) {
        Death d = q->top();
        q->pop();
        if (objects_[d.object].generation != d.generation) continue;  // freed by a teardown
        free_object(ph, d.object);
        return true;
      }
    }
    return false;
  }

  void allocate(const Phase& ph) {
    std::uint32_t o;
    if (!spare_.empty()) {
      o = spare_.back();
      spare_.pop_back();
    } else {
      o = static_cast<std::uint32_t>(objects_.size());
      objects_.emplace_back();
    }
    Object& obj = objects_[o];
    obj.key = next_key_++;
    obj.thread = static_cast<std::uint16_t>(ph.threads > 1 ? rng_.below(ph.threads) : 0);
    obj.live_pos = static_cast<std::uint32_t>(live_.size());
    live_.push_back(o);
    std::uint64_t size = ph.size.sample(rng_);
    double op = (ph.calloc_share > 0 || !ph.align.empty()) ? rng_.unit() : 1.0;
    std::uint64_t t = now(ph);
    if (op < ph.calloc_share) {
      builder_.calloc(obj.key, 1, size, obj.thread, t);
    } else {
      std::uint64_t alignment = 0;
      for (const auto& [a, cumulative] : ph.align)
        if (op < cumulative) {
          alignment = a;
          break;
        }
      if (alignment)
        builder_.aligned(obj.key, alignment, size, AlignedKind::kPosixMemalign, obj.thread, t);
      else
        builder_.malloc(obj.key, size, obj.thread, t);
    }
    bytes_ += size;
    std::uint64_t life = ph.lifetime.sample(rng_);
    Death d{(ph.lifetime_in_bytes ? bytes_ : events_) + life, seq_++, o, obj.generation};
    (ph.lifetime_in_bytes ? by_bytes_ : by_events_).push(d);
  }

  void step(const Phase& ph) {
    if (ph.realloc_share > 0 && !live_.empty() && rng_.chance(ph.realloc_share)) {
      const Object& obj = objects_[live_[rng_.below(live_.size())]];
      std::uint64_t size = ph.size.sample(rng_);
      builder_.realloc(obj.key, obj.key, size, obj.thread, now(ph));
      bytes_ += size;
    } else if (!free_due(ph)) {
      allocate(ph);
    }
    ++events_;
  }

  void teardown(const Phase& ph) {
    for (std::size_t i = live_.size(); i > 1; --i) {
      std::size_t j = rng_.below(i);
      std::swap(live_[i - 1], live_[j]);
      objects_[live_[i - 1]].live_pos = static_cast<std::uint32_t>(i - 1);
      objects_[live_[j]].live_pos = static_cast<std::uint32_t>(j);
    }
    while (!live_.empty()) {
      free_object(ph, live_.back());
      ++events_;
    }
    by_events_ = DeathQueue();
    by_bytes_ = DeathQueue();
  }

  SplitMix64 rng_;
  TraceBuilder builder_;
  std::vector<Object> objects_;
  std::vector<std::uint32_t> spare_;  // free entries of objects_
  std::vector<std::uint32_t> live_;   // live entries, in no particular order
  DeathQueue by_events_, by_bytes_;
  std::uint64_t events_ = 0, bytes_ = 0, seq_ = 0, next_key_ = 1, time_ns_ = 0;
  bool timed_ = false;
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::vector<Phase> phases;
  for (int ph = 1; ph <= p.phases(); ++ph) phases.push_back(read_phase(p, ph, seed));
  return SyntheticRun(seed).run(phases);
}

}  // namespace

const GeneratorKind& synthetic_generator() {
  static const GeneratorKind kind{
      "synthetic",
      "parametric: size and lifetime distributions, live set, realloc/calloc/aligned shares, threads, phases",
      "whatever the parameters ask for: size classes (size), reuse and fragmentation (lifetime, live_bytes), "
      "resizing (realloc), zeroing (calloc), alignment, remote frees (cross_free), phase changes",
      "the usual synthetic-workload model of allocator studies: independent size and lifetime draws with a "
      "steady live set (Zorn and Grunwald's models), extended with the operations and threads real traces show",
      kParams,
      true,
      generate};
  return kind;
}

}  // namespace heapreplay
