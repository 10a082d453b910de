// The fidelity block (reports/fidelity.h) on reports built by hand: which
// pairs the reference decides, whether the stand-in agrees, Kendall's tau,
// the memory-ratio errors, the warnings, the JSON round trip and the text.
#include "reports/fidelity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reports/markdown.h"
#include "reports/table.h"

namespace heapreplay {
namespace {

// Runs of one side: `reps` values around `wall_ms` and `rss_mib`, spread by
// `spread` (a fraction) so that the U test sees distinct values.
void add_runs(Report& rep, const std::string& kind, const std::string& trace, const std::string& allocator,
              double wall_ms, double rss_mib, int reps = 5, double spread = 0.01) {
  for (int k = 0; k < reps; ++k) {
    RunResult r;
    r.kind = kind;
    r.trace = trace;
    r.allocator = allocator;
    r.repetition = k;
    r.wall_ns = static_cast<std::uint64_t>(wall_ms * 1e6 * (1 + spread * k));
    r.peak_rss_bytes = static_cast<std::uint64_t>(rss_mib * 1048576 * (1 + spread * k));
    rep.runs.push_back(r);
  }
}

FidelitySubject subject(const std::string& name) {
  FidelitySubject s;
  s.name = name;
  s.reference_trace = name;
  s.reference_kind = "program";
  s.standin_trace = "recording:" + name;
  s.standin_kind = "recording";
  s.recorded_events = 1000000;
  s.recorded_peak_live_bytes = 80u << 20;
  s.baseline_rss_bytes = 0;
  return s;
}

const nlohmann::json* find_pair(const nlohmann::json& s, const std::string& a, const std::string& b,
                                const std::string& metric) {
  for (const nlohmann::json& p : s["pairs"])
    if (p["a"] == a && p["b"] == b && p["metric"] == metric) return &p;
  return nullptr;
}

TEST(Fidelity, AgreementCountsOnlyPairsTheReferenceDecides) {
  Report rep;
  // Program: glibc 1000 ms, jemalloc 800 ms (clearly apart); mimalloc 801
  // ms with a wide spread, so jemalloc/mimalloc is not significant.
  add_runs(rep, "program", "perl", "glibc", 1000, 100);
  add_runs(rep, "program", "perl", "jemalloc", 800, 120);
  add_runs(rep, "program", "perl", "mimalloc", 790, 80, 5, 0.05);
  // Replay: says jemalloc faster than glibc (agrees) and mimalloc slower
  // than glibc (disagrees: the program says mimalloc is faster).
  add_runs(rep, "replay", "recording:perl", "glibc", 300, 90);
  add_runs(rep, "replay", "recording:perl", "jemalloc", 200, 110);
  add_runs(rep, "replay", "recording:perl", "mimalloc", 350, 80);
  nlohmann::json f = compute_fidelity(rep, {subject("perl")});
  ASSERT_EQ(f["subjects"].size(), 1u);
  const nlohmann::json& s = f["subjects"][0];
  EXPECT_EQ(s["reference_allocator"], "glibc");
  const nlohmann::json* gj = find_pair(s, "glibc", "jemalloc", "time");
  ASSERT_NE(gj, nullptr);
  EXPECT_TRUE((*gj)["decided"].get<bool>());
  EXPECT_EQ((*gj)["reference_better"], "b");
  EXPECT_EQ((*gj)["standin_better"], "b");
  EXPECT_TRUE((*gj)["agree"].get<bool>());
  const nlohmann::json* gm = find_pair(s, "glibc", "mimalloc", "time");
  ASSERT_NE(gm, nullptr);
  EXPECT_TRUE((*gm)["decided"].get<bool>());
  EXPECT_FALSE((*gm)["agree"].get<bool>());
  const nlohmann::json* jm = find_pair(s, "jemalloc", "mimalloc", "time");
  ASSERT_NE(jm, nullptr);
  EXPECT_FALSE((*jm)["decided"].get<bool>()) << jm->dump();
  EXPECT_TRUE((*jm)["agree"].is_null());
  EXPECT_EQ(s["time"]["pairs"], 3);
  EXPECT_EQ(s["time"]["decided"], 2);
  EXPECT_EQ(s["time"]["agreeing"], 1);
  EXPECT_EQ(s["time"]["undecided"], 1);
  EXPECT_DOUBLE_EQ(s["time"]["agreement"].get<double>(), 0.5);
  // Memory: the same order on both sides (mimalloc < glibc < jemalloc).
  EXPECT_EQ(s["memory"]["decided"], 3);
  EXPECT_EQ(s["memory"]["agreeing"], 3);
  EXPECT_DOUBLE_EQ(s["memory"]["kendall_tau"].get<double>(), 1.0);
  EXPECT_EQ(f["totals"]["time"]["decided"], 2);
  EXPECT_EQ(f["totals"]["memory"]["agreeing"], 3);
}

TEST(Fidelity, MemoryRatiosSubtractTheProgramsBaseline) {
  Report rep;
  // Program: 20 MiB of code and libraries, then 100 vs 150 MiB of heap.
  add_runs(rep, "program", "p", "glibc", 100, 120, 5, 0);
  add_runs(rep, "program", "p", "jemalloc", 100, 170, 5, 0);
  add_runs(rep, "replay", "recording:p", "glibc", 10, 100, 5, 0);
  add_runs(rep, "replay", "recording:p", "jemalloc", 10, 140, 5, 0);
  FidelitySubject s = subject("p");
  s.baseline_rss_bytes = 20u << 20;
  nlohmann::json f = compute_fidelity(rep, {s});
  const nlohmann::json& a = f["subjects"][0]["allocators"][1];
  EXPECT_EQ(a["allocator"], "jemalloc");
  EXPECT_NEAR(a["reference_memory_ratio"].get<double>(), 1.5, 1e-9);
  EXPECT_NEAR(a["standin_memory_ratio"].get<double>(), 1.4, 1e-9);
  EXPECT_NEAR(a["memory_ratio_error"].get<double>(), 1.4 / 1.5 - 1, 1e-9);
  // The reference allocator's own cell (ratio 1 by definition) is not counted.
  EXPECT_EQ(f["subjects"][0]["memory"]["ratio_cells"], 1);
  EXPECT_EQ(f["subjects"][0]["memory"]["ratio_cells_close"], 1);  // -6.7% is within 10%
  EXPECT_DOUBLE_EQ(f["totals"]["memory"]["ratio_close_share"].get<double>(), 1.0);
  // Identical values everywhere: the U test cannot separate them.
  EXPECT_EQ(f["subjects"][0]["time"]["decided"], 0);
}

TEST(Fidelity, WarnsWhenTheRecordingCannotStandForTheProgram) {
  Report rep;
  add_runs(rep, "program", "python3", "glibc", 2000, 184);
  add_runs(rep, "program", "python3", "mimalloc", 1900, 180);
  add_runs(rep, "replay", "recording:python3", "glibc", 5, 42);
  add_runs(rep, "replay", "recording:python3", "mimalloc", 4, 40);
  FidelitySubject s = subject("python3");
  s.recorded_peak_live_bytes = 42u << 20;
  s.baseline_rss_bytes = 4u << 20;
  nlohmann::json f = compute_fidelity(rep, {s});
  const nlohmann::json& w = f["subjects"][0]["warnings"];
  ASSERT_EQ(w.size(), 2u) << w.dump();
  EXPECT_NE(w[0].get<std::string>().find("does not come from malloc"), std::string::npos);
  EXPECT_NE(w[0].get<std::string>().find("42.0 MiB"), std::string::npos) << w[0];
  EXPECT_NE(w[0].get<std::string>().find("23%"), std::string::npos) << w[0];  // 42 / (184 - 4)
  EXPECT_NE(w[1].get<std::string>().find("little of its time in malloc"), std::string::npos);
  // A recording that holds most of the heap, from a program that spends its time in malloc: no warning.
  Report quiet;
  add_runs(quiet, "program", "perl", "glibc", 1000, 100);
  add_runs(quiet, "program", "perl", "mimalloc", 900, 90);
  add_runs(quiet, "replay", "recording:perl", "glibc", 300, 85);
  add_runs(quiet, "replay", "recording:perl", "mimalloc", 250, 80);
  EXPECT_TRUE(compute_fidelity(quiet, {subject("perl")})["subjects"][0]["warnings"].empty());
}

TEST(Fidelity, AReplayGetsItsAllocatorsStartUpMemoryBackAndLockedDesignsAreTheirDropIns) {
  Report rep;
  // The program: tcmalloc needs 8 MiB more than glibc; the replay (whose
  // baseline already held tcmalloc's start-up memory) says 2 MiB more.
  add_runs(rep, "program", "p", "glibc", 100, 30, 5, 0.001);
  add_runs(rep, "program", "p", "tcmalloc", 100, 38, 5, 0.001);
  add_runs(rep, "program", "p", "segfit", 100, 29, 5, 0.001);
  add_runs(rep, "replay", "recording:p", "glibc", 10, 20, 5, 0.001);
  add_runs(rep, "replay", "recording:p", "tcmalloc", 10, 22, 5, 0.001);
  add_runs(rep, "replay", "recording:p", "segfit+lock", 10, 19, 5, 0.001);
  FidelitySubject s = subject("p");
  s.allocator_startup_rss_bytes = {{"glibc", 2u << 20}, {"tcmalloc", 8u << 20}, {"segfit", 2u << 20}};
  nlohmann::json f = compute_fidelity(rep, {s});
  const nlohmann::json& sj = f["subjects"][0];
  ASSERT_EQ(sj["allocators"].size(), 3u);
  EXPECT_EQ(sj["allocators"][2]["allocator"], "segfit");
  EXPECT_EQ(sj["allocators"][2]["standin_ok_runs"], 5);
  const nlohmann::json& tc = sj["allocators"][1];
  EXPECT_DOUBLE_EQ(tc["standin_startup_rss_added_bytes"].get<double>(), 6.0 * 1048576);
  EXPECT_NEAR(tc["standin_peak_rss_bytes"].get<double>(), (22 * 1.002 + 6) * 1048576, 1024);
  EXPECT_NEAR(tc["standin_memory_ratio"].get<double>(), 28.0 / 20, 1e-3);
  EXPECT_NEAR(tc["reference_memory_ratio"].get<double>(), 38.0 / 30, 1e-3);
  EXPECT_EQ(sj["memory"]["decided"], 3);
  EXPECT_EQ(sj["memory"]["agreeing"], 3);
}

TEST(Fidelity, TooFewRepetitionsDecideNothingAndSaySo) {
  Report rep;
  add_runs(rep, "program", "p", "glibc", 1000, 100, 3);
  add_runs(rep, "program", "p", "jemalloc", 500, 50, 3);
  add_runs(rep, "replay", "recording:p", "glibc", 300, 90, 3);
  add_runs(rep, "replay", "recording:p", "jemalloc", 200, 45, 3);
  nlohmann::json f = compute_fidelity(rep, {subject("p")});
  const nlohmann::json& s = f["subjects"][0];
  EXPECT_EQ(s["time"]["decided"], 0);
  EXPECT_TRUE(s["time"]["agreement"].is_null());
  ASSERT_FALSE(s["warnings"].empty());
  EXPECT_NE(s["warnings"][0].get<std::string>().find("no difference can be significant"), std::string::npos);
  EXPECT_NE(s["warnings"][0].get<std::string>().find("0.100"), std::string::npos);
}

TEST(Fidelity, AnAllocatorWithNoOkRunIsLeftOutOfThePairs) {
  Report rep;
  add_runs(rep, "program", "p", "glibc", 1000, 100);
  add_runs(rep, "program", "p", "jemalloc", 800, 90);
  add_runs(rep, "program", "p", "segfit", 700, 80);
  for (RunResult& r : rep.runs)
    if (r.allocator == "segfit") {
      r.status = "crashed";
      r.status_detail = "killed by SIGSEGV";
    }
  add_runs(rep, "replay", "recording:p", "glibc", 300, 90);
  add_runs(rep, "replay", "recording:p", "jemalloc", 200, 80);
  add_runs(rep, "replay", "recording:p", "segfit", 100, 70);
  nlohmann::json f = compute_fidelity(rep, {subject("p")});
  const nlohmann::json& s = f["subjects"][0];
  EXPECT_EQ(s["time"]["pairs"], 1);
  EXPECT_EQ(s["allocators"].size(), 3u);
  EXPECT_EQ(s["allocators"][2]["reference_ok_runs"], 0);
  ASSERT_EQ(s["warnings"].size(), 1u);
  EXPECT_NE(s["warnings"][0].get<std::string>().find("segfit: no ok program run (crashed: killed by SIGSEGV)"),
            std::string::npos)
      << s["warnings"][0];
}

TEST(Fidelity, ALookAlikeIsJudgedAgainstItsTracesReplay) {
  Report rep;
  add_runs(rep, "replay", "t.hrt", "glibc", 100, 50);
  add_runs(rep, "replay", "t.hrt", "jemalloc", 80, 60);
  add_runs(rep, "replay", "look-alike:t.hrt", "glibc", 110, 52);
  add_runs(rep, "replay", "look-alike:t.hrt", "jemalloc", 85, 61);
  FidelitySubject s;
  s.name = "t.hrt";
  s.reference_trace = "t.hrt";
  s.reference_kind = "replay";
  s.standin_trace = "look-alike:t.hrt";
  s.standin_kind = "look-alike";
  nlohmann::json f = compute_fidelity(rep, {s});
  const nlohmann::json& sj = f["subjects"][0];
  EXPECT_EQ(sj["time"]["decided"], 1);
  EXPECT_EQ(sj["time"]["agreeing"], 1);
  EXPECT_EQ(sj["memory"]["agreeing"], 1);
  EXPECT_NEAR(sj["allocators"][1]["reference_memory_ratio"].get<double>(), 60.0 / 50, 1e-3);
  EXPECT_TRUE(sj["warnings"].empty()) << sj["warnings"].dump();
}

TEST(Fidelity, KendallTauB) {
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {40, 30, 20, 10}), -1.0);
  // One swapped pair of six: (5 - 1) / 6.
  EXPECT_NEAR(kendall_tau_b({1, 2, 3, 4}, {1, 2, 4, 3}), 4.0 / 6, 1e-12);
  // Ties: x has one tied pair; tau-b = (C - D) / sqrt((n0 - n1)(n0 - n2)) = 5 / sqrt(5 * 6).
  EXPECT_NEAR(kendall_tau_b({1, 1, 2, 3}, {1, 2, 3, 4}), 5 / std::sqrt(30.0), 1e-12);
  EXPECT_TRUE(std::isnan(kendall_tau_b({1}, {1})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
}

TEST(Fidelity, RoundTripsThroughTheReportAndShowsInTheTable) {
  Report rep;
  add_runs(rep, "program", "perl", "glibc", 1000, 100);
  add_runs(rep, "program", "perl", "jemalloc", 800, 120);
  add_runs(rep, "replay", "recording:perl", "glibc", 300, 90);
  add_runs(rep, "replay", "recording:perl", "jemalloc", 200, 110);
  rep.fidelity = compute_fidelity(rep, {subject("perl")});
  Report back = report_from_json(nlohmann::json::parse(report_to_json(rep).dump()));
  EXPECT_EQ(back.fidelity, rep.fidelity);
  const std::string table = render_table(back);
  EXPECT_NE(table.find("fidelity of the recording of perl (1000000 events, peak live 80.0 MiB) to the program"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("time:   1 of 1 pairs decided by the reference, 1 agree (100%); Kendall tau 1.00"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("jemalloc          816.00 ms"), std::string::npos) << table;
  // A report without the block has none, and reads back without one.
  Report plain;
  add_runs(plain, "replay", "t", "glibc", 1, 1, 1);
  EXPECT_FALSE(report_to_json(plain).contains("fidelity"));
  EXPECT_TRUE(report_from_json(report_to_json(plain)).fidelity.is_null());
}

TEST(Fidelity, MarkdownHasATablePerSubjectWithEveryTextEscaped) {
  Report rep;
  add_runs(rep, "program", "a|b", "glibc", 1000, 100);
  add_runs(rep, "program", "a|b", "jemalloc", 800, 120);
  add_runs(rep, "replay", "recording:a|b", "glibc", 300, 90);
  add_runs(rep, "replay", "recording:a|b", "jemalloc", 200, 110);
  FidelitySubject s = subject("a|b");
  s.recorded_peak_live_bytes = 1u << 20;  // far below the RSS: a warning
  rep.fidelity = compute_fidelity(rep, {s});
  const std::string md = render_markdown(rep);
  EXPECT_NE(md.find("**Fidelity of the recording of a\\|b** (1000000 events) to the program"), std::string::npos) << md;
  EXPECT_NE(md.find("| jemalloc | 816.00 ms | 204.00 ms |"), std::string::npos) << md;
  EXPECT_NE(md.find("- Warning: the recording's peak live bytes (1.0 MiB) are 1%"), std::string::npos) << md;
}

TEST(Fidelity, AMalformedBlockIsRefusedOrShownAsSuch) {
  Report rep;
  add_runs(rep, "replay", "t", "glibc", 1, 1, 1);
  nlohmann::json j = report_to_json(rep);
  j["fidelity"] = 7;
  EXPECT_THROW(report_from_json(j), std::runtime_error);
  j["fidelity"] = {{"subjects", nlohmann::json::array({{{"name", "x"}}})}};
  Report back = report_from_json(j);
  const std::string text = render_fidelity(back.fidelity);
  EXPECT_NE(text.find("fidelity: the report's fidelity block is malformed"), std::string::npos) << text;
}

}  // namespace
}  // namespace heapreplay
