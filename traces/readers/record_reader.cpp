// Raw recording reader and the causal merge of its thread streams (see
// record_reader.h).
#include "traces/readers/record_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_map>

#include "traces/readers/mapped_file.h"
#include "traces/record_format.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

namespace fs = std::filesystem;

// An allocation that waits for the free of its address is let go, as if that
// free had been lost, once the merge has moved this far past it: far more
// than any real gap between a realloc releasing its old block and returning.
constexpr std::uint64_t kMaxWaitNs = 1'000'000'000;

const char* error_where_text(std::uint32_t where) {
  switch (where) {
    case HR_ERROR_THREAD_FILE: return "creating a thread file";
    case HR_ERROR_EXTEND: return "growing a thread file";
    case HR_ERROR_MAP: return "mapping a thread file";
    default: return "recording";
  }
}

constexpr std::size_t kChunkWords = HR_RECORD_CHUNK_BYTES / sizeof(std::uint64_t);

// Turns record times into ns since base_ns. CLOCK_MONOTONIC recordings count
// ns already. TSC recordings count ticks: the scale is piecewise linear
// through the recording's (ticks, ns) pairs (process header, thread headers,
// HR_OP_SYNC records), so that it follows the TSC's rate as it was measured
// along the run; past the last pair it goes on at the mean rate of the whole.
class TimeScale {
 public:
  using Pair = std::pair<std::uint64_t, std::uint64_t>;  // (ticks, ns) since the base

  explicit TimeScale(bool ticks) : ticks_(ticks) {}

  void add(Pair p) { pairs_.push_back(p); }

  // Sorts the pairs and drops any that would make time run backwards. False
  // when no rate can be had (fewer than two pairs with time between them).
  bool finish() {
    if (!ticks_) return true;
    std::sort(pairs_.begin(), pairs_.end());
    std::vector<Pair> kept;
    for (const Pair& p : pairs_) {
      if (!kept.empty() && (p.first == kept.back().first || p.second < kept.back().second)) continue;
      kept.push_back(p);
    }
    pairs_ = std::move(kept);
    if (pairs_.size() < 2 || pairs_.back().second == pairs_.front().second) return false;
    for (std::size_t k = 0; k < pairs_.size(); ++k) {
      const bool last = k + 1 == pairs_.size();
      const Pair& from = last ? pairs_.front() : pairs_[k];  // past the end: the mean rate
      const Pair& to = last ? pairs_.back() : pairs_[k + 1];
      segments_.push_back(Segment(pairs_[k], to.second - from.second, to.first - from.first));
    }
    return true;
  }

  std::size_t pairs() const { return ticks_ ? pairs_.size() : 0; }

  // `hint` is the segment the caller's last time fell in: a stream's times
  // rise, so it is nearly always the right one.
  std::uint64_t ns(std::uint64_t t, std::size_t& hint) const {
    if (!ticks_) return t;
    const std::size_t n = pairs_.size();
    if (hint >= n || t < pairs_[hint].first || (hint + 1 < n && t >= pairs_[hint + 1].first)) {
      auto it =
          std::upper_bound(pairs_.begin(), pairs_.end(), t, [](std::uint64_t v, const Pair& p) { return v < p.first; });
      hint = it == pairs_.begin() ? 0 : static_cast<std::size_t>(it - pairs_.begin()) - 1;
    }
    const Segment& s = segments_[hint];
    if (t < s.ticks) return s.ns;  // before the base pair: cannot be, as the recorder writes them
    constexpr std::uint64_t kMax = ~std::uint64_t{0} >> 8;  // as far as a record's time can go
    const std::uint64_t add = s.scale(t - s.ticks);
    return add > kMax - s.ns ? kMax : s.ns + add;
  }

