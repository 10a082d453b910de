// git: `git fast-import` of a generated history into a bare repository that
// is written here (HEAD, config, objects/, refs/): many commits, each
// changing files across a tree of folders, then `cat-blob` of a few blobs,
// whose object names (SHA-1 of "blob SIZE\0" and the contents) and contents
// are computed here.
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

constexpr std::uint64_t kCommits = 3000;  // at scale 1
constexpr std::uint64_t kLeastCommits = 5;
constexpr int kFiles = 600;
constexpr int kFolders = 30;
constexpr int kChangesPerCommit = 8;

std::uint32_t rotl(std::uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

// FIPS 180-4 SHA-1 of `data`, as 40 hexadecimal digits.
std::string sha1_hex(const std::string& data) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m = data;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m += '\x80';
  while (m.size() % 64 != 56) m += '\0';
  for (int i = 7; i >= 0; --i) m += static_cast<char>((bits >> (8 * i)) & 0xff);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i])) << 24 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 1])) << 16 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 2])) << 8 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 3]));
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20)
        f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40)
        f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60)
        f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else
        f = b ^ c ^ d, k = 0xCA62C1D6;
      const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rotl(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  char out[41];
  for (int i = 0; i < 5; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 40);
}

std::string blob_text(Stream& rng, std::uint64_t commit, int file) {
  std::string s;
  const std::uint64_t lines = 4 + rng.below(40);
  for (std::uint64_t l = 0; l < lines; ++l)
    s += "file " + std::to_string(file) + " commit " + std::to_string(commit) + " line " + std::to_string(l) + " " +
         base36(rng.next()) + "\n";
  return s;
}

std::string path_of(int file) { return "d" + std::to_string(file % kFolders) + "/f" + std::to_string(file) + ".txt"; }

}  // namespace

PreparedProgram prepare_git(const std::string& work, double scale) {
  make_work_folder(work);
  const std::uint64_t commits = scaled(scale, kCommits, kLeastCommits);
  // A bare repository as `git init --bare` leaves it, less the samples.
  const std::string repo = work + "/repo.git";
  for (const char* folder : {"", "/objects", "/objects/info", "/objects/pack", "/refs", "/refs/heads", "/refs/tags"})
    make_work_folder(repo + folder);
  write_work_file(repo, "HEAD", "ref: refs/heads/main\n");
  write_work_file(repo, "config", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n");

  Stream rng(20);
  std::string stream;
  std::uint64_t mark = 0;
  std::vector<std::uint64_t> probe_marks;
  std::vector<std::string> probe_texts;
  for (std::uint64_t c = 0; c < commits; ++c) {
    std::vector<std::pair<int, std::uint64_t>> changes;  // (file, blob mark)
    for (int k = 0; k < kChangesPerCommit; ++k) {
      const int file = c == 0 && k == 0 ? 0 : static_cast<int>(rng.below(kFiles));
      std::string text = blob_text(rng, c, file);
      stream += "blob\nmark :" + std::to_string(++mark) + "\ndata " + std::to_string(text.size()) + "\n" + text + "\n";
      changes.emplace_back(file, mark);
      if (c == 0 && k == 0) probe_marks.push_back(mark), probe_texts.push_back(text);
      if (c + 1 == commits && k + 1 == kChangesPerCommit) probe_marks.push_back(mark), probe_texts.push_back(text);
    }
    const std::string message = "commit " + std::to_string(c) + "\n";
    const std::string when = std::to_string(1700000000 + c * 60) + " +0000";
    stream += "commit refs/heads/main\nmark :" + std::to_string(++mark) + "\n";
    stream += "author heapreplay <suite@heapreplay.invalid> " + when + "\n";
    stream += "committer heapreplay <suite@heapreplay.invalid> " + when + "\n";
    stream += "data " + std::to_string(message.size()) + "\n" + message;
    for (const auto& [file, blob] : changes) stream += "M 100644 :" + std::to_string(blob) + " " + path_of(file) + "\n";
    if (c % 7 == 6) stream += "D " + path_of(static_cast<int>(rng.below(kFiles))) + "\n";
    stream += "\n";
  }
  std::string expected;
  for (std::size_t i = 0; i < probe_marks.size(); ++i) {
    stream += "cat-blob :" + std::to_string(probe_marks[i]) + "\n";
    const std::string& text = probe_texts[i];
    expected += sha1_hex("blob " + std::to_string(text.size()) + std::string(1, '\0') + text) + " blob " +
                std::to_string(text.size()) + "\n" + text + "\n";
  }
  stream += "done\n";
  write_work_file(work, "history.fi", stream);

  PreparedProgram p =
      run_in(work, "/usr/bin/git", {"--git-dir=repo.git", "fast-import", "--quiet", "--done", "--force"});
  p.stdin_path = work + "/history.fi";
  // No configuration but the repository's own, and nothing that could start a pager or ask for input.
  p.env = {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "HOME=" + work};
  p.expected_stdout = expected;
  p.expected_files.push_back({"repo.git/refs/heads/main", "", {}});
  return p;
}

}  // namespace heapreplay::programs
