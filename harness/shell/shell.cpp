// The general mode of `heapreplay shell` (see shell.h): a command loop over
// any allocator, instantiated per allocator type through with_allocator().
#include "harness/shell/shell.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/options.h"
#include "allocators/dispatch.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay::shell {

namespace {

const char* const kHelp =
    "commands (case-insensitive; H is a handle such as h1; sizes take K/M/G or 0x):\n"
    "  alloc SIZE [ALIGN]     allocate SIZE bytes (ALIGN: a power of two) and name the block\n"
    "  calloc N SIZE          allocate N * SIZE bytes, zeroed\n"
    "  realloc H SIZE         resize H (it keeps its name; SIZE 0 frees it)\n"
    "  free H                 free H\n"
    "  write H OFFSET TEXT    copy TEXT into H at OFFSET; TEXT is the rest of the line, or\n"
    "                         \"quoted\" with escapes \\n \\t \\r \\0 \\\\ \\\" \\xHH\n"
    "  read H OFFSET N        print N bytes of H from OFFSET, quoted and escaped\n"
    "  move SRC DST           copy SRC's bytes to the start of DST, then free SRC\n"
    "                         (MeMager's move: refused when DST is smaller)\n"
    "  list                   the live blocks\n"
    "  dump                   the allocator's own map of its heap\n"
    "  check                  walk the heap and check every live block\n"
    "  stats                  the allocator's statistics\n"
    "  save FILE.hrt          write the allocation calls so far as a trace for heapreplay replay\n"
    "  help                   this text\n"
    "  quit                   end the session (so does end of input); live blocks are freed\n";

// A command line split into words, with where each word starts (WRITE's text
// is the raw rest of the line).
struct Words {
  std::vector<std::string_view> w;
  std::vector<std::size_t> at;
};

Words split(std::string_view line) {
  Words out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    out.w.push_back(line.substr(i, j - i));
    out.at.push_back(i);
    i = j;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string hex_address(const void* p) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto [end, ec] = std::to_chars(buf + 2, buf + sizeof buf, reinterpret_cast<std::uintptr_t>(p), 16);
  (void)ec;
  return std::string(buf, end);
}

// The C-style escaped form READ prints; write's quoted TEXT reads it back.
void append_escaped(std::string& out, const unsigned char* p, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += kDigits[c >> 4];
          out += kDigits[c & 0xf];
        }
    }
  }
}

// A user error: one line, and the session goes on.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// TEXT of `write`: verbatim, or "quoted" with escapes.
std::string decode_text(std::string_view raw) {
  if (raw.empty() || raw.front() != '"') return std::string(raw);
  if (raw.size() < 2 || raw.back() != '"') throw CommandError("write: the quoted TEXT has no closing '\"'");
  raw = raw.substr(1, raw.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      if (raw[i] == '"') throw CommandError("write: a '\"' inside quoted TEXT must be written \\\"");
      out += raw[i];
      continue;
    }
    if (++i == raw.size()) throw CommandError("write: the quoted TEXT ends with a lone '\\'");
    switch (raw[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        unsigned v = 0;
        if (raw.size() - i < 3 ||
            std::from_chars(raw.data() + i + 1, raw.data() + i + 3, v, 16).ptr != raw.data() + i + 3)
          throw CommandError("write: \\x needs two hex digits");
        out += static_cast<char>(v);
        i += 2;
        break;
      }
      default: throw CommandError(std::string("write: unknown escape '\\") + raw[i] + "' in quoted TEXT");
    }
  }
  return out;
}

std::uint64_t number(std::string_view word, const char* what, const char* command) {
  auto v = parse_size(word);
  if (!v)
    throw CommandError(std::string(command) + ": bad " + what + " '" + std::string(word) +
                       "' (a number such as 100, 4K or 0x40)");
  return *v;
}

// One operation of the session, kept so that `save` can rebuild the trace.
struct LoggedOp {
  Op op;
  std::uint64_t key;
  std::uint64_t a;  // malloc/realloc: size; calloc: count; aligned: alignment
  std::uint64_t b;  // calloc/aligned: size
};

