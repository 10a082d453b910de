// python3 (with pymalloc and with PYTHONMALLOC=malloc), perl and lua5.4: one
// file of (key, value) records that each language's script groups into a
// hash of lists, sorts, checksums, turns into strings and partly deletes.
// What each prints is computed here from the same records.
#include <cctype>
#include <string>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

// Lines of records at scale 1 (each language's 0.5 to 5 s, docs/programs.md).
constexpr std::uint64_t kPythonLines = 400000;
constexpr std::uint64_t kPerlLines = 300000;
constexpr std::uint64_t kLuaLines = 300000;
constexpr std::uint64_t kLeastLines = 200;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

const char* kPythonScript = R"(import json
d = {}
with open("records.txt") as f:
    for line in f:
        k, v = line.split()
        d.setdefault(k, []).append(int(v))
s = json.dumps(d, sort_keys=True)
e = json.loads(s)
keys = sorted(e)
total = 0
for i, k in enumerate(keys):
    total = (total + (i + 1) * sum(e[k])) % 1000000007
for k in keys[::2]:
    del e[k]
joined = ",".join(k.upper() + str(len(e.get(k, ()))) for k in keys)
print(len(keys), len(e), total, len(s), len(joined))
)";

PreparedProgram python(const std::string& work, double scale, bool plain_malloc) {
  make_work_folder(work);
  Records r = make_records(scaled(scale, kPythonLines, kLeastLines), 15);
  write_work_file(work, "records.txt", r.text);
  write_work_file(work, "dicts.py", kPythonScript);
  // -s: no user site folder. (Not -I or -E, which would ignore PYTHONMALLOC.)
  PreparedProgram p = run_in(work, "/usr/bin/python3", {"-s", "dicts.py"});
  if (plain_malloc) p.env.emplace_back("PYTHONMALLOC=malloc");
  // The JSON text json.dumps(sort_keys=True) writes, its length only.
  std::uint64_t json_length = 2, joined_length = 0, rank = 0;
  for (const auto& [key, values] : r.values) {
    if (rank != 0) json_length += 2;                 // ", "
    json_length += key.size() + 2 + 2 + 2;           // "key": [ ]
    for (std::size_t i = 0; i < values.size(); ++i)  //
      json_length += std::to_string(values[i]).size() + (i ? 2 : 0);
    // keys[::2] are deleted: even ranks (from 0) count 0 values.
    const std::size_t left = rank % 2 == 0 ? 0 : values.size();
    joined_length += (rank ? 1 : 0) + key.size() + std::to_string(left).size();
    ++rank;
  }
  const std::uint64_t keys = r.values.size();
  p.expected_stdout = std::to_string(keys) + " " + std::to_string(keys / 2) + " " + std::to_string(rank_checksum(r)) +
                      " " + std::to_string(json_length) + " " + std::to_string(joined_length) + "\n";
  return p;
}

const char* kPerlScript = R"(use strict; use warnings;
my %h;
open(my $f, '<', 'records.txt') or die "records.txt: $!";
while (my $line = <$f>) { my ($k, $v) = split ' ', $line; push @{$h{$k}}, $v; }
close $f;
my @keys = sort keys %h;
my ($total, $i) = (0, 0);
for my $k (@keys) { $i++; my $s = 0; $s += $_ for @{$h{$k}}; $total = ($total + $i * $s) % 1000000007; }
my $matched = grep { /^k[0-9a-z]*7$/ } @keys;
delete $h{$_} for grep { /[aeiou]/ } @keys;
my $str = join(',', map { uc($_) . scalar(@{$h{$_}}) } sort keys %h);
print scalar(@keys), ' ', scalar(keys %h), " $total $matched ", length($str), "\n";
)";

const char* kLuaScript = R"(local h, order = {}, {}
for line in io.lines("records.txt") do
  local k, v = line:match("^(%S+) (%d+)$")
  local t = h[k]
  if not t then t = {}; h[k] = t; order[#order + 1] = k end
  t[#t + 1] = tonumber(v)
end
table.sort(order)
local total = 0
for i, k in ipairs(order) do
  local s = 0
  for _, v in ipairs(h[k]) do s = s + v end
  total = (total + i * s) % 1000000007
end
local parts = {}
for _, k in ipairs(order) do parts[#parts + 1] = string.upper(k) .. #h[k] end
local joined = table.concat(parts, ",")
for i = 1, #order, 2 do h[order[i]] = nil end
collectgarbage()
local left = 0
for _ in pairs(h) do left = left + 1 end
print(#order, left, total, #joined)
)";

}  // namespace

PreparedProgram prepare_python(const std::string& work, double scale) { return python(work, scale, false); }
PreparedProgram prepare_python_malloc(const std::string& work, double scale) { return python(work, scale, true); }

PreparedProgram prepare_perl(const std::string& work, double scale) {
  make_work_folder(work);
  Records r = make_records(scaled(scale, kPerlLines, kLeastLines), 16);
  write_work_file(work, "records.txt", r.text);
  write_work_file(work, "hashes.pl", kPerlScript);
  PreparedProgram p = run_in(work, "/usr/bin/perl", {"hashes.pl"});
  std::uint64_t matched = 0, left = 0, length = 0;
  for (const auto& [key, values] : r.values) {
    if (key.back() == '7') ++matched;
    if (key.find_first_of("aeiou") != std::string::npos) continue;
    length += (left++ ? 1 : 0) + key.size() + std::to_string(values.size()).size();
  }
  p.expected_stdout = std::to_string(r.values.size()) + " " + std::to_string(left) + " " +
                      std::to_string(rank_checksum(r)) + " " + std::to_string(matched) + " " + std::to_string(length) +
                      "\n";
  return p;
}

PreparedProgram prepare_lua(const std::string& work, double scale) {
  make_work_folder(work);
  Records r = make_records(scaled(scale, kLuaLines, kLeastLines), 17);
  write_work_file(work, "records.txt", r.text);
  write_work_file(work, "tables.lua", kLuaScript);
  PreparedProgram p = run_in(work, "/usr/bin/lua5.4", {"tables.lua"});
  std::uint64_t length = 0, n = 0;
  for (const auto& [key, values] : r.values)
    length += (n++ ? 1 : 0) + upper(key).size() + std::to_string(values.size()).size();
  const std::uint64_t keys = r.values.size();
  // Lua's print separates its values with tabs.
  p.expected_stdout = std::to_string(keys) + "\t" + std::to_string(keys / 2) + "\t" + std::to_string(rank_checksum(r)) +
                      "\t" + std::to_string(length) + "\n";
  return p;
}

}  // namespace heapreplay::programs