 private:
  // From `start` on, num ns every den ticks, as whole and fractional ns per
  // tick (the fraction in 64 bits, rounded up), so that a time costs one
  // multiplication, exact (floor(d * num / den)) for every d < 2^64 / den:
  // every d between pairs up to 2 s apart, which is nearly every record (a
  // chunk has a pair every MiB). Other times take one 128-bit division.
  struct Segment {
    std::uint64_t ticks, ns;  // the pair it starts at
    std::uint64_t num, den;
    std::uint64_t whole, frac;
    std::uint64_t exact_below;
    Segment(const Pair& start, std::uint64_t n, std::uint64_t d)
        : ticks(start.first), ns(start.second), num(n), den(d), whole(n / d) {
      const unsigned __int128 rem = n % d;
      frac = static_cast<std::uint64_t>(((rem << 64) + d - 1) / d);
      exact_below = ~std::uint64_t{0} / d;
    }
    std::uint64_t scale(std::uint64_t d) const {
      if (d >= exact_below) {
        const unsigned __int128 v = static_cast<unsigned __int128>(d) * num / den;
        return v > ~std::uint64_t{0} ? ~std::uint64_t{0} : static_cast<std::uint64_t>(v);
      }
      const auto hi = static_cast<std::uint64_t>((static_cast<unsigned __int128>(d) * frac) >> 64);
      std::uint64_t w;
      if (__builtin_mul_overflow(d, whole, &w) || __builtin_add_overflow(w, hi, &w)) return ~std::uint64_t{0};
      return w;
    }
  };

  bool ticks_;
  std::vector<Pair> pairs_;
  std::vector<Segment> segments_;  // one per pair: from it to the next (the last: on at the mean rate)
};

// A thread's records, in program order: the file as 8-byte words, and where
// the current record starts.
struct Stream {
  std::unique_ptr<MappedFile> file;
  const std::uint64_t* words = nullptr;
  std::size_t pos = 0;     // the current record's first word
  std::size_t end = 0;     // past the last record
  hr_record cur{};         // the current record, decoded
  std::uint64_t time = 0;  // its time in ns since base_ns
  std::size_t hint = 0;    // for TimeScale::ns
  const TimeScale* scale = nullptr;
  std::uint64_t count = 0;  // calls in the stream
  std::uint32_t seq = 0;
  bool parked = false;
  bool force = false;  // emit the next record without waiting
  std::uint64_t park_serial = 0;

  bool done() const { return pos >= end; }
};

// The first call at or after pos, past padding and clock pairs (end if none).
std::size_t skip_meta(const std::uint64_t* w, std::size_t pos, std::size_t end) {
  while (pos < end) {
    const unsigned op = HR_RECORD_OP(w[pos]);
    if (op == HR_OP_PAD)
      pos = (pos / kChunkWords + 1) * kChunkWords;
    else if (op == HR_OP_SYNC)
      pos += hr_record_words(HR_OP_SYNC);
    else
      break;
  }
  return pos < end ? pos : end;
}

hr_record decode(const std::uint64_t* w, std::size_t pos) {
  hr_record r{w[pos], 0, 0, 0};
  unsigned n = hr_record_words(HR_RECORD_OP(r.head));
  if (n > 1) r.addr = w[pos + 1];
  if (n > 2) r.size = w[pos + 2];
  if (n > 3) r.extra = w[pos + 3];
  return r;
}

void load(Stream& s) {
  s.cur = decode(s.words, s.pos);
  s.time = s.scale->ns(HR_RECORD_TIME(s.cur.head), s.hint);
}

// Moves to the next record (pos stays at end once there).
void advance(Stream& s) {
  s.pos = skip_meta(s.words, s.pos + hr_record_words(HR_RECORD_OP(s.cur.head)), s.end);
  if (!s.done()) load(s);
}

// A (ticks, ns) pair as times since the image's base; none when it is not
// after the base in both (a pair never written is zeros).
std::optional<TimeScale::Pair> since_base(const RecordedImage& image, std::uint64_t ticks, std::uint64_t ns) {
  if (ticks < image.base_ticks || ns < image.base_ns || (ticks == 0 && ns == 0)) return std::nullopt;
  return TimeScale::Pair{ticks - image.base_ticks, ns - image.base_ns};
}