template <class A>
class Session {
 public:
  Session(A& a, const SessionIo& io, std::string allocator) : a_(a), io_(io), allocator_(std::move(allocator)) {}
  ~Session() {
    // Whatever is still live goes back, so no session leaks.
    for (auto& [id, h] : handles_) a_.deallocate(h.p, h.size, h.align);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int run() {
    std::string line;
    std::uint64_t line_no = 0;
    while (io_.in->read_line(line)) {
      ++line_no;
      try {
        if (!execute(line)) break;
      } catch (const CommandError& e) {
        report(line_no, e.what());
      } catch (const std::bad_alloc&) {
        report(line_no, "out of memory for the shell's own bookkeeping; command not done");
      }
      // Each answer goes out before the next command runs: if the allocator
      // crashes the process, everything up to that command has been shown.
      io_.out->flush();
    }
    return errors_ == 0 ? 0 : 1;
  }

 private:
  struct Handle {
    void* p;
    std::uint64_t size;  // as requested: every access is checked against it
    std::size_t align;   // as requested (kNaturalAlignment if none)
  };

  static constexpr bool kTouchable = touchable<A>();

  void report(std::uint64_t line_no, const std::string& what) {
    ++errors_;
    io_.out->flush();  // keeps answers and errors in order when both go to one place
    if (io_.interactive)
      *io_.err << "error: " << what << '\n';
    else
      *io_.err << "heapreplay shell: " << io_.source_name << ':' << line_no << ": " << what << '\n';
    io_.err->flush();
  }

  std::ostream& out() { return *io_.out; }

  void arity(const Words& w, std::size_t min_args, std::size_t max_args, const char* usage) {
    const std::size_t n = w.w.size() - 1;
    if (n < min_args || n > max_args) throw CommandError(std::string("usage: ") + usage);
  }

  std::uint64_t handle_id(std::string_view word, const char* command) {
    std::string_view digits = word;
    if (!digits.empty() && (digits.front() == 'h' || digits.front() == 'H')) digits.remove_prefix(1);
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
      throw CommandError(std::string(command) + ": '" + std::string(word) + "' is not a handle (handles look like h1)");
    if (handles_.find(id) == handles_.end())
      throw CommandError(std::string(command) + ": no live block h" + std::to_string(id) +
                         (id < next_id_ && id > 0 ? " (it was freed)" : ""));
    return id;
  }

  void require_memory(const char* command) {
    if (!kTouchable) throw CommandError(std::string(command) + ": " + allocator_ + " hands out no memory to touch");
  }

  std::string describe(std::uint64_t id) {
    const Handle& h = handles_.at(id);
    std::string s = "h" + std::to_string(id) + " = " + hex_address(h.p) + "  " + std::to_string(h.size) +
                    " bytes (usable " + std::to_string(static_cast<std::uint64_t>(a_.usable_size(h.p))) + ")";
    if (h.align != kNaturalAlignment) s += " aligned " + std::to_string(h.align);
    return s;
  }

  std::uint64_t add(void* p, std::uint64_t size, std::size_t align) {
    const std::uint64_t id = next_id_++;
    handles_.emplace(id, Handle{p, size, align});
    return id;
  }

  bool execute(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF scripts
    Words w = split(line);
    if (w.w.empty() || w.w[0].front() == '#') return true;
    const std::string cmd = lower(w.w[0]);
    if (cmd == "quit" || cmd == "exit") return false;
    if (cmd == "help") {
      out() << kHelp;
    } else if (cmd == "alloc") {
      cmd_alloc(w);
    } else if (cmd == "calloc") {
      cmd_calloc(w);
    } else if (cmd == "realloc") {
      cmd_realloc(w);
    } else if (cmd == "free") {
      arity(w, 1, 1, "free H");
      const std::uint64_t id = handle_id(w.w[1], "free");
      const Handle h = handles_.at(id);
      a_.deallocate(h.p, h.size, h.align);
      handles_.erase(id);
      log_.push_back({Op::kFree, id, 0, 0});
      out() << "h" << id << " freed\n";
    } else if (cmd == "write") {
      cmd_write(line, w);
    } else if (cmd == "read") {
      cmd_read(w);
    } else if (cmd == "move") {
      cmd_move(w);
    } else if (cmd == "list") {
      arity(w, 0, 0, "list");
      if (handles_.empty()) out() << "no live blocks\n";
      for (const auto& [id, h] : handles_) out() << describe(id) << '\n';
    } else if (cmd == "dump") {
      arity(w, 0, 0, "dump");
      a_.dump(out());
    } else if (cmd == "check") {
      arity(w, 0, 0, "check");
      cmd_check();
    } else if (cmd == "stats") {
      arity(w, 0, 0, "stats");
      cmd_stats();
    } else if (cmd == "save") {
      arity(w, 1, 1, "save FILE.hrt");
      cmd_save(std::string(w.w[1]));
    } else {
      throw CommandError("unknown command '" + std::string(w.w[0]) + "' (type help for the list)");
    }
    return true;
  }

  void cmd_alloc(const Words& w) {
    arity(w, 1, 2, "alloc SIZE [ALIGN]");
    const std::uint64_t size = number(w.w[1], "SIZE", "alloc");
    std::size_t align = kNaturalAlignment;
    if (w.w.size() == 3) {
      const std::uint64_t v = number(w.w[2], "ALIGN", "alloc");
      if (v == 0 || (v & (v - 1)) != 0)
        throw CommandError("alloc: ALIGN must be a power of two, not " + std::to_string(v));
      align = static_cast<std::size_t>(v);
    }
    void* p = a_.allocate(static_cast<std::size_t>(size), align);
    if (p == nullptr) {
      out() << "NULL: " << allocator_ << " could not allocate " << size << " bytes\n";
      return;
    }
    const std::uint64_t id = add(p, size, align);
    if (w.w.size() == 3)
      log_.push_back({Op::kAligned, id, align, size});
    else
      log_.push_back({Op::kMalloc, id, size, 0});
    out() << describe(id) << '\n';
  }

  void cmd_calloc(const Words& w) {
    arity(w, 2, 2, "calloc N SIZE");
    const std::uint64_t n = number(w.w[1], "N", "calloc");
    const std::uint64_t size = number(w.w[2], "SIZE", "calloc");
    if (size != 0 && n > UINT64_MAX / size)
      throw CommandError("calloc: " + std::to_string(n) + " * " + std::to_string(size) + " overflows 64 bits");
    const std::uint64_t bytes = n * size;
    void* p;
    if constexpr (A::kCapabilities.allocate_zeroed) {
      p = a_.allocate_zeroed(static_cast<std::size_t>(bytes));
    } else {
      p = a_.allocate(static_cast<std::size_t>(bytes), kNaturalAlignment);
      if constexpr (kTouchable)
        if (p != nullptr) std::memset(p, 0, static_cast<std::size_t>(bytes));
    }
    if (p == nullptr) {
      out() << "NULL: " << allocator_ << " could not allocate " << bytes << " bytes\n";
      return;
    }
    const std::uint64_t id = add(p, bytes, kNaturalAlignment);
    log_.push_back({Op::kCalloc, id, n, size});
    out() << describe(id) << '\n';
  }

  void cmd_realloc(const Words& w) {
    arity(w, 2, 2, "realloc H SIZE");
    const std::uint64_t id = handle_id(w.w[1], "realloc");
    const std::uint64_t size = number(w.w[2], "SIZE", "realloc");
    Handle& h = handles_.at(id);
    if (size == 0) {  // as the harness does: realloc to 0 frees
      a_.deallocate(h.p, h.size, h.align);
      handles_.erase(id);
      log_.push_back({Op::kRealloc, id, 0, 0});
      out() << "h" << id << " freed (realloc to 0)\n";
      return;
    }
    void* old = h.p;
    void* q = a_.reallocate(h.p, h.size, static_cast<std::size_t>(size), h.align);
    if (q == nullptr) {
      out() << "NULL: " << allocator_ << " could not resize h" << id << " to " << size << " bytes; h" << id
            << " is unchanged\n";
      return;
    }
    h.p = q;
    h.size = size;
    log_.push_back({Op::kRealloc, id, size, 0});
    out() << describe(id) << (q == old ? " in place" : " moved from " + hex_address(old)) << '\n';
  }

  // Offset and length inside the handle's requested size, or a CommandError.
  void check_range(const char* command, std::uint64_t id, std::uint64_t offset, std::uint64_t n) {
    const Handle& h = handles_.at(id);
    if (offset > h.size || n > h.size - offset)
      throw CommandError(std::string(command) + ": " + std::to_string(n) + " bytes at offset " +
                         std::to_string(offset) + " do not fit in h" + std::to_string(id) + " (" +
                         std::to_string(h.size) + " bytes)");
  }

  void cmd_write(std::string_view line, const Words& w) {
    if (w.w.size() < 4) throw CommandError("usage: write H OFFSET TEXT");
    const std::uint64_t id = handle_id(w.w[1], "write");
    const std::uint64_t offset = number(w.w[2], "OFFSET", "write");
    // TEXT: everything after OFFSET and the one blank that follows it.
    const std::size_t text_at = w.at[2] + w.w[2].size() + 1;
    const std::string text = decode_text(line.substr(std::min(text_at, line.size())));
    require_memory("write");
    check_range("write", id, offset, text.size());
    auto* dst = static_cast<char*>(handles_.at(id).p);
    if constexpr (A::kCapabilities.write) {
      // The design's own write (MeMager's), after the stricter check above.
      if (int rc = a_.write(dst, offset, text.data(), text.size()); rc != 0)
        throw CommandError("write: " + allocator_ + " refused with code " + std::to_string(rc));
    } else {
      std::memcpy(dst + offset, text.data(), text.size());
    }
    out() << "wrote " << text.size() << " bytes to h" << id << " at offset " << offset << '\n';
  }

  void cmd_read(const Words& w) {
    arity(w, 3, 3, "read H OFFSET N");
    const std::uint64_t id = handle_id(w.w[1], "read");
    const std::uint64_t offset = number(w.w[2], "OFFSET", "read");
    const std::uint64_t n = number(w.w[3], "N", "read");
    require_memory("read");
    check_range("read", id, offset, n);
    const auto* src = static_cast<const unsigned char*>(handles_.at(id).p) + offset;
    out() << '"';
    std::string text;
    constexpr std::uint64_t kPiece = 64 * 1024;
    piece_.resize(static_cast<std::size_t>(std::min(n, kPiece)));
    unsigned char* piece = piece_.data();
    for (std::uint64_t done = 0; done < n;) {
      const std::size_t m = static_cast<std::size_t>(std::min(n - done, kPiece));
      if constexpr (A::kCapabilities.read) {
        if (int rc = a_.read(handles_.at(id).p, static_cast<std::size_t>(offset + done), piece, m); rc != 0)
          throw CommandError("read: " + allocator_ + " refused with code " + std::to_string(rc));
      } else {
        std::memcpy(piece, src + done, m);
      }
      append_escaped(text, piece, m);
      out() << text;
      text.clear();
      done += m;
    }
    out() << "\"\n";
  }

  void cmd_move(const Words& w) {
    arity(w, 2, 2, "move SRC DST");
    const std::uint64_t from = handle_id(w.w[1], "move");
    const std::uint64_t to = handle_id(w.w[2], "move");
    if (from == to) throw CommandError("move: source and destination are the same block");
    require_memory("move");
    const Handle src = handles_.at(from);
    const Handle& dst = handles_.at(to);
    if (dst.size < src.size)
      throw CommandError("move: h" + std::to_string(to) + " (" + std::to_string(dst.size) +
                         " bytes) is smaller than h" + std::to_string(from) + " (" + std::to_string(src.size) +
                         " bytes); nothing moved");
    if constexpr (A::kCapabilities.move) {
      // MeMager's own move_ptr: copies and frees the source.
      if (int rc = a_.move(dst.p, src.p); rc != 0)
        throw CommandError("move: " + allocator_ + " refused with code " + std::to_string(rc) + "; nothing moved");
    } else {
      std::memmove(dst.p, src.p, static_cast<std::size_t>(src.size));
      a_.deallocate(src.p, src.size, src.align);
    }
    handles_.erase(from);
    log_.push_back({Op::kFree, from, 0, 0});
    out() << "moved " << src.size << " bytes from h" << from << " to h" << to << "; h" << from << " freed\n";
  }

  void cmd_check() {
    const CheckResult r = a_.check();
    if (!r.ok) throw CommandError("check: " + allocator_ + "'s heap is broken: " + r.problem);
    if constexpr (kTouchable) {
      // The shell's own view: each block as big and as aligned as asked, and no two overlapping.
      std::vector<std::pair<std::uintptr_t, std::uint64_t>> spans;
      for (const auto& [id, h] : handles_) {
        const std::uint64_t usable = a_.usable_size(h.p);
        if (usable < h.size)
          throw CommandError("check: h" + std::to_string(id) + " has " + std::to_string(usable) +
                             " usable bytes, fewer than the " + std::to_string(h.size) + " asked for");
        if (reinterpret_cast<std::uintptr_t>(h.p) % h.align != 0)
          throw CommandError("check: h" + std::to_string(id) + " at " + hex_address(h.p) + " is not aligned to " +
                             std::to_string(h.align));
        spans.emplace_back(reinterpret_cast<std::uintptr_t>(h.p), h.size);
      }
      std::sort(spans.begin(), spans.end());
      for (std::size_t i = 1; i < spans.size(); ++i)
        if (spans[i - 1].first + spans[i - 1].second > spans[i].first)
          throw CommandError("check: the blocks at " + hex_address(reinterpret_cast<void*>(spans[i - 1].first)) +
                             " and " + hex_address(reinterpret_cast<void*>(spans[i].first)) + " overlap");
    }
    std::uint64_t bytes = 0;
    for (const auto& [id, h] : handles_) bytes += h.size;
    out() << "heap ok: " << handles_.size() << " live blocks, " << bytes << " bytes requested\n";
  }

  void cmd_stats() {
    const AllocatorStats s = a_.stats();
    std::uint64_t bytes = 0;
    for (const auto& [id, h] : handles_) bytes += h.size;
    auto line = [&](std::string_view k, double v) {
      out() << k << std::string(k.size() < 32 ? 32 - k.size() : 1, ' ');
      if (v == std::floor(v) && std::fabs(v) < 1e18)
        out() << static_cast<long long>(v) << '\n';
      else
        out() << v << '\n';
    };
    line("live_blocks", static_cast<double>(handles_.size()));
    line("live_requested_bytes", static_cast<double>(bytes));
    line("footprint_bytes", static_cast<double>(s.footprint_bytes));
    line("footprint_peak_bytes", static_cast<double>(s.footprint_peak_bytes));
    line("metadata_bytes", static_cast<double>(s.metadata_bytes));
    line("map_calls", static_cast<double>(s.map_calls));
    line("unmap_calls", static_cast<double>(s.unmap_calls));
    for (const auto& [k, v] : s.extra) line(k, v);
  }

  void cmd_save(const std::string& path) {
    TraceBuilder b("shell", ReusePolicy::kFreeOld);
    for (const LoggedOp& op : log_) {
      switch (op.op) {
        case Op::kMalloc: b.malloc(op.key, op.a); break;
        case Op::kCalloc: b.calloc(op.key, op.a, op.b); break;
        case Op::kAligned: b.aligned(op.key, op.a, op.b, AlignedKind::kPosixMemalign); break;
        case Op::kRealloc: b.realloc(op.key, op.key, op.a); break;
        case Op::kFree: b.free(op.key); break;
      }
    }
    const Trace t = b.finish();
    try {
      write_hrt(t, path, HrtEncoding::kCompact);
    } catch (const std::runtime_error& e) {
      throw CommandError(std::string("save: ") + e.what());
    }
    out() << "saved " << t.events.size() << " events (" << t.object_count << " object slots) to " << path << '\n';
  }

  A& a_;
  const SessionIo& io_;
  std::string allocator_;
  std::map<std::uint64_t, Handle> handles_;  // by id: `list` shows them in order
  std::uint64_t next_id_ = 1;
  std::vector<LoggedOp> log_;
  std::vector<unsigned char> piece_;  // read's buffer, reused
  std::uint64_t errors_ = 0;
};

}  // namespace

const char* allocator_shell_help() { return kHelp; }

int run_allocator_shell(const AllocatorSpec& spec, const SessionIo& io) {
  return with_allocator(spec, [&](auto& a) -> int {
    using A = std::remove_reference_t<decltype(a)>;
    if constexpr (A::kCapabilities.is_active) {
      if (!a.is_active())
        throw std::runtime_error(spec.name + " is not the malloc of this process (its library was not preloaded)");
    }
    if (ConfigurationReadBack rb = read_back_configuration(spec); !rb.not_taken.empty())
      throw std::runtime_error(spec.text + ": " + rb.not_taken);
    Session<A> session(a, io, spec.text);
    return session.run();
  });
}

}  // namespace heapreplay::shell
