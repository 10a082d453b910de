// Sampling methods of the generators' distributions (see distributions.h and
// README.md: Sampling).
#include "traces/generators/distributions.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "traces/generators/det_math.h"
#include "traces/trace_error.h"

namespace heapreplay {

namespace {

// Rounds a non-negative double to the nearest integer, saturating.
std::uint64_t round_to_u64(double x) {
  if (!(x > 0.0)) return 0;
  if (x >= 0x1.0p63) return std::uint64_t{1} << 63;
  return static_cast<std::uint64_t>(std::floor(x + 0.5));
}

std::uint64_t clamp(std::uint64_t v, std::uint64_t lo, std::uint64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

std::vector<SizeBin> parse_text_histogram(const std::string& text, const std::string& path) {
  std::vector<SizeBin> bins;
  std::istringstream in(text);
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string w; fields >> w;) words.push_back(w);
    if (words.empty()) continue;
    if (words.size() != 2 && words.size() != 3)
      throw TraceError(path, line_no, "expected 'LO HI WEIGHT' or 'SIZE WEIGHT', found '" + line + "'");
    std::vector<std::uint64_t> v;
    for (const std::string& w : words) {
      auto n = parse_size(w);
      if (!n) throw TraceError(path, line_no, "'" + w + "' is not an unsigned number");
      v.push_back(*n);
    }
    SizeBin b{v[0], v.size() == 3 ? v[1] : v[0], v.back()};
    if (b.lo_bytes == 0) throw TraceError(path, line_no, "sizes start at 1 byte");
    if (b.lo_bytes > b.hi_bytes) throw TraceError(path, line_no, "LO is above HI");
    if (b.weight > 0) bins.push_back(b);
  }
  return bins;
}

std::vector<SizeBin> parse_json_histogram(const std::string& text, const std::string& path) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw TraceError(path, 0, "not valid JSON");
  auto it = j.find("size_histogram");
  if (it == j.end() || !it->is_array())
    throw TraceError(path, 0, "no \"size_histogram\" array (expected the output of heapreplay trace stats --json)");
  std::vector<SizeBin> bins;
  for (const auto& e : *it) {
    if (!e.is_object() || !e.contains("lo_bytes") || !e.contains("hi_bytes") || !e.contains("count") ||
        !e["lo_bytes"].is_number_unsigned() || !e["hi_bytes"].is_number_unsigned() || !e["count"].is_number_unsigned())
      throw TraceError(path, 0, "a size_histogram entry lacks unsigned lo_bytes, hi_bytes or count: " + e.dump());
    SizeBin b{e["lo_bytes"].get<std::uint64_t>(), e["hi_bytes"].get<std::uint64_t>(), e["count"].get<std::uint64_t>()};
    if (b.lo_bytes == 0 || b.lo_bytes > b.hi_bytes)
      throw TraceError(path, 0, "a size_histogram bin is empty: " + e.dump());
    if (b.weight > 0) bins.push_back(b);
  }
  return bins;
}

}  // namespace

double sample_normal(SplitMix64& rng) {
  for (;;) {
    double u = 2.0 * rng.unit() - 1.0, v = 2.0 * rng.unit() - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * det_log(s) / s);
  }
}

double sample_exponential(SplitMix64& rng, double mean) { return -mean * det_log(rng.open_unit()); }

std::vector<SizeBin> read_size_histogram(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TraceError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto first = text.find_first_not_of(" \t\r\n");
  std::vector<SizeBin> bins = first != std::string::npos && text[first] == '{' ? parse_json_histogram(text, path)
                                                                               : parse_text_histogram(text, path);
  if (bins.empty()) throw TraceError(path, 0, "the histogram has no bin with a weight above 0");
  std::uint64_t total = 0;
  for (const SizeBin& b : bins)
    if (__builtin_add_overflow(total, b.weight, &total)) throw TraceError(path, 0, "the weights add up past 2^64");
  return bins;
}

SizeDistribution SizeDistribution::fixed(std::uint64_t bytes) {
  SizeDistribution d;
  d.kind_ = Kind::kFixed;
  d.min_ = d.max_ = bytes;
  return d;
}

SizeDistribution SizeDistribution::uniform(std::uint64_t min_bytes, std::uint64_t max_bytes) {
  SizeDistribution d;
  d.kind_ = Kind::kUniform;
  d.min_ = min_bytes;
  d.max_ = max_bytes;
  return d;
}

SizeDistribution SizeDistribution::log_uniform(std::uint64_t min_bytes, std::uint64_t max_bytes) {
  SizeDistribution d = uniform(min_bytes, max_bytes);
  d.kind_ = Kind::kLogUniform;
  return d;
}

SizeDistribution SizeDistribution::log_normal(double median_bytes, double sigma, std::uint64_t min_bytes,
                                              std::uint64_t max_bytes) {
  SizeDistribution d = uniform(min_bytes, max_bytes);
  d.kind_ = Kind::kLogNormal;
  d.median_ = median_bytes;
  d.sigma_ = sigma;
  return d;
}

