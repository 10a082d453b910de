// What an allocator's options are: one table per allocator (each system
// allocator's own file, each design's *_config.h) saying of every key its
// type, range, default and meaning. `-a NAME:key=value,...` is checked
// against the table, `heapreplay list --options NAME` prints it, and a
// system allocator's replay child reads each option back from the library
// (allocators/system/system_allocator.h).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace heapreplay {

enum class OptionType {
  kFlag,      // 1/0, true/false, yes/no, on/off; a bare key is 1
  kSigned,    // an integer, negative allowed
  kUnsigned,  // an unsigned integer: 8192, 64K, 1M, 2G (x1024), 0x2000
  kReal,      // a decimal number: 0.5, 2, 1e3
  kChoice,    // one word of a fixed list
};

struct OptionInfo {
  std::string_view key;
  OptionType type = OptionType::kFlag;
  std::string_view default_value;  // as the allocator documents it (may be a rule: "4 x CPUs")
  std::string_view meaning;        // one line
  std::int64_t min_signed = 0, max_signed = 0;
  std::uint64_t min_unsigned = 0, max_unsigned = 0;
  std::uint64_t multiple = 1;  // kUnsigned: the value must be a multiple of this
  double min_real = 0, max_real = 0;
  std::string_view choices;    // kChoice: "a|b|c"
  std::string_view read_back;  // how a replay child reads the effective value; "" when it cannot
  int native = 0;              // the allocator's own handle for the option (its file says what)
};

// Table rows, one constructor per type.
constexpr OptionInfo flag_option(std::string_view key, std::string_view def, std::string_view meaning,
                                 std::string_view read_back = {}, int native = 0) {
  OptionInfo o;
  o.key = key;
  o.type = OptionType::kFlag;
  o.default_value = def;
  o.meaning = meaning;
  o.read_back = read_back;
  o.native = native;
  return o;
}
constexpr OptionInfo signed_option(std::string_view key, std::int64_t lo, std::int64_t hi, std::string_view def,
                                   std::string_view meaning, std::string_view read_back = {}, int native = 0) {
  OptionInfo o = flag_option(key, def, meaning, read_back, native);
  o.type = OptionType::kSigned;
  o.min_signed = lo;
  o.max_signed = hi;
  return o;
}
constexpr OptionInfo unsigned_option(std::string_view key, std::uint64_t lo, std::uint64_t hi, std::string_view def,
                                     std::string_view meaning, std::string_view read_back = {}, int native = 0) {
  OptionInfo o = flag_option(key, def, meaning, read_back, native);
  o.type = OptionType::kUnsigned;
  o.min_unsigned = lo;
  o.max_unsigned = hi;
  return o;
}
constexpr OptionInfo real_option(std::string_view key, double lo, double hi, std::string_view def,
                                 std::string_view meaning, std::string_view read_back = {}, int native = 0) {
  OptionInfo o = flag_option(key, def, meaning, read_back, native);
  o.type = OptionType::kReal;
  o.min_real = lo;
  o.max_real = hi;
  return o;
}
constexpr OptionInfo choice_option(std::string_view key, std::string_view choices, std::string_view def,
                                   std::string_view meaning, std::string_view read_back = {}, int native = 0) {
  OptionInfo o = flag_option(key, def, meaning, read_back, native);
  o.type = OptionType::kChoice;
  o.choices = choices;
  return o;
}
constexpr OptionInfo with_multiple(OptionInfo o, std::uint64_t multiple) {
  o.multiple = multiple;
  return o;
}

inline constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// One value of an option, typed; `text` is its canonical spelling (decimal
// integers, the shortest decimal that reads back as the same double, 1/0
// for flags, the word for choices).
struct OptionValue {
  OptionType type = OptionType::kFlag;
  bool flag = false;
  std::int64_t signed_value = 0;
  std::uint64_t unsigned_value = 0;
  double real = 0;
  std::string text;

  static OptionValue of_flag(bool v);
  static OptionValue of_signed(std::int64_t v);
  static OptionValue of_unsigned(std::uint64_t v);
  static OptionValue of_real(double v);
  static OptionValue of_choice(std::string v);

  bool operator==(const OptionValue& o) const;
};

// One key=value of a spec, checked against its table.
struct OptionSetting {
  const OptionInfo* info = nullptr;
  OptionValue value;
};

// `text` as a value of `option`; throws OptionError "OWNER: why" (type,
// range, multiple, choices) naming the key and the value.
OptionValue parse_option_value(const OptionInfo& option, std::string_view text, std::string_view owner);

// "k=v,k2=v2,flag" against `table`, in the order given. Throws OptionError
// "OWNER: why" for an empty key, a key given twice, a bad value, or an
// unknown key (then listing the valid ones, and `hint` when not empty).
// With `position_base` (where `options` starts in the text OWNER names,
// from 0), the message ends "at position N": the key's or the value's, from 1.
std::vector<OptionSetting> parse_option_settings(std::span<const OptionInfo> table, std::string_view options,
                                                 std::string_view owner, std::string_view hint = {},
                                                 std::size_t position_base = std::string_view::npos);

// The table's keys, comma-separated, for messages.
std::string option_keys_text(std::span<const OptionInfo> table);

// The type as `list --options` shows it: "flag", "integer -1..18446744072000",
// "size 0..8M", "number 0..1000", "one of a|b|c".
std::string option_type_text(const OptionInfo& option);

}  // namespace heapreplay