// Opens a thread file; the clock pairs it holds (TSC recordings) go to
// `scale`. The stream's first record is loaded once the scale is finished.
Stream open_stream(const fs::path& path, const RecordedImage& image, TimeScale& scale) {
  Stream s;
  s.file = std::make_unique<MappedFile>(path.string());
  std::string_view bytes = s.file->text();
  if (bytes.size() < HR_RECORD_THREAD_HEADER_BYTES) return s;  // died before writing its header: no records
  hr_thread_header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, HR_RECORD_THREAD_MAGIC, 8) != 0) {
    if (std::all_of(bytes.begin(), bytes.begin() + HR_RECORD_THREAD_HEADER_BYTES, [](char c) { return c == 0; }))
      return s;  // created, never written
    throw TraceError(path.string(), 0, "not a heapreplay thread recording (bad magic)");
  }
  if (h.version != HR_RECORD_VERSION || h.word_bytes != sizeof(std::uint64_t))
    throw TraceError(
        path.string(), 0,
        "thread recording version " + std::to_string(h.version) + " is not " + std::to_string(HR_RECORD_VERSION));
  s.seq = h.seq;
  if (auto p = since_base(image, h.start_ticks, h.start_ns)) scale.add(*p);
  // The mapping is page-aligned (a copy, when the file cannot be mapped, is
  // aligned for any scalar), so the words can be read in place.
  const auto* w = reinterpret_cast<const std::uint64_t*>(bytes.data());
  const std::size_t limit = bytes.size() / sizeof(std::uint64_t);
  const std::size_t first = HR_RECORD_THREAD_HEADER_BYTES / sizeof(std::uint64_t);
  std::size_t pos = first;
  std::uint64_t index = 0, calls = 0;
  while (pos < limit) {
    // Acquire: a process of the recording may still be writing (a child that
    // outlived the program), and a head is stored after the rest.
    const std::uint64_t head = __atomic_load_n(&w[pos], __ATOMIC_ACQUIRE);
    if (head == 0) break;  // not written (yet): the stream ends here
    const unsigned op = HR_RECORD_OP(head);
    const unsigned n = hr_record_words(op);
    if (n == 0)
      throw TraceError(path.string(), 0, "record " + std::to_string(index) + " has unknown op " + std::to_string(op));
    if (op == HR_OP_PAD) {
      pos = (pos / kChunkWords + 1) * kChunkWords;
      continue;
    }
    if (pos + n > limit || pos / kChunkWords != (pos + n - 1) / kChunkWords)
      throw TraceError(path.string(), 0, "record " + std::to_string(index) + " runs past the end of its chunk");
    if (op == HR_OP_SYNC) {
      if (image.clock == HR_CLOCK_TSC) {
        if (auto p = since_base(image, image.base_ticks + HR_RECORD_TIME(head), w[pos + 1])) scale.add(*p);
      }
    } else {
      ++calls;
    }
    pos += n;
    ++index;
  }
  s.words = w;
  s.count = calls;
  s.end = std::min(pos, limit);
  s.pos = skip_meta(w, first, s.end);
  s.scale = &scale;
  return s;
}

// The address a record hands out (0: none).
std::uint64_t produced(const hr_record& r) {
  switch (HR_RECORD_OP(r.head)) {
    case HR_OP_FREE:
    case HR_OP_DROPPED: return 0;
    case HR_OP_REALLOC: return r.addr != r.extra ? r.addr : 0;  // in place: no new address
    default: return r.addr;
  }
}

// The address a record gives back (0: none).
std::uint64_t released(const hr_record& r) {
  switch (HR_RECORD_OP(r.head)) {
    case HR_OP_FREE: return r.addr;
    case HR_OP_REALLOC:
      if (r.extra == 0 || r.addr == r.extra) return 0;
      if (r.addr == 0 && r.size != 0) return 0;  // failed: the old block stays
      return r.extra;
    default: return 0;
  }
}

class Merger {
 public:
  Merger(std::vector<Stream>& streams, const RecordedImage& image, RecordingStats& stats)
      : streams_(streams), image_(image), stats_(stats), b_("record", ReusePolicy::kFreeOld) {}

