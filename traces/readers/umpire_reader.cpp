// Umpire replay log reader: a line is one JSON object, read with
// nlohmann::json and checked field by field.
#include "traces/readers/umpire_reader.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

using nlohmann::json;

// One line's object and where it is, for the field getters' messages.
struct Line {
  const json& j;
  const std::string& path;
  std::uint64_t ln;

  [[noreturn]] void fail(const std::string& what) const { throw TraceError(path, ln, what); }

  const json& member(const json& obj, const char* key, const char* where) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(std::string("missing \"") + key + "\"" + where);
    return *it;
  }
  std::uint64_t number(const json& obj, const char* key, const char* where) const {
    const json& v = member(obj, key, where);
    if (!v.is_number_unsigned()) fail(std::string("\"") + key + "\"" + where + " is not a non-negative integer");
    return v.get<std::uint64_t>();
  }
  // Umpire writes pointers as strings, "0x200040000010".
  std::uint64_t pointer(const json& obj, const char* key, const char* where) const {
    const json& v = member(obj, key, where);
    std::uint64_t p = 0;
    if (!v.is_string()) fail(std::string("\"") + key + "\"" + where + " is not a string");
    const std::string& s = v.get_ref<const std::string&>();
    const scan::Num st = std::string_view(s).starts_with("0x") ? scan::parse_hex(s, p) : scan::Num::kNotNumber;
    if (st != scan::Num::kOk) fail(scan::bad_number(std::string("a hex pointer in \"") + key + "\"", s, st));
    return p;
  }
  const json& object(const json& obj, const char* key, const char* where) const {
    const json& v = member(obj, key, where);
    if (!v.is_object()) fail(std::string("\"") + key + "\"" + where + " is not an object");
    return v;
  }
};

struct State {
  explicit State(const std::string& p) : path(p), b("umpire", ReusePolicy::kFreeOld) {}
  const std::string& path;
  TraceBuilder b;
  // (uid, allocator, pointer) of each live allocation -> its builder key.
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, std::uint64_t> live;
  std::uint64_t next_key = 1;
  std::uint64_t intents = 0, results = 0;
};

void read_allocate(State& s, const Line& l, std::uint64_t uid, std::uint64_t t) {
  const json& payload = l.object(l.j, "payload", "");
  const std::uint64_t allocator = l.pointer(payload, "allocator_ref", " in the payload");
  const std::uint64_t size = l.number(payload, "size", " in the payload");
  auto r = l.j.find("result");
  if (r == l.j.end()) {
    ++s.intents;  // the intent; its result follows unless the allocation failed
    return;
  }
  if (!r->is_object()) l.fail("\"result\" is not an object");
  const std::uint64_t ptr = l.pointer(*r, "memory_ptr", " in the result");
  ++s.results;
  const auto where = std::make_tuple(uid, allocator, ptr);
  if (auto it = s.live.find(where); it != s.live.end()) {
    s.b.free(it->second, uid, t);  // handed out again while live: a free the log missed
    ++s.b.import_stats().reused_live;
    s.live.erase(it);
  }
  const std::uint64_t key = s.next_key++;
  s.live.emplace(where, key);
  s.b.malloc(key, size, uid, t);
}

void read_deallocate(State& s, const Line& l, std::uint64_t uid, std::uint64_t t) {
  const json& payload = l.object(l.j, "payload", "");
  const std::uint64_t allocator = l.pointer(payload, "allocator_ref", " in the payload");
  const std::uint64_t ptr = l.pointer(payload, "memory_ptr", " in the payload");
  auto it = s.live.find(std::make_tuple(uid, allocator, ptr));
  if (it == s.live.end()) {
    s.b.free(s.next_key++, uid, t);  // never allocated in this log: counted unmatched
    return;
  }
  s.b.free(it->second, uid, t);
  s.live.erase(it);
}

// The fields every line has, then the event's own.
void read_event(State& s, const Line& l) {
  if (!l.j.is_object()) l.fail("expected a JSON object");
  const json& kind = l.member(l.j, "kind", "");
  if (!kind.is_string() || kind.get_ref<const std::string&>() != "replay") l.fail("\"kind\" is not \"replay\"");
  const std::uint64_t uid = l.number(l.j, "uid", "");
  const std::uint64_t t = l.number(l.j, "timestamp", "");
  if (t == TraceBuilder::kNoTime) l.fail("the timestamp 18446744073709551615 is reserved");
  const json& event = l.member(l.j, "event", "");
  if (!event.is_string()) l.fail("\"event\" is not a string");
  const std::string& e = event.get_ref<const std::string&>();
  if (e == "allocate") {
    read_allocate(s, l, uid, t);
  } else if (e == "deallocate") {
    read_deallocate(s, l, uid, t);
  } else if (e == "version" || e == "makeMemoryResource" || e == "makeAllocator") {
    l.object(l.j, "payload", "");
  } else {
    ++s.b.import_stats().ignored_lines;
  }
}

}  // namespace

bool sniff_umpire(const SniffHead& head) {
  const std::string_view line = head.line;
  return line.starts_with('{') && line.find("\"kind\"") != std::string_view::npos &&
         line.find("\"replay\"") != std::string_view::npos;
}

Trace read_umpire(std::string_view text, const std::string& path) {
  State s(path);
  s.b.reserve(text.size() / 300);  // two lines of about 150 bytes an allocation
  scan::LineScanner lines(text);
  std::string_view line;
  bool any = false;
  while (lines.next(line)) {
    line = scan::trim_left(line);
    if (line.empty() || line[0] == '#') continue;  // Umpire's own example opens with a comment block
    const std::uint64_t ln = lines.line_number();
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) throw TraceError(path, ln, "not a JSON object: " + scan::quote(line));
    read_event(s, Line{j, path, ln});
    any = true;
  }
  if (!any) throw TraceError(path, 0, "no replay events");
  if (s.intents > s.results) s.b.import_stats().failed_in_source += s.intents - s.results;
  s.b.import_stats().source_lines = lines.line_number();
  return s.b.finish();
}

}  // namespace heapreplay
