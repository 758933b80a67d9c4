#include "api/internal/query.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace consilium::api::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form decoding of one name or value; `what` names it in errors.
StatusOr<std::string> FormDecode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
      continue;
    }
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("query " + std::string(what) +
                                  ": bad percent-escape");
    }
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') {
      return InvalidArgumentError("query " + std::string(what) +
                                  ": encoded NUL byte");
    }
    out.push_back(c);
    i += 2;
  }
  return out;
}

std::string Known(std::initializer_list<std::string_view> allowed) {
  if (allowed.size() == 0) return "this route takes none";
  std::string known = "known: ";
  bool first = true;
  for (std::string_view a : allowed) {
    if (!first) known += ", ";
    known += a;
    first = false;
  }
  return known;
}

}  // namespace

StatusOr<Query> Query::Parse(std::string_view raw,
                             std::initializer_list<std::string_view> allowed) {
  Query q;
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view()
                                        : raw.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    const size_t eq = pair.find('=');
    ASSIGN_OR_RETURN(std::string name,
                     FormDecode(pair.substr(0, eq), "parameter name"));
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (!known) {
      return InvalidArgumentError("unknown query parameter \"" + name + "\" (" +
                                  Known(allowed) + ")");
    }
    if (eq == std::string_view::npos) {
      return InvalidArgumentError("query parameter " + name +
                                  ": expects name=value");
    }
    ASSIGN_OR_RETURN(std::string value,
                     FormDecode(pair.substr(eq + 1), "parameter " + name));
    if (!q.values_.emplace(name, std::move(value)).second) {
      return InvalidArgumentError("query parameter " + name +
                                  " is given twice");
    }
  }
  return q;
}

bool Query::Has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::string Query::Get(std::string_view name, std::string fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::move(fallback) : it->second;
}

StatusOr<uint64_t> Query::Uint(std::string_view name, uint64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return InvalidArgumentError("query parameter " + std::string(name) +
                                ": expects a non-negative integer, got \"" + v +
                                "\"");
  }
  return out;
}

StatusOr<double> Query::Double(std::string_view name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  double out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() ||
      !std::isfinite(out)) {
    return InvalidArgumentError("query parameter " + std::string(name) +
                                ": expects a finite number, got \"" + v + "\"");
  }
  return out;
}

}  // namespace consilium::api::internal