  Trace run() {
    std::uint64_t total = 0;
    for (const Stream& s : streams_) total += s.count;
    b_.reserve(total);
    stats_.records = total;
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      if (!streams_[i].done()) push(i);
    }
    while (!ready_.empty() || parked_count_ > 0) {
      if (ready_.empty()) {
        release_oldest_parked();  // every stream waits: the frees they wait for were never recorded
        continue;
      }
      Key top = ready_.top();
      while (parked_count_ > 0 && oldest_parked_time() + kMaxWaitNs < top.time) {
        release_oldest_parked();
        top = ready_.top();
      }
      ready_.pop();
      // Threads run in bursts: go on with this stream for as long as its next
      // record still comes first, without a round trip through the queue
      // (the same order as pushing it back and popping it again).
      const std::size_t i = top.stream;
      while (step(i)) {
        const Key next = key_of(i);
        if ((!ready_.empty() && !(ready_.top() > next)) ||
            (parked_count_ > 0 && oldest_parked_time() + kMaxWaitNs < next.time)) {
          ready_.push(next);
          break;
        }
      }
    }
    b_.import_stats().source_lines = total;
    return b_.finish();
  }

 private:
  // Ready streams by the time of their next record; at equal times an
  // allocation goes before a free (a free can never precede the allocation of
  // its own block, while an allocation that needs the free first waits).
  struct Key {
    std::uint64_t time;
    int rank;
    std::size_t stream;
    bool operator>(const Key& o) const {
      if (time != o.time) return time > o.time;
      if (rank != o.rank) return rank > o.rank;
      return stream > o.stream;
    }
  };
  struct Parked {
    std::uint64_t time;
    std::size_t stream;
    std::uint64_t serial;
    bool operator>(const Parked& o) const { return time != o.time ? time > o.time : stream > o.stream; }
  };

  Key key_of(std::size_t i) const {
    const Stream& s = streams_[i];
    return {s.time, HR_RECORD_OP(s.cur.head) == HR_OP_FREE ? 1 : 0, i};
  }

  void push(std::size_t i) { ready_.push(key_of(i)); }

  std::uint64_t oldest_parked_time() {
    while (!parked_.empty()) {
      const Parked& p = parked_.top();
      const Stream& s = streams_[p.stream];
      if (s.parked && s.park_serial == p.serial) return p.time;
      parked_.pop();  // woken since
    }
    return ~std::uint64_t{0};
  }

  void release_oldest_parked() {
    oldest_parked_time();  // drops stale entries
    Parked p = parked_.top();
    parked_.pop();
    Stream& s = streams_[p.stream];
    s.parked = false;
    s.force = true;
    --parked_count_;
    push(p.stream);
  }

  // Emits stream i's current record, or parks the stream. Returns true when
  // the stream has a next record that is neither queued nor parked: the
  // caller queues it (or goes on with it).
  bool step(std::size_t i) {
    Stream& s = streams_[i];
    const hr_record r = s.cur;
    std::uint64_t a = produced(r);
    if (a != 0 && b_.is_live(a)) {
      if (s.force) {
        ++stats_.forced;
      } else if (release_coming(i, a, s.time)) {
        // Its previous object is freed later in the merge: wait for that free.
        ++stats_.waited;
        s.parked = true;
        s.park_serial = ++park_serial_;
        ++parked_count_;
        parked_.push({s.time, i, s.park_serial});
        waiters_[a].push_back(i);
        return false;
      } else {
        ++stats_.forced;  // no other thread frees it soon: the free was lost
      }
    }
    s.force = false;
    emit(r, s.time, s.seq);
    if (std::uint64_t rel = released(r)) wake(rel);
    advance(s);
    return !s.done();
  }

  // Whether another thread's stream releases addr no later than kMaxWaitNs
  // after time t (a wait is cut there anyway). The waiting thread's own later
  // release cannot come first, so it does not count. Waits are rare (times
  // already order nearly everything), so this looks ahead only when one
  // happens, and at most kLookAhead records of each stream.
  bool release_coming(std::size_t waiting, std::uint64_t addr, std::uint64_t t) const {
    constexpr std::uint64_t kLookAhead = 1 << 20;
    for (std::size_t k = 0; k < streams_.size(); ++k) {
      if (k == waiting) continue;
      const Stream& s = streams_[k];
      std::uint64_t seen = 0;
      std::size_t hint = s.hint;
      for (std::size_t pos = s.pos; pos < s.end;) {
        const hr_record r = decode(s.words, pos);
        if (s.scale->ns(HR_RECORD_TIME(r.head), hint) > t + kMaxWaitNs) break;
        if (released(r) == addr) return true;
        if (++seen == kLookAhead) return true;  // too far to tell: wait; the time limit still holds
        pos = skip_meta(s.words, pos + hr_record_words(HR_RECORD_OP(r.head)), s.end);
      }
    }
    return false;
  }

  void wake(std::uint64_t addr) {
    if (waiters_.empty()) return;  // nearly always: nothing waits
    auto it = waiters_.find(addr);
    if (it == waiters_.end()) return;
    std::vector<std::size_t> woken = std::move(it->second);
    waiters_.erase(it);
    for (std::size_t w : woken) {
      Stream& s = streams_[w];
      if (!s.parked) continue;  // released by the time limit meanwhile
      s.parked = false;
      --parked_count_;
      push(w);
    }
  }

  void emit(const hr_record& r, std::uint64_t t, std::uint64_t thread) {
    ImportStats& st = b_.import_stats();
    const std::uint64_t page = image_.page_bytes;
    switch (HR_RECORD_OP(r.head)) {
      case HR_OP_MALLOC:
        if (r.addr == 0)
          ++st.failed_in_source;
        else
          b_.malloc(r.addr, r.size, thread, t);
        break;
      case HR_OP_CALLOC:
        if (r.addr == 0)
          ++st.failed_in_source;
        else
          b_.calloc(r.addr, r.size, r.extra, thread, t);
        break;
      case HR_OP_REALLOC: emit_realloc(r, thread, t); break;
      case HR_OP_FREE:
        if (r.addr == 0)
          b_.free_null(thread, t);
        else
          b_.free(r.addr, thread, t);
        break;
      case HR_OP_MEMALIGN:
      case HR_OP_POSIX_MEMALIGN:
      case HR_OP_ALIGNED_ALLOC: {
        static constexpr AlignedKind kKinds[] = {AlignedKind::kMemalign, AlignedKind::kPosixMemalign,
                                                 AlignedKind::kAlignedAlloc};
        if (r.addr == 0)
          ++st.failed_in_source;
        else
          b_.aligned(r.addr, r.extra, r.size, kKinds[HR_RECORD_OP(r.head) - HR_OP_MEMALIGN], thread, t);
        break;
      }
      case HR_OP_VALLOC:
        if (r.addr == 0)
          ++st.failed_in_source;
        else
          b_.aligned(r.addr, page, r.size, AlignedKind::kValloc, thread, t);
        break;
      case HR_OP_PVALLOC: {
        // pvalloc rounds the size up to whole pages (0 to one page).
        std::uint64_t size = r.size == 0 ? page : r.size;
        if (size <= ~std::uint64_t{0} - (page - 1)) size = (size + page - 1) / page * page;
        if (r.addr == 0)
          ++st.failed_in_source;
        else
          b_.aligned(r.addr, page, size, AlignedKind::kValloc, thread, t);
        break;
      }
      case HR_OP_DROPPED: stats_.dropped += r.addr; break;
    }
  }

  void emit_realloc(const hr_record& r, std::uint64_t thread, std::uint64_t t) {
    std::optional<std::uint64_t> old;
    if (r.extra != 0) old = r.extra;
    if (r.size == 0) {
      // realloc(p, 0): glibc frees p and returns NULL; other allocators return
      // a fresh minimal block, which the trace then allocates as malloc(0).
      b_.realloc(old, 0, 0, thread, t);
      if (r.addr != 0) b_.malloc(r.addr, 0, thread, t);
      return;
    }
    if (r.addr == 0) {
      ++b_.import_stats().failed_in_source;  // the old block stays as it was
      return;
    }
    b_.realloc(old, r.addr, r.size, thread, t);
  }

  std::vector<Stream>& streams_;
  const RecordedImage& image_;
  RecordingStats& stats_;
  TraceBuilder b_;
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready_;
  std::priority_queue<Parked, std::vector<Parked>, std::greater<Parked>> parked_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> waiters_;
  std::uint64_t parked_count_ = 0;
  std::uint64_t park_serial_ = 0;
};

