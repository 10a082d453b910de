// Checking option values against an allocator's table (see option_info.h).
#include "allocators/core/option_info.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "allocators/core/options.h"
#include "core/numbers.h"

namespace heapreplay {

namespace {

// 8388608 as "8M", 65536 as "64K"; other numbers in decimal.
std::string size_text(std::uint64_t v) {
  if (v == kNoLimit) return "2^64-1";
  const char* units[] = {"", "K", "M", "G"};  // what parse_size reads back
  int u = 0;
  std::uint64_t x = v;
  while (x >= 1024 && x % 1024 == 0 && u < 3) {
    x /= 1024;
    ++u;
  }
  return std::to_string(x) + units[u];
}

std::string real_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

bool parse_flag(std::string_view v, bool& out) {
  for (std::string_view t : {"", "1", "true", "yes", "on"}) {
    if (v == t) {
      out = true;
      return true;
    }
  }
  for (std::string_view f : {"0", "false", "no", "off"}) {
    if (v == f) {
      out = false;
      return true;
    }
  }
  return false;
}

}  // namespace

OptionValue OptionValue::of_flag(bool v) {
  OptionValue o;
  o.type = OptionType::kFlag;
  o.flag = v;
  o.text = v ? "1" : "0";
  return o;
}

OptionValue OptionValue::of_signed(std::int64_t v) {
  OptionValue o;
  o.type = OptionType::kSigned;
  o.signed_value = v;
  o.text = std::to_string(v);
  return o;
}

OptionValue OptionValue::of_unsigned(std::uint64_t v) {
  OptionValue o;
  o.type = OptionType::kUnsigned;
  o.unsigned_value = v;
  o.text = std::to_string(v);
  return o;
}

OptionValue OptionValue::of_real(double v) {
  OptionValue o;
  o.type = OptionType::kReal;
  o.real = v;
  o.text = real_text(v);
  return o;
}

OptionValue OptionValue::of_choice(std::string v) {
  OptionValue o;
  o.type = OptionType::kChoice;
  o.text = std::move(v);
  return o;
}

bool OptionValue::operator==(const OptionValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case OptionType::kFlag: return flag == o.flag;
    case OptionType::kSigned: return signed_value == o.signed_value;
    case OptionType::kUnsigned: return unsigned_value == o.unsigned_value;
    case OptionType::kReal: return real == o.real;
    case OptionType::kChoice: return text == o.text;
  }
  return false;
}

std::string option_type_text(const OptionInfo& o) {
  switch (o.type) {
    case OptionType::kFlag: return "flag";
    case OptionType::kSigned: return "integer " + std::to_string(o.min_signed) + ".." + std::to_string(o.max_signed);
    case OptionType::kUnsigned: {
      std::string t = "unsigned " + size_text(o.min_unsigned) +
                      (o.max_unsigned == kNoLimit ? " or more" : ".." + size_text(o.max_unsigned));
      if (o.multiple > 1) t += ", a multiple of " + size_text(o.multiple);
      return t;
    }
    case OptionType::kReal: return "number " + real_text(o.min_real) + ".." + real_text(o.max_real);
    case OptionType::kChoice: return "one of " + std::string(o.choices);
  }
  return "?";
}

