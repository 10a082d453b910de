// heapreplay trace shrink: the smallest trace that still shows an outcome
// (a crash, a failed or invalid run, a hang, a metric past a value) under one
// allocator, by delta debugging (traces/tools/shrink.h). Each candidate is a
// run in its own child, made as any replay's run is.
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/numbers.h"
#include "harness/cli/cli.h"
#include "harness/process/interrupt.h"
#include "reports/aggregate.h"
#include "traces/hrt_format.h"
#include "traces/readers/trace_format.h"
#include "traces/tools/shrink.h"
#include "traces/trace_source.h"

namespace heapreplay::cli {

namespace {

using Clock = std::chrono::steady_clock;

// What a run must show for its trace to count as still failing.
struct Outcome {
  enum Kind { kCrashed, kFailed, kViolation, kTimeout, kMetric } kind = kCrashed;
  std::string metric;  // kMetric: a name of run_metrics
  bool above = true;   // kMetric: METRIC>VALUE (else METRIC<VALUE)
  double value = 0;
  int signal = 0;  // kCrashed: the signal the starting trace's run ended with

  static Outcome parse(const std::string& text) {
    Outcome o;
    if (text == "crashed") return o;
    if (text == "failed") return o.with(kFailed);
    if (text == "violation") return o.with(kViolation);
    if (text == "timeout") return o.with(kTimeout);
    auto op = text.find_first_of("<>");
    if (op == std::string::npos || op == 0 || op + 1 == text.size())
      throw UsageError("--until needs crashed, failed, violation, timeout or METRIC>VALUE (METRIC<VALUE), not '" +
                       text + "'");
    o.kind = kMetric;
    o.metric = text.substr(0, op);
    o.above = text[op] == '>';
    std::string v = text.substr(op + 1);
    char* end = nullptr;
    o.value = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !std::isfinite(o.value)) {
      auto size = parse_size(v);
      if (!size) throw UsageError("--until " + text + ": '" + v + "' is not a number or a size such as 64M");
      o.value = static_cast<double>(*size);
    }
    return o;
  }

  std::string text() const {
    switch (kind) {
      case kCrashed: return signal ? "crashed (" + signal_name(signal) + ")" : "crashed";
      case kFailed: return "failed";
      case kViolation: return "violation";
      case kTimeout: return "timeout";
      case kMetric: break;
    }
    std::ostringstream s;
    s << metric << (above ? " > " : " < ") << value;
    return s.str();
  }

  // The metric's value in an ok run, if it measured it.
  std::optional<double> measured(const RunResult& r) const {
    for (const auto& [info, v] : run_metrics(r))
      if (info.name == metric) return v;
    return std::nullopt;
  }

  bool shown_by(const RunResult& r) const {
    switch (kind) {
      case kCrashed: return r.status == "crashed" && (signal == 0 || r.signal == signal);
      case kFailed: return r.status == "failed";
      case kViolation:
        return r.status == "failed" && (r.status_detail.rfind("validation failed", 0) == 0 ||
                                        r.status_detail.rfind("heap check failed", 0) == 0);
      case kTimeout: return r.status == "timeout";
      case kMetric: break;
    }
    if (r.status != "ok") return false;
    auto v = measured(r);
    return v && (above ? *v > value : *v < value);
  }

 private:
  Outcome with(Kind k) {
    kind = k;
    return *this;
  }
  static std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
  }
};

// "90", "90s", "10m", "1.5h": seconds.
double parse_duration(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end ? end : "";
  double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (end == text.c_str() || scale == 0 || !(v > 0) || !std::isfinite(v))
    throw UsageError("--budget needs a duration such as 90s, 10m or 1h, not '" + text + "'");
  return v * scale;
}

std::string duration_text(double seconds) {
  char buf[32];
  if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  return buf;
}

// "ok", "ok (peak_rss_bytes 1.2e+06)" for a metric outcome, "crashed: killed by SIGABRT".
std::string run_text(const RunResult& r, const Outcome& o) {
  if (r.status != "ok") return r.status + ": " + r.status_detail;
  std::ostringstream s;
  s << "ok";
  if (o.kind == Outcome::kMetric)
    if (auto v = o.measured(r)) s << " (" << o.metric << " " << *v << ")";
  return s.str();
}

