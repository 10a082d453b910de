// heapreplay-text writer. It follows which slots hold an object so that a
// realloc of an empty slot is written as the explicit `realloc - <id>` form.
#include "traces/readers/text_writer.h"

#include <charconv>
#include <vector>

namespace heapreplay {
namespace {

void put(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 bytes always hold a 64-bit number
  out.append(buf, end);
}

const char* aligned_name(AlignedKind kind) {
  switch (kind) {
    case AlignedKind::kMemalign: return "memalign";
    case AlignedKind::kPosixMemalign: return "posix_memalign";
    case AlignedKind::kAlignedAlloc: return "aligned_alloc";
    case AlignedKind::kValloc: return "valloc";
  }
  return "memalign";
}

}  // namespace

void write_text(const TraceView& view, std::string& out) {
  out += "heapreplay-text 1\n";
  const bool threads = view.thread_count > 1;
  const bool timed = !view.timestamps_ns.empty();
  std::vector<bool> live(view.object_count, false);
  for (std::size_t i = 0; i < view.events.size(); ++i) {
    const Event& e = view.events[i];
    if (threads) {
      out += "t=";
      put(out, e.thread);
      out += ' ';
    }
    if (timed) {
      out += '@';
      put(out, view.timestamps_ns[i]);
      out += ' ';
    }
    switch (e.op) {
      case Op::kMalloc:
        out += "malloc ";
        put(out, e.id);
        out += ' ';
        put(out, e.size);
        live[e.id] = true;
        break;
      case Op::kCalloc:
        out += "calloc ";
        put(out, e.id);
        out += (e.aux & kCallocOverflow) ? " 2 9223372036854775808" : " 1 ";
        if (!(e.aux & kCallocOverflow)) put(out, e.size);
        live[e.id] = true;
        break;
      case Op::kRealloc:
        out += live[e.id] ? "realloc " : "realloc - ";
        put(out, e.id);
        out += ' ';
        put(out, e.size);
        live[e.id] = e.size != 0;
        break;
      case Op::kFree:
        if (e.id == kNoObject) {
          out += "free -";
        } else {
          out += "free ";
          put(out, e.id);
          live[e.id] = false;
        }
        break;
      case Op::kAligned:
        out += aligned_name(e.aligned_kind());
        out += ' ';
        put(out, e.id);
        out += ' ';
        put(out, e.alignment_valid() ? e.alignment() : 3);
        out += ' ';
        put(out, e.size);
        live[e.id] = true;
        break;
    }
    out += '\n';
  }
}

}  // namespace heapreplay
