#include "common/canonical_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <charconv>
#include <cmath>
#include <vector>

namespace consilium {
namespace {

namespace json = boost::json;

// Appends an integer with std::to_chars (exact for the whole int64/uint64
// range; no locale).
template <typename Int>
void AppendInteger(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  assert(ec == std::errc());
  out.append(buf, end);
}

bool IsScalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

// How a Writer spells doubles: AppendJsonNumber (refusing non-finite ones)
// or AppendStoredJsonNumber.
enum class Numbers { kShortest, kStored };

class Writer {
 public:
  Writer(JsonStyle style, Numbers numbers) : style_(style), numbers_(numbers) {}

  Status Write(const json::value& v, int indent, std::string& path) {
    switch (v.kind()) {
      case json::kind::null:
        out_ += "null";
        return OkStatus();
      case json::kind::bool_:
        out_ += v.get_bool() ? "true" : "false";
        return OkStatus();
      case json::kind::int64:
        AppendInteger(out_, v.get_int64());
        return OkStatus();
      case json::kind::uint64:
        AppendInteger(out_, v.get_uint64());
        return OkStatus();
      case json::kind::double_:
        if (numbers_ == Numbers::kStored) {
          AppendStoredJsonNumber(out_, v.get_double());
          return OkStatus();
        }
        if (!std::isfinite(v.get_double())) {
          return InvalidArgumentError(
              (path.empty() ? std::string("$") : "$" + path) + ": " +
              (std::isnan(v.get_double()) ? "NaN" : "infinity") +
              " has no JSON spelling");
        }
        AppendJsonNumber(out_, v.get_double());
        return OkStatus();
      case json::kind::string:
        AppendJsonString(out_, v.get_string());
        return OkStatus();
      case json::kind::array:
        return WriteArray(v.get_array(), indent, path);
      case json::kind::object:
        return WriteObject(v.get_object(), indent, path);
    }
    return InternalError("unknown JSON kind");
  }

  std::string Take() { return std::move(out_); }

 private:
  bool indented() const { return style_ == JsonStyle::kIndented; }

  Status WriteArray(const json::array& a, int indent, std::string& path) {
    if (a.empty()) {
      out_ += "[]";
      return OkStatus();
    }
    // Indented: an array of scalars stays on one line, ", " apart.
    const bool flat = !indented() || std::all_of(a.begin(), a.end(), IsScalar);
    out_ += '[';
    const size_t path_size = path.size();
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out_ += indented() && flat ? ", " : ",";
      if (!flat) NewLine(indent + 2);
      path += "[" + std::to_string(i) + "]";
      RETURN_IF_ERROR(Write(a[i], indent + 2, path));
      path.resize(path_size);
    }
    if (!flat) NewLine(indent);
    out_ += ']';
    return OkStatus();
  }

  Status WriteObject(const json::object& o, int indent, std::string& path) {
    if (o.empty()) {
      out_ += "{}";
      return OkStatus();
    }
    std::vector<const json::key_value_pair*> members;
    members.reserve(o.size());
    for (const json::key_value_pair& kv : o) members.push_back(&kv);
    if (style_ == JsonStyle::kCanonical) {
      // std::string_view compares as unsigned char: UTF-8 byte order, which
      // is code point order.
      std::sort(members.begin(), members.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
    }
    out_ += '{';
    const size_t path_size = path.size();
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out_ += ',';
      if (indented()) NewLine(indent + 2);
      AppendJsonString(out_, members[i]->key());
      out_ += indented() ? ": " : ":";
      path += ".";
      path += members[i]->key();
      RETURN_IF_ERROR(Write(members[i]->value(), indent + 2, path));
      path.resize(path_size);
    }
    if (indented()) NewLine(indent);
    out_ += '}';
    return OkStatus();
  }

  void NewLine(int indent) {
    out_ += '\n';
    out_.append(static_cast<size_t>(indent), ' ');
  }

  JsonStyle style_;
  Numbers numbers_;
  std::string out_;
};

}  // namespace

StatusOr<std::string> WriteJson(const json::value& v, JsonStyle style) {
  Writer w(style, Numbers::kShortest);
  std::string path;
  RETURN_IF_ERROR(w.Write(v, 0, path));
  return w.Take();
}

StatusOr<std::string> WriteCanonicalJson(const json::value& v) {
  return WriteJson(v, JsonStyle::kCanonical);
}

void AppendJsonNumber(std::string& out, double d) {
  assert(std::isfinite(d));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  assert(ec == std::errc());
  out.append(buf, end);
}

std::string WriteStoredJson(const json::value& v, JsonStyle style) {
  Writer w(style, Numbers::kStored);
  std::string path;
  // Stored numbers are total and nothing else fails.
  [[maybe_unused]] const Status s = w.Write(v, 0, path);
  assert(s.ok());
  return w.Take();
}

void AppendStoredJsonNumber(std::string& out, double d) {
  // Ryu's words for the values without digits (NaN unsigned).
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  // std::to_chars in scientific form without a precision gives the same
  // shortest round-trip digits as Ryu ("-1.5e-07", "1e+00"); only the
  // exponent is spelled differently: "E", no "+", no leading zeros.
  char buf[32];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  assert(ec == std::errc());
  const std::string_view text(buf, static_cast<size_t>(end - buf));
  const size_t e = text.find('e');
  assert(e != std::string_view::npos && e + 2 < text.size());
  out.append(text.substr(0, e));
  out += 'E';
  if (text[e + 1] == '-') out += '-';
  std::string_view exponent = text.substr(e + 2);
  while (exponent.size() > 1 && exponent.front() == '0') {
    exponent.remove_prefix(1);
  }
  out.append(exponent);
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace consilium
