// sqlite3: a generated SQL script on stdin against an in-memory database:
// inserts in one transaction, two indexes, a join with aggregates, a group
// by, a distinct count, an update of strings, a delete. The answers are
// computed here from the same rows.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

constexpr std::uint64_t kRows = 200000;  // at scale 1
constexpr std::uint64_t kLeastRows = 100;

struct Row {
  std::uint64_t grp;
  std::string name;
  std::uint64_t val;
};

}  // namespace

PreparedProgram prepare_sqlite(const std::string& work, double scale) {
  make_work_folder(work);
  const std::uint64_t rows = scaled(scale, kRows, kLeastRows);
  const std::uint64_t groups = rows / 100 + 10;
  Stream rng(18);
  std::vector<Row> items;
  items.reserve(rows);
  std::string sql =
      "CREATE TABLE groups(id INTEGER PRIMARY KEY, label TEXT);\n"
      "CREATE TABLE items(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val INTEGER);\n"
      "BEGIN;\n";
  std::vector<std::string> labels(groups + 1);
  for (std::uint64_t g = 1; g <= groups; ++g) {
    labels[g] = "g" + base36(rng.below(groups / 2 + 1));
    sql += "INSERT INTO groups VALUES(" + std::to_string(g) + ",'" + labels[g] + "');\n";
  }
  for (std::uint64_t i = 1; i <= rows; ++i) {
    Row r{1 + rng.below(groups), "n" + base36(rng.below(rows)), rng.below(10000)};
    sql += "INSERT INTO items VALUES(" + std::to_string(i) + "," + std::to_string(r.grp) + ",'" + r.name + "'," +
           std::to_string(r.val) + ");\n";
    items.push_back(std::move(r));
  }
  sql +=
      "COMMIT;\n"
      "CREATE INDEX items_grp ON items(grp);\n"
      "CREATE INDEX items_name ON items(name);\n"
      "SELECT count(*), sum(i.val), count(DISTINCT g.label) FROM items i JOIN groups g ON g.id = i.grp;\n"
      "SELECT grp, count(*), sum(val) FROM items GROUP BY grp ORDER BY 3 DESC, 1 LIMIT 3;\n"
      "SELECT count(DISTINCT name), min(name), max(name) FROM items;\n"
      "UPDATE items SET name = name || '-even' WHERE grp % 2 = 0;\n"
      "SELECT count(*) FROM items WHERE name LIKE '%-even';\n"
      "DELETE FROM items WHERE val % 3 = 0;\n"
      "SELECT count(*), coalesce(sum(val), 0) FROM items;\n";
  write_work_file(work, "queries.sql", sql);

  PreparedProgram p = run_in(work, "/usr/bin/sqlite3", {"-batch", "-bail"});
  p.stdin_path = work + "/queries.sql";

  std::uint64_t sum = 0, even = 0, kept = 0, kept_sum = 0;
  std::set<std::string> used_labels, names;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> per_group;  // grp -> (count, sum)
  for (const Row& r : items) {
    sum += r.val;
    used_labels.insert(labels[r.grp]);
    names.insert(r.name);
    auto& [count, group_sum] = per_group[r.grp];
    ++count;
    group_sum += r.val;
    if (r.grp % 2 == 0) ++even;
    if (r.val % 3 != 0) ++kept, kept_sum += r.val;
  }
  std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> ranked;  // (sum, grp, count)
  for (const auto& [g, cs] : per_group) ranked.emplace_back(cs.second, g, cs.first);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : std::get<1>(a) < std::get<1>(b);
  });
  std::string out =
      std::to_string(items.size()) + "|" + std::to_string(sum) + "|" + std::to_string(used_labels.size()) + "\n";
  for (std::size_t i = 0; i < 3 && i < ranked.size(); ++i)
    out += std::to_string(std::get<1>(ranked[i])) + "|" + std::to_string(std::get<2>(ranked[i])) + "|" +
           std::to_string(std::get<0>(ranked[i])) + "\n";
  out += std::to_string(names.size()) + "|" + *names.begin() + "|" + *names.rbegin() + "\n";
  out += std::to_string(even) + "\n";
  out += std::to_string(kept) + "|" + std::to_string(kept_sum) + "\n";
  p.expected_stdout = out;
  return p;
}

}  // namespace heapreplay::programs
