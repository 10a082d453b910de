// How fuzz_record.cpp turns its input into a raw recording folder (the files
// libhr_record.so writes: traces/record_format.h), shared with the regression
// tests. The recorded program shares its address space with those files'
// mappings, so a program with a wild pointer can leave anything in them, and
// `heapreplay record` must refuse it in one line or make a valid trace.
//
// Input: a flag byte, 512 bytes of process header (short inputs are padded
// with zeros), then the thread files back to back: a new file starts at every
// 8-byte word (counted from the end of the process header) that holds the
// thread magic "HRRECTHR". Words before the first magic make a file of their
// own, which then has no magic.
//
// Flags:
//   bit 0  set the magic and version of the process header and the version
//          and word size of each thread header, so the fuzzer gets past them
//   bit 1  first thread file: put failed calls before its first records,
//          so that those end 0-3 words (bits 2-3) past the end of the first
//          1 MiB chunk, where a record must not run
//
// A thread file is laid out the way the recorder lays it out: the 64-byte
// header, then records; after an HR_OP_PAD word, what follows goes at the
// start of the next chunk.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "traces/record_format.h"

namespace heapreplay::fuzz {

constexpr std::size_t kRecordMaxThreadFiles = 64;

struct RecordFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

namespace record_input_detail {

constexpr std::size_t kWord = sizeof(std::uint64_t);
constexpr std::size_t kChunkWords = HR_RECORD_CHUNK_BYTES / kWord;
constexpr std::size_t kHeaderWords = HR_RECORD_THREAD_HEADER_BYTES / kWord;

inline std::uint64_t word_at(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, kWord);
  return w;
}

// One thread file from `words` (its header first) in the recorder's layout.
inline std::vector<std::uint64_t> lay_out_thread(std::vector<std::uint64_t> words, bool fix, bool fill,
                                                 unsigned overhang) {
  if (words.size() < kHeaderWords) words.resize(kHeaderWords, 0);
  if (fix) {
    hr_thread_header h;
    std::memcpy(&h, words.data(), sizeof h);
    std::memcpy(h.magic, HR_RECORD_THREAD_MAGIC, 8);
    h.version = HR_RECORD_VERSION;
    h.word_bytes = kWord;
    std::memcpy(words.data(), &h, sizeof h);
  }
  std::vector<std::uint64_t> out(words.begin(), words.begin() + kHeaderWords);
  std::size_t i = kHeaderWords;
  if (fill) {
    // The records up to the first PAD (or the end) are what must straddle.
    std::size_t first_len = 0;
    for (std::size_t k = i; k < words.size();) {
      const unsigned n = hr_record_words(HR_RECORD_OP(words[k]));
      if (n == 0 || HR_RECORD_OP(words[k]) == HR_OP_PAD) break;
      first_len += std::min<std::size_t>(n, words.size() - k);
      k += n;
    }
    const std::size_t start = kChunkWords + overhang - std::min(first_len, kChunkWords - kHeaderWords - 3);
    std::size_t gap = start > kHeaderWords ? start - kHeaderWords : 0;
    // Failed calls make no events, so the filler costs the merge little: a
    // 3-word malloc and a 2-word free(NULL) where the gap needs them, then
    // 4-word callocs.
    if (gap % 4 == 1 && gap >= 5) {
      out.insert(out.end(), {std::uint64_t{HR_OP_MALLOC}, 0, 0, std::uint64_t{HR_OP_FREE}, 0});
      gap -= 5;
    } else if (gap % 4 == 2) {
      out.insert(out.end(), {std::uint64_t{HR_OP_FREE}, 0});
      gap -= 2;
    } else if (gap % 4 == 3) {
      out.insert(out.end(), {std::uint64_t{HR_OP_MALLOC}, 0, 0});
      gap -= 3;
    }
    out.reserve(out.size() + gap + words.size());
    for (; gap >= 4; gap -= 4) {
      for (std::uint64_t w : {std::uint64_t{HR_OP_CALLOC}, std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1}})
        out.push_back(w);
    }
  }
  while (i < words.size()) {
    const std::uint64_t head = words[i];
    const unsigned op = HR_RECORD_OP(head);
    const unsigned n = hr_record_words(op);
    if (op == HR_OP_PAD) {
      out.push_back(head);
      out.resize((out.size() / kChunkWords + 1) * kChunkWords, 0);
      ++i;
      continue;
    }
    if (n == 0 || head == 0) {  // what the reader stops at: the rest as it is
      out.insert(out.end(), words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
      break;
    }
    const std::size_t take = std::min<std::size_t>(n, words.size() - i);
    out.insert(out.end(), words.begin() + static_cast<std::ptrdiff_t>(i),
               words.begin() + static_cast<std::ptrdiff_t>(i + take));
    i += take;
  }
  return out;
}

}  // namespace record_input_detail

// The files of one process image, as named in its folder.
inline std::vector<RecordFile> recording_from_input(const std::uint8_t* data, std::size_t size) {
  using namespace record_input_detail;
  std::vector<RecordFile> files;
  if (size == 0) return files;
  const std::uint8_t flags = data[0];
  ++data;
  --size;

  RecordFile process{HR_RECORD_PROCESS_FILE, std::vector<std::uint8_t>(HR_RECORD_PROCESS_FILE_BYTES, 0)};
  const std::size_t header = std::min<std::size_t>(size, sizeof(hr_process_header));
  std::memcpy(process.bytes.data(), data, header);
  if (flags & 1) {
    hr_process_header h;
    std::memcpy(&h, process.bytes.data(), sizeof h);
    std::memcpy(h.magic, HR_RECORD_PROCESS_MAGIC, 8);
    h.version = HR_RECORD_VERSION;
    std::memcpy(process.bytes.data(), &h, sizeof h);
  }
  files.push_back(std::move(process));
  data += header;
  size -= header;

  std::vector<std::vector<std::uint64_t>> threads;
  for (std::size_t off = 0; off + kWord <= size; off += kWord) {
    const bool magic = std::memcmp(data + off, HR_RECORD_THREAD_MAGIC, 8) == 0;
    if (threads.empty() || (magic && threads.size() < kRecordMaxThreadFiles)) threads.emplace_back();
    threads.back().push_back(word_at(data + off));
  }
  for (std::size_t k = 0; k < threads.size(); ++k) {
    const std::vector<std::uint64_t> words =
        lay_out_thread(std::move(threads[k]), flags & 1, k == 0 && (flags & 2), (flags >> 2) & 3);
    RecordFile f{HR_RECORD_THREAD_PREFIX + std::to_string(k), std::vector<std::uint8_t>(words.size() * kWord)};
    std::memcpy(f.bytes.data(), words.data(), f.bytes.size());
    files.push_back(std::move(f));
  }
  return files;
}

// Makes `image_dir` afresh (its parent must exist) and writes the files into
// it. False if that failed.
inline bool write_recording(const std::vector<RecordFile>& files, const std::string& image_dir) {
  std::error_code ec;
  std::filesystem::remove_all(image_dir, ec);
  if (::mkdir(image_dir.c_str(), 0700) != 0) return false;
  for (const RecordFile& f : files) {
    const std::string path = image_dir + "/" + f.name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = true;
    for (std::size_t done = 0; ok && done < f.bytes.size();) {
      const ssize_t n = ::write(fd, f.bytes.data() + done, f.bytes.size() - done);
      ok = n > 0;
      if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ::close(fd) == 0 && ok;
    if (!ok) return false;
  }
  return true;
}

}  // namespace heapreplay::fuzz
