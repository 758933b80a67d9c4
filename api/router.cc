#include "api/router.h"

#include <algorithm>
#include <set>
#include <utility>

namespace consilium::api {
namespace {

constexpr std::string_view kParam = "{}";

bool IsParam(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StatusOr<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("path: bad percent-escape at byte " +
                                  std::to_string(i));
    }
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return InvalidArgumentError("path: encoded NUL byte");
    out.push_back(c);
    i += 2;
  }
  return out;
}

// True when the compiled pattern matches `segments`; fills `params` then.
bool Matches(const std::vector<std::string>& pattern,
             const std::vector<std::string>& names,
             const std::vector<std::string>& segments,
             std::map<std::string, std::string>* params) {
  if (pattern.size() != segments.size()) return false;
  size_t param = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == kParam) {
      if (segments[i].empty()) return false;
      if (params != nullptr) (*params)[names[param]] = segments[i];
      ++param;
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

// Literal segments before parameters: the number of literals, compared
// lexicographically by position (earlier literal wins).
bool MoreSpecific(const std::vector<std::string>& a,
                  const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool a_lit = a[i] != kParam;
    bool b_lit = b[i] != kParam;
    if (a_lit != b_lit) return a_lit;
  }
  return false;
}

}  // namespace

StatusOr<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return InvalidArgumentError("path must start with '/'");
  }
  std::vector<std::string> segments;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view raw = path.substr(start, slash == std::string_view::npos
                                                  ? std::string_view::npos
                                                  : slash - start);
    ASSIGN_OR_RETURN(std::string seg, PercentDecode(raw));
    segments.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

Status Router::Add(Route route) {
  if (static_cast<int>(static_cast<bool>(route.blocking)) +
          static_cast<bool>(route.async) + static_cast<bool>(route.deferred) !=
      1) {
    return InvalidArgumentError("route " + route.pattern +
                                ": set exactly one of blocking, async and "
                                "deferred");
  }
  if (route.pattern.empty() || route.pattern.front() != '/') {
    return InvalidArgumentError("route pattern must start with '/': " +
                                route.pattern);
  }
  Compiled c;
  std::set<std::string> seen;
  std::string_view rest = std::string_view(route.pattern).substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (IsParam(seg)) {
      std::string name(seg.substr(1, seg.size() - 2));
      if (name.empty() || name.find_first_of("{}") != std::string::npos ||
          !seen.insert(name).second) {
        return InvalidArgumentError("route " + route.pattern +
                                    ": bad or repeated parameter {" + name +
                                    "}");
      }
      c.segments.emplace_back(kParam);
      c.names.push_back(std::move(name));
    } else if (seg.find_first_of("{}") != std::string_view::npos) {
      return InvalidArgumentError("route " + route.pattern +
                                  ": a parameter must be a whole segment");
    } else {
      c.segments.emplace_back(seg);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method == route.method &&
        compiled_[i].segments == c.segments) {
      return AlreadyExistsError("route " + route.method + " " + route.pattern +
                                " is already added as " + routes_[i].pattern);
    }
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(c));
  return OkStatus();
}

RouteMatch Router::Match(std::string_view method,
                         const std::vector<std::string>& segments) const {
  RouteMatch result;
  const Compiled* best = nullptr;
  std::set<std::string> allowed;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Compiled& c = compiled_[i];
    if (!Matches(c.segments, c.names, segments, nullptr)) continue;
    if (routes_[i].method != method) {
      allowed.insert(routes_[i].method);
      continue;
    }
    if (best == nullptr || MoreSpecific(c.segments, best->segments)) {
      best = &c;
      result.route = &routes_[i];
    }
  }
  if (result.route != nullptr) {
    Matches(best->segments, best->names, segments, &result.params);
    return result;
  }
  result.allowed.assign(allowed.begin(), allowed.end());
  return result;
}

}  // namespace consilium::api