namespace {

// parse_option_value, its message ending with `where`.
OptionValue parse_value_at(const OptionInfo& o, std::string_view text, std::string_view owner,
                           const std::string& where) {
  const std::string key(o.key);
  auto bad = [&](const std::string& needs) {
    return OptionError(std::string(owner) + ": " + key + " needs " + needs + ", not '" + std::string(text) + "'" +
                       where);
  };
  switch (o.type) {
    case OptionType::kFlag: {
      bool v = false;
      if (!parse_flag(text, v)) throw bad("1 or 0 (true/false, yes/no, on/off)");
      return OptionValue::of_flag(v);
    }
    case OptionType::kSigned: {
      const bool negative = !text.empty() && text[0] == '-';
      auto magnitude = parse_size(negative ? text.substr(1) : text);
      const std::string range =
          "an integer from " + std::to_string(o.min_signed) + " to " + std::to_string(o.max_signed);
      if (!magnitude) throw bad(range);
      const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
      if (*magnitude > limit) throw bad(range);
      const std::int64_t v =
          negative ? static_cast<std::int64_t>(0 - *magnitude) : static_cast<std::int64_t>(*magnitude);
      if (v < o.min_signed || v > o.max_signed) throw bad(range);
      return OptionValue::of_signed(v);
    }
    case OptionType::kUnsigned: {
      auto v = parse_size(text);
      std::string range = "an unsigned integer from " + size_text(o.min_unsigned) +
                          (o.max_unsigned == kNoLimit ? " up" : " to " + size_text(o.max_unsigned));
      if (o.multiple > 1) range += ", a multiple of " + size_text(o.multiple);
      if (!v || *v < o.min_unsigned || *v > o.max_unsigned || *v % o.multiple != 0) throw bad(range);
      return OptionValue::of_unsigned(*v);
    }
    case OptionType::kReal: {
      const std::string range = "a number from " + real_text(o.min_real) + " to " + real_text(o.max_real);
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
          v < o.min_real || v > o.max_real)
        throw bad(range);
      return OptionValue::of_real(v);
    }
    case OptionType::kChoice: {
      std::string_view rest = o.choices;
      while (!rest.empty()) {
        const auto bar = rest.find('|');
        if (rest.substr(0, bar) == text) return OptionValue::of_choice(std::string(text));
        rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
      }
      throw bad("one of " + std::string(o.choices));
    }
  }
  throw bad("a value");
}

}  // namespace

OptionValue parse_option_value(const OptionInfo& o, std::string_view text, std::string_view owner) {
  return parse_value_at(o, text, owner, "");
}

std::string option_keys_text(std::span<const OptionInfo> table) {
  std::string out;
  for (const OptionInfo& o : table) out += (out.empty() ? "" : ", ") + std::string(o.key);
  return out;
}

std::vector<OptionSetting> parse_option_settings(std::span<const OptionInfo> table, std::string_view options,
                                                 std::string_view owner, std::string_view hint,
                                                 std::size_t position_base) {
  std::vector<OptionSetting> out;
  std::size_t offset = 0;  // of the item in the options
  auto at = [&](std::size_t in_item) {
    return position_base == std::string_view::npos
               ? std::string()
               : " at position " + std::to_string(position_base + offset + in_item + 1);
  };
  for (std::string_view rest = options; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    offset = static_cast<std::size_t>(item.data() - options.data());
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key.empty())
      throw OptionError(std::string(owner) + ": empty option name in '" + std::string(item) + "'" + at(0));
    const OptionInfo* info = nullptr;
    for (const OptionInfo& o : table)
      if (o.key == key) info = &o;
    if (info == nullptr) {
      if (table.empty())
        throw OptionError(std::string(owner) + ": takes no options (got '" + std::string(key) + "')" + at(0));
      throw OptionError(std::string(owner) + ": unknown option '" + std::string(key) + "'" + at(0) +
                        (hint.empty() ? "" : " (" + std::string(hint) + ")") + "; valid: " + option_keys_text(table));
    }
    for (const OptionSetting& s : out)
      if (s.info == info)
        throw OptionError(std::string(owner) + ": option '" + std::string(key) + "' given twice" + at(0));
    if (eq == std::string_view::npos && info->type != OptionType::kFlag)
      throw OptionError(std::string(owner) + ": " + std::string(key) + " needs a value (" + std::string(key) +
                        "=...: " + option_type_text(*info) + ")" + at(0));
    out.push_back({info, parse_value_at(*info, value, owner, at(eq + 1))});
  }
  return out;
}

}  // namespace heapreplay