bool read_process_header(const fs::path& dir, RecordedImage& out) {
  std::error_code ec;
  fs::path file = dir / HR_RECORD_PROCESS_FILE;
  if (!fs::is_regular_file(fs::symlink_status(file, ec))) return false;
  MappedFile m(file.string());
  std::string_view bytes = m.text();
  hr_process_header h;
  if (bytes.size() < sizeof h) return false;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, HR_RECORD_PROCESS_MAGIC, 8) != 0 || h.version != HR_RECORD_VERSION) return false;
  out.dir = dir.string();
  out.pid = h.pid;
  out.ppid = h.ppid;
  out.image = h.image;
  out.forked = h.forked != 0;
  out.exe.assign(h.exe, strnlen(h.exe, sizeof h.exe));
  out.page_bytes = h.page_bytes != 0 && (h.page_bytes & (h.page_bytes - 1)) == 0 ? h.page_bytes : 4096;
  out.base_ns = h.base_ns;
  out.realtime_ns = h.realtime_ns;
  out.clock = h.clock;
  if (h.clock == HR_CLOCK_TSC) {
    out.base_ticks = h.base_ticks;
    out.clock_pairs = {{h.base_ticks, h.base_ns}, {h.calib_ticks, h.calib_ns}};
    if (h.exit_ticks != 0) out.clock_pairs.emplace_back(h.exit_ticks, h.exit_ns);
  }
  if (h.error_errno != 0)
    out.error = std::string(error_where_text(h.error_where)) + ": " + std::strerror(static_cast<int>(h.error_errno));
  return true;
}

}  // namespace

