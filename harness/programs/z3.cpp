// z3: a generated SMT-LIB2 script of many problems, each between (push) and
// (pop): random 3-SAT over booleans with a planted solution (so
// satisfiable), a linear system over the reals with a planted integer solution, and a
// small pigeonhole problem (unsatisfiable). What each (check-sat) must
// answer is known by construction.
#include <string>
#include <vector>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

constexpr std::uint64_t kRounds = 12;  // at scale 1; each round is three problems
constexpr std::uint64_t kLeastRounds = 1;
constexpr int kSatVars = 300;
constexpr int kSatClauses = 1230;  // 4.1 clauses per variable
constexpr int kLinearVars = 12;
constexpr int kLinearRows = 16;
constexpr int kPigeonHoles = 7;  // 8 pigeons

void planted_sat(std::string& s, Stream& rng) {
  std::vector<bool> truth(kSatVars);
  for (int v = 0; v < kSatVars; ++v) {
    truth[v] = rng.below(2) == 1;
    s += "(declare-const b" + std::to_string(v) + " Bool)\n";
  }
  for (int c = 0; c < kSatClauses;) {
    int var[3];
    bool neg[3], satisfied = false;
    for (int k = 0; k < 3; ++k) {
      var[k] = static_cast<int>(rng.below(kSatVars));
      neg[k] = rng.below(2) == 1;
      satisfied = satisfied || (truth[var[k]] != neg[k]);
    }
    if (!satisfied) continue;  // the planted assignment must satisfy every clause
    s += "(assert (or";
    for (int k = 0; k < 3; ++k) s += neg[k] ? " (not b" + std::to_string(var[k]) + ")" : " b" + std::to_string(var[k]);
    s += "))\n";
    ++c;
  }
}

void planted_linear(std::string& s, Stream& rng) {
  std::vector<long> x(kLinearVars);
  for (int v = 0; v < kLinearVars; ++v) {
    x[v] = static_cast<long>(rng.below(41)) - 20;
    s += "(declare-const x" + std::to_string(v) + " Real)\n(assert (<= -20 x" + std::to_string(v) + " 20))\n";
  }
  for (int r = 0; r < kLinearRows; ++r) {
    long lhs = 0;
    std::string terms;
    for (int v = 0; v < kLinearVars; ++v) {
      const long a = static_cast<long>(rng.below(19)) - 9;
      if (a == 0) continue;
      lhs += a * x[v];
      terms += " (* " + (a < 0 ? "(- " + std::to_string(-a) + ")" : std::to_string(a)) + " x" + std::to_string(v) + ")";
    }
    if (terms.empty()) continue;
    // Equalities for a third of the rows, bounds with slack for the rest.
    const long slack = static_cast<long>(rng.below(3));
    const long bound = r % 3 == 0 ? lhs : lhs + slack;
    const std::string num = bound < 0 ? "(- " + std::to_string(-bound) + ")" : std::to_string(bound);
    s += std::string("(assert (") + (r % 3 == 0 ? "=" : "<=") + " (+ 0" + terms + ") " + num + "))\n";
  }
}

void pigeonhole(std::string& s) {
  const int pigeons = kPigeonHoles + 1;
  for (int p = 0; p < pigeons; ++p)
    for (int h = 0; h < kPigeonHoles; ++h)
      s += "(declare-const p" + std::to_string(p) + "_" + std::to_string(h) + " Bool)\n";
  for (int p = 0; p < pigeons; ++p) {
    s += "(assert (or";
    for (int h = 0; h < kPigeonHoles; ++h) s += " p" + std::to_string(p) + "_" + std::to_string(h);
    s += "))\n";
  }
  for (int h = 0; h < kPigeonHoles; ++h)
    for (int p = 0; p < pigeons; ++p)
      for (int q = p + 1; q < pigeons; ++q)
        s += "(assert (not (and p" + std::to_string(p) + "_" + std::to_string(h) + " p" + std::to_string(q) + "_" +
             std::to_string(h) + ")))\n";
}

}  // namespace

PreparedProgram prepare_z3(const std::string& work, double scale) {
  make_work_folder(work);
  const std::uint64_t rounds = scaled(scale, kRounds, kLeastRounds);
  Stream rng(19);
  std::string s = "(set-option :print-success false)\n(set-logic ALL)\n";
  std::string expected;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    s += "(push 1)\n";
    planted_sat(s, rng);
    s += "(check-sat)\n(pop 1)\n(push 1)\n";
    planted_linear(s, rng);
    s += "(check-sat)\n(pop 1)\n(push 1)\n";
    pigeonhole(s);
    s += "(check-sat)\n(pop 1)\n";
    expected += "sat\nsat\nunsat\n";
  }
  write_work_file(work, "problems.smt2", s);
  PreparedProgram p = run_in(work, "/usr/bin/z3", {"-smt2", "problems.smt2"});
  p.expected_stdout = expected;
  return p;
}

}  // namespace heapreplay::programs