struct ShrinkFlags {
  RunFlags run;
  std::string trace, format, until, budget;
};

po::options_description shrink_options(ShrinkFlags& f) {
  po::options_description d("Options");
  d.add_options()("trace", po::value(&f.trace), "the trace to shrink (any format)")(
      "output,o", po::value(&f.run.output), "the .hrt to write: the smallest trace so far, replaced atomically")(
      "allocator,a", po::value(&f.run.allocators)->composing(),
      "the allocator each candidate runs under: NAME[:key=value,...] or preload:/path/lib.so")(
      "until", po::value(&f.until),
      "the outcome to keep: crashed (with the starting trace's signal), failed, violation (implies --validate), "
      "timeout, or METRIC>VALUE / METRIC<VALUE over a metric of the report (e.g. peak_rss_bytes>64M)")(
      "budget", po::value(&f.budget), "stop after this long (e.g. 90s, 10m, 1h), keeping the smallest so far")(
      "timeout", po::value(&f.run.timeout_s)->default_value(60), "seconds each candidate may take before it is killed")(
      "touch", po::value(&f.run.touch)->default_value("pages"),
      "what the replay writes into each block: none | first | pages | all")(
      "malloc-alignment", po::value(&f.run.malloc_alignment)->default_value("natural"),
      "what malloc, calloc and realloc ask for: natural or a power of two")(
      "memory-limit", po::value(&f.run.memory_limit), "data memory each candidate may map (e.g. 4G; 0 = no limit)")(
      "serial", po::bool_switch(&f.run.serial), "replay multi-threaded traces on one thread, in trace order")(
      "pace", po::value(&f.run.pace)->default_value("fast"), "fast | recorded (follow the trace's timestamps)")(
      "inherit-env", po::bool_switch(&f.run.inherit_env),
      "let the candidates inherit the allocator variables of this environment")("format", po::value(&f.format),
                                                                                "force the input format");
  add_validate_option(d, f.run);
  return d;
}

// Runs candidates, one child each, and keeps the best so far on disk.
class Search {
 public:
  Search(const ShrinkFlags& f, Outcome outcome, SessionOptions options)
      : flags_(f), outcome_(std::move(outcome)), options_(std::move(options)), start_(Clock::now()) {
    if (!f.budget.empty()) budget_s_ = parse_duration(f.budget);
  }

  RunResult run(const Trace& t) {
    PreparedTrace p = workspace_.add(t, flags_.trace);
    RunResult r = run_one(p, options_.allocators.front(), options_);
    std::error_code ec;
    std::filesystem::remove(p.hrt_path, ec);
    return r;
  }

  // Writes the best so far; false (said on stderr) when it could not.
  bool keep(const Trace& t) {
    try {
      write_hrt(t, flags_.run.output, HrtEncoding::kCompact);
      return true;
    } catch (const std::runtime_error& e) {
      std::cerr << "heapreplay trace shrink: " << e.what() << " (" << flags_.run.output << " not written)\n";
      write_failed_ = true;
      return false;
    }
  }

  ShrinkHooks hooks() {
    ShrinkHooks h;
    h.test = [this](const Trace& t) { return outcome_.shown_by(run(t)); };
    h.improved = [this](const Trace& t, const ShrinkProgress& p) {
      keep(t);
      say(p);
    };
    h.stop = [this](const ShrinkProgress& p) {
      if (write_failed_ || interrupt_signal() != 0) return true;
      if (elapsed() - last_said_ >= 10) say(p);
      return budget_s_ > 0 && elapsed() >= budget_s_;
    };
    return h;
  }

  void say(const ShrinkProgress& p) {
    last_said_ = elapsed();
    std::cerr << "heapreplay: " << p.events << " events; " << p.candidates << " candidates tried; pass: " << p.pass
              << " (" << p.atoms;
    if (p.granularity > 1) std::cerr << " in " << p.granularity << " pieces";
    std::cerr << "); " << duration_text(elapsed());
    if (budget_s_ > 0) std::cerr << ", " << duration_text(std::max(0.0, budget_s_ - elapsed())) << " left";
    std::cerr << '\n';
  }

