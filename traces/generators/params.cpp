// Parameter parsing and typed reads (see params.h).
#include "traces/generators/params.h"

#include <charconv>
#include <limits>

namespace heapreplay {

namespace {

std::string phase_key(std::string_view name, int phase) {
  return "p" + std::to_string(phase) + "." + std::string(name);
}

}  // namespace

std::optional<double> parse_decimal(std::string_view text) {
  int scale = 0;  // power of ten to divide by
  if (!text.empty() && text.back() == '%') {
    scale = 2;
    text.remove_suffix(1);
  }
  std::uint64_t mantissa = 0;
  int digits = 0, fraction_digits = 0;
  bool point = false;
  bool any_digit = false;
  for (char c : text) {
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    if (mantissa == 0 && c == '0') {  // leading zeros carry no precision
      if (point) ++fraction_digits;
      continue;
    }
    if (++digits > 15) return std::nullopt;  // keeps the mantissa exact in a double
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
    if (point) ++fraction_digits;
  }
  if (!any_digit) return std::nullopt;
  scale += fraction_digits;
  if (scale > 22) return mantissa == 0 ? std::optional<double>(0.0) : std::nullopt;
  double divisor = 1.0;
  for (int i = 0; i < scale; ++i) divisor *= 10.0;  // exact up to 10^22
  return static_cast<double>(mantissa) / divisor;
}

// "pN.name" -> (N, name); anything else -> (0, key).
static std::pair<int, std::string_view> split_phase(std::string_view key) {
  if (key.size() < 4 || key[0] != 'p' || key[1] < '1' || key[1] > '9') return {0, key};
  auto dot = key.find('.');
  if (dot == std::string_view::npos || dot > 4) return {0, key};
  int n = 0;
  auto [ptr, ec] = std::from_chars(key.data() + 1, key.data() + dot, n);
  if (ec != std::errc() || ptr != key.data() + dot || dot + 1 == key.size()) return {0, key};
  return {n, key.substr(dot + 1)};
}

GenParams::GenParams(std::string kind, std::span<const ParamSpec> specs, const std::vector<std::string>& items,
                     bool phased)
    : kind_(std::move(kind)), specs_(specs), phased_(phased) {
  int highest_phase = 0;
  std::string highest_key;
  for (const std::string& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw GenError(kind_ + ": parameter '" + item + "' is not of the form key=value");
    std::string key = item.substr(0, eq);
    auto [phase, name] = phased_ ? split_phase(key) : std::pair<int, std::string_view>{0, key};
    bool known = false;
    for (const ParamSpec& s : specs_) known = known || s.name == name;
    if (!known) {
      std::string list;
      for (const ParamSpec& s : specs_) list += (list.empty() ? "" : ", ") + std::string(s.name);
      throw GenError(kind_ + ": unknown parameter '" + key + "' (known: " + list + ")");
    }
    if (phase > 0 && name == "phases")
      throw GenError(kind_ + ": parameter 'phases' cannot be set per phase ('" + key + "')");
    if (phase > highest_phase) {
      highest_phase = phase;
      highest_key = key;
    }
    if (!given_.emplace(key, item.substr(eq + 1)).second)
      throw GenError(kind_ + ": parameter '" + key + "' given twice");
  }
  if (phased_) {
    phases_ = static_cast<int>(count("phases", 0, 1, 64));
    if (highest_phase > phases_)
      throw GenError(kind_ + ": parameter '" + highest_key + "' names phase " + std::to_string(highest_phase) +
                     " but phases is " + std::to_string(phases_));
  }
}

const ParamSpec& GenParams::spec(std::string_view name) const {
  for (const ParamSpec& s : specs_)
    if (s.name == name) return s;
  throw std::logic_error(kind_ + ": no parameter '" + std::string(name) + "' in the table");
}

bool GenParams::given(std::string_view name, int phase) const {
  if (phased_ && phase > 0 && given_.count(phase_key(name, phase))) return true;
  return given_.find(name) != given_.end();
}

std::pair<std::string, std::string> GenParams::lookup(std::string_view name, int phase) const {
  if (phased_ && phase > 0) {
    std::string k = phase_key(name, phase);
    if (auto it = given_.find(k); it != given_.end()) return {it->second, k};
  }
  if (auto it = given_.find(name); it != given_.end()) return {it->second, it->first};
  return {std::string(spec(name).default_value), std::string(name)};
}

void GenParams::fail(std::string_view name, int phase, const std::string& need) const {
  auto [value, key] = lookup(name, phase);
  throw GenError(kind_ + ": parameter '" + key + "' needs " + need + ", not '" + value + "'");
}

std::uint64_t GenParams::count(std::string_view name, int phase, std::uint64_t lo, std::uint64_t hi) const {
  auto v = parse_count(lookup(name, phase).first);
  auto range = [&] {
    return " from " + std::to_string(lo) + (hi == ~std::uint64_t{0} ? " up" : " to " + std::to_string(hi));
  };
  if (!v) fail(name, phase, "a count (e.g. 1000, 10k, 2M)");
  if (*v < lo || *v > hi) fail(name, phase, "a count" + range());
  return *v;
}

std::uint64_t GenParams::bytes(std::string_view name, int phase, std::uint64_t lo, std::uint64_t hi) const {
  auto v = parse_size(lookup(name, phase).first);
  if (!v) fail(name, phase, "a size in bytes (e.g. 64, 4K, 1M)");
  if (*v < lo || *v > hi)
    fail(
        name, phase,
        "a size in bytes from " + std::to_string(lo) + (hi == ~std::uint64_t{0} ? " up" : " to " + std::to_string(hi)));
  return *v;
}

double GenParams::decimal(std::string_view name, int phase, double lo, double hi) const {
  auto v = parse_decimal(lookup(name, phase).first);
  auto number = [](double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  std::string what = hi == 1.0 && lo == 0.0 ? "a share from 0 to 1 (e.g. 0.05 or 5%)" : "a decimal number";
  if (!v) fail(name, phase, what);
  if (*v < lo || *v > hi)
    fail(name, phase,
         hi == 1.0 && lo == 0.0 ? what : what + " from " + number(lo) + (hi >= 1e300 ? " up" : " to " + number(hi)));
  return *v;
}

bool GenParams::flag(std::string_view name, int phase) const {
  std::string v = lookup(name, phase).first;
  if (v == "1" || v == "yes" || v == "true") return true;
  if (v == "0" || v == "no" || v == "false") return false;
  fail(name, phase, "0 or 1");
}

std::string GenParams::text(std::string_view name, int phase) const { return lookup(name, phase).first; }

std::string GenParams::choice(std::string_view name, std::span<const std::string_view> allowed, int phase) const {
  std::string v = lookup(name, phase).first;
  std::string list;
  for (std::string_view a : allowed) {
    if (a == v) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  fail(name, phase, "one of " + list);
}

}  // namespace heapreplay