std::vector<RecordedImage> list_recorded_images(const std::string& recording_dir) {
  std::vector<RecordedImage> images;
  std::error_code ec;
  fs::directory_iterator it(recording_dir, ec);
  if (ec) throw TraceError(recording_dir, 0, "cannot read the recording: " + ec.message());
  for (const fs::directory_entry& e : it) {
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    RecordedImage img;
    if (read_process_header(e.path(), img)) images.push_back(std::move(img));
  }
  std::sort(images.begin(), images.end(), [](const RecordedImage& a, const RecordedImage& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.image < b.image;
  });
  return images;
}

Trace read_recorded_image(const RecordedImage& image, RecordingStats* stats) {
  std::vector<Stream> streams;
  std::error_code ec;
  fs::directory_iterator it(image.dir, ec);
  if (ec) throw TraceError(image.dir, 0, "cannot read the recording: " + ec.message());
  if (image.clock != HR_CLOCK_MONOTONIC && image.clock != HR_CLOCK_TSC)
    throw TraceError(image.dir + "/" HR_RECORD_PROCESS_FILE, 0, "unknown clock " + std::to_string(image.clock));
  TimeScale scale(image.clock == HR_CLOCK_TSC);
  for (const auto& [ticks, ns] : image.clock_pairs) {
    if (auto p = since_base(image, ticks, ns)) scale.add(*p);
  }
  const std::string prefix = HR_RECORD_THREAD_PREFIX;
  for (const fs::directory_entry& e : it) {
    std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0 || !e.is_regular_file(ec) || e.is_symlink(ec)) continue;
    streams.push_back(open_stream(e.path(), image, scale));
  }
  if (!scale.finish())
    throw TraceError(image.dir + "/" HR_RECORD_PROCESS_FILE, 0,
                     "TSC recording without two clock pairs: its ticks cannot be turned into time");
  for (Stream& s : streams) {
    if (!s.done()) load(s);
  }
  // Ties between equal times go by file number.
  std::sort(streams.begin(), streams.end(), [](const Stream& a, const Stream& b) { return a.seq < b.seq; });
  RecordingStats local;
  Merger merger(streams, image, stats ? *stats : local);
  if (stats) *stats = RecordingStats{};
  Trace t = merger.run();
  if (stats) stats->clock_pairs = scale.pairs();
  return t;
}

}  // namespace heapreplay
