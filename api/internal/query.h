// The query string of a read route, parsed strictly: a route names the
// parameters it takes, and anything else is refused rather than ignored (a
// misspelt `as_of` must not silently answer for the head).
//
// Thread-safety: values and pure functions.
//
//   ASSIGN_OR_RETURN(Query q, Query::Parse(request.query, {"from", "limit"}));
//   ASSIGN_OR_RETURN(uint64_t from, q.Uint("from", 1));
#ifndef CONSILIUM_API_INTERNAL_QUERY_H_
#define CONSILIUM_API_INTERNAL_QUERY_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium::api::internal {

class Query {
 public:
  // "a=1&b=x%20y" (form encoding: '+' is a space). InvalidArgument naming
  // the parameter for a bad %-escape or an encoded NUL, a name given twice,
  // a parameter without '=', or a name not in `allowed` (listing them).
  static StatusOr<Query> Parse(std::string_view raw,
                               std::initializer_list<std::string_view> allowed);

  bool Has(std::string_view name) const;
  // The value, or `fallback` when absent.
  std::string Get(std::string_view name, std::string fallback = {}) const;
  // A decimal number 0..2^64-1, or `fallback` when absent. InvalidArgument
  // "query parameter NAME: expects a non-negative integer, got \"x\"".
  StatusOr<uint64_t> Uint(std::string_view name, uint64_t fallback) const;
  // A finite decimal number, or `fallback` when absent. InvalidArgument.
  StatusOr<double> Double(std::string_view name, double fallback) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_QUERY_H_
