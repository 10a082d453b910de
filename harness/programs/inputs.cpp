// The input generators' shared pieces (see inputs.h).
#include "harness/programs/inputs.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace heapreplay::programs {

std::uint64_t Stream::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void make_work_folder(const std::string& work) {
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  if (ec) throw std::runtime_error(work + ": cannot make the folder: " + ec.message());
}

void write_work_file(const std::string& work, const std::string& name, std::string_view text) {
  const std::string path = work + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
}

std::uint64_t scaled(double scale, std::uint64_t full, std::uint64_t least) {
  const double v = std::round(scale * static_cast<double>(full));
  return v < static_cast<double>(least) ? least : static_cast<std::uint64_t>(v);
}

std::string base36(std::uint64_t v) {
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
    v /= 36;
  } while (v != 0);
  return s;
}

PreparedProgram run_in(const std::string& work, const char* executable, std::vector<std::string> args) {
  PreparedProgram p;
  p.argv.emplace_back(executable);
  p.argv.insert(p.argv.end(), args.begin(), args.end());
  p.cwd = work;
  return p;
}

Records make_records(std::uint64_t lines, std::uint64_t seed) {
  Records r;
  Stream rng(seed);
  const std::uint64_t keys = lines / 4 + 1;
  r.text.reserve(lines * 10);
  for (std::uint64_t i = 0; i < lines; ++i) {
    std::string key = "k" + base36(rng.below(keys));
    const std::uint64_t value = rng.below(1000);
    r.text += key;
    r.text += ' ';
    r.text += std::to_string(value);
    r.text += '\n';
    r.values[key].push_back(value);
  }
  return r;
}

std::uint64_t rank_checksum(const Records& r) {
  std::uint64_t total = 0, rank = 0;
  for (const auto& [key, values] : r.values) {
    std::uint64_t sum = 0;
    for (std::uint64_t v : values) sum += v;
    total = (total + ++rank * sum) % 1000000007ULL;
  }
  return total;
}

}  // namespace heapreplay::programs