  void set_outcome(const Outcome& o) { outcome_ = o; }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  bool write_failed() const { return write_failed_; }

 private:
  const ShrinkFlags& flags_;
  Outcome outcome_;
  SessionOptions options_;
  TraceWorkspace workspace_;
  Clock::time_point start_;
  double budget_s_ = 0, last_said_ = 0;
  bool write_failed_ = false;
};

// Checks the flags; the outcome to keep and the candidates' run options.
std::pair<Outcome, SessionOptions> checked(ShrinkFlags& f) {
  if (f.trace.empty()) throw UsageError("no trace given");
  if (f.run.output.empty()) throw UsageError("need -o OUT.hrt for the shrunk trace");
  if (f.run.allocators.size() != 1) throw UsageError("give one allocator (-a NAME): each candidate runs under it");
  if (f.until.empty()) throw UsageError("need --until: crashed, failed, violation, timeout or METRIC>VALUE");
  if (f.run.allocators.front() == "all") throw UsageError("-a all: shrink runs one allocator");
  refuse_sweep(f.run.allocators.front(), "trace shrink");
  Outcome outcome = Outcome::parse(f.until);
  if (outcome.kind == Outcome::kViolation) f.run.validate = true;
  SessionOptions opt = session_options(f.run, "");
  if (outcome.kind != Outcome::kMetric) {
    // Only the status counts: no memory samples or latencies to take.
    opt.sample_every = 0;
    opt.latency_every = 0;
  }
  return {outcome, opt};
}

}  // namespace

int trace_shrink(const std::vector<std::string>& args) {
  ShrinkFlags f;
  po::options_description d = shrink_options(f);
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse("trace shrink", args, d, pos, vm,
             "TRACE -o OUT.hrt -a ALLOCATOR --until crashed|failed|violation|timeout|METRIC>VALUE [--budget 10m]"))
    return kExitOk;
  auto [outcome, opt] = checked(f);
  InterruptWatch watch;
  Trace source = load_trace(f.trace, f.format);
  Search search(f, outcome, opt);

  // The starting trace must show the outcome, or there is nothing to search.
  RunResult first = search.run(source);
  if (interrupt_signal() != 0) return exit_interrupted(interrupt_signal());
  if (outcome.kind == Outcome::kMetric && first.status == "ok" && !outcome.measured(first)) {
    std::string names;
    for (const auto& [info, v] : run_metrics(first)) names += (names.empty() ? "" : ", ") + info.name;
    throw UsageError("--until: this run measures no metric '" + outcome.metric + "' (it measures " + names + ")");
  }
  if (outcome.kind == Outcome::kCrashed && first.status == "crashed") outcome.signal = first.signal;
  search.set_outcome(outcome);
  if (!outcome.shown_by(first)) {
    std::cerr << "heapreplay trace shrink: " << f.trace << " does not show the outcome under " << opt.allocators.front()
              << ": the run was " << run_text(first, outcome) << ", not " << outcome.text() << "; nothing searched\n";
    return kExitBadInput;
  }
  std::cerr << "heapreplay: shrinking " << f.trace << " (" << source.events.size() << " events, " << source.thread_count
            << " thread(s)) under " << opt.allocators.front() << " until " << outcome.text()
            << " (its run: " << run_text(first, outcome) << ")\n";
  if (!search.keep(source)) return kExitOutputFailed;
  ShrinkResult r = shrink_trace(source, search.hooks());
  if (search.write_failed()) return kExitOutputFailed;
  const int sig = interrupt_signal();
  std::cerr << "heapreplay: " << f.trace << ": " << source.events.size() << " -> " << r.trace.events.size()
            << " events, "
            << (r.minimal ? "1-minimal"
                : sig     ? "stopped by a signal, not 1-minimal"
                          : "budget spent, not 1-minimal")
            << "; " << r.progress.candidates << " candidates in " << duration_text(search.elapsed()) << " -> "
            << f.run.output << '\n';
  return sig ? exit_interrupted(sig) : kExitOk;
}

}  // namespace heapreplay::cli