SizeDistribution SizeDistribution::power_law(double alpha, std::uint64_t min_bytes, std::uint64_t max_bytes) {
  SizeDistribution d = uniform(min_bytes, max_bytes);
  d.kind_ = Kind::kPowerLaw;
  d.alpha_ = alpha;
  return d;
}

SizeDistribution SizeDistribution::histogram(std::vector<SizeBin> bins) {
  SizeDistribution d;
  d.kind_ = Kind::kHistogram;
  d.bins_ = std::move(bins);
  std::uint64_t total = 0;
  for (const SizeBin& b : d.bins_) d.cumulative_.push_back(total += b.weight);
  return d;
}

SizeDistribution SizeDistribution::from_params(const GenParams& p, int phase) {
  static constexpr std::string_view kKinds[] = {"fixed", "uniform", "loguniform", "lognormal", "powerlaw", "histogram"};
  std::string kind = p.choice("size", kKinds, phase);
  if (kind == "fixed") return fixed(p.bytes("size_bytes", phase, 1, std::uint64_t{1} << 48));
  if (kind == "histogram") {
    std::string path = p.text("size_file", phase);
    if (path.empty()) throw GenError(p.kind() + ": size=histogram needs size_file=PATH");
    return histogram(read_size_histogram(path));
  }
  std::uint64_t lo = p.bytes("size_min", phase, 1, std::uint64_t{1} << 48);
  std::uint64_t hi = p.bytes("size_max", phase, 1, std::uint64_t{1} << 48);
  if (hi < lo) p.fail("size_max", phase, "a size at least size_min (" + std::to_string(lo) + ")");
  if (kind == "uniform") return uniform(lo, hi);
  if (kind == "loguniform") return log_uniform(lo, hi);
  if (kind == "lognormal")
    return log_normal(static_cast<double>(p.bytes("size_median", phase, 1, std::uint64_t{1} << 48)),
                      p.decimal("size_sigma", phase, 0.0, 8.0), lo, hi);
  return power_law(p.decimal("size_alpha", phase, 0.0, 16.0), lo, hi);
}

std::uint64_t SizeDistribution::sample(SplitMix64& rng) const {
  switch (kind_) {
    case Kind::kFixed: return min_;
    case Kind::kUniform: return rng.between(min_, max_);
    case Kind::kLogUniform: return rng.log_uniform(min_, max_);
    case Kind::kLogNormal: return clamp(round_to_u64(median_ * det_exp(sigma_ * sample_normal(rng))), min_, max_);
    case Kind::kPowerLaw: {
      if (alpha_ == 1.0) return rng.log_uniform(min_, max_);
      // Inverse CDF of the density s^-alpha on [min, max + 1), floored.
      double a = 1.0 - alpha_;
      double lo = det_pow(static_cast<double>(min_), a), hi = det_pow(static_cast<double>(max_) + 1.0, a);
      double x = det_pow(lo + rng.unit() * (hi - lo), 1.0 / a);
      return clamp(x >= 0x1.0p63 ? max_ : static_cast<std::uint64_t>(x), min_, max_);
    }
    case Kind::kHistogram: {
      std::uint64_t r = rng.below(cumulative_.back());
      auto i =
          static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) - cumulative_.begin());
      return rng.between(bins_[i].lo_bytes, bins_[i].hi_bytes);
    }
  }
  return min_;
}

double SizeDistribution::estimate_mean_bytes(std::uint64_t seed) const {
  SplitMix64 rng = substream(seed, 0x4D45414E);  // "MEAN"
  constexpr int kDraws = 1 << 16;
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) sum += static_cast<double>(sample(rng));
  return sum / kDraws;
}

LifetimeDistribution::LifetimeDistribution(Shape shape, double mean, double sigma, double alpha)
    : shape_(shape), mean_(mean), sigma_(sigma), alpha_(alpha) {}

std::uint64_t LifetimeDistribution::sample(SplitMix64& rng) const {
  double x = mean_;
  switch (shape_) {
    case Shape::kFixed: break;
    case Shape::kUniform: x = 2.0 * mean_ * rng.unit(); break;
    case Shape::kExponential: x = sample_exponential(rng, mean_); break;
    case Shape::kLogNormal: x = mean_ * det_exp(sigma_ * sample_normal(rng) - 0.5 * sigma_ * sigma_); break;
    case Shape::kPowerLaw:
      // Pareto with shape alpha and the scale that gives this mean: x_m U^(-1/alpha).
      x = mean_ * (alpha_ - 1.0) / alpha_ * det_exp2(-det_log2(rng.open_unit()) / alpha_);
      break;
  }
  std::uint64_t v = round_to_u64(x);
  return v < 1 ? 1 : v;
}

}  // namespace heapreplay
