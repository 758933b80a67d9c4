// Reading a request's JSON object body field by field, strictly: wrong types
// and unknown keys are InvalidArgument naming the key ("request body: name:
// must be a string"), so a client learns exactly what to fix and nothing is
// appended. Private to api/.
#ifndef CONSILIUM_API_INTERNAL_BODY_READER_H_
#define CONSILIUM_API_INTERNAL_BODY_READER_H_

#include <boost/json.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "api/http.h"
#include "common/status.h"

namespace consilium::api::internal {

class BodyReader {
 public:
  // The body through the strict reader (ParseJsonBody); InvalidArgument
  // unless it is a JSON object.
  static StatusOr<BodyReader> Parse(const Request& request) {
    ASSIGN_OR_RETURN(boost::json::value v, ParseJsonBody(request));
    if (!v.is_object())
      return InvalidArgumentError("request body: must be a JSON object");
    return BodyReader(std::move(v.get_object()));
  }

  // A nested object of a body, read the same way; `where` prefixes its
  // keys in messages ("roles[0]").
  static BodyReader Nested(const boost::json::object& o, std::string where) {
    BodyReader r(o);
    r.prefix_ = std::move(where) + ".";
    return r;
  }

  const boost::json::object& object() const { return o_; }

  const boost::json::value* Get(std::string_view key) {
    seen_.insert(std::string(key));
    return o_.if_contains(key);
  }
  StatusOr<std::string> String(std::string_view key, bool required) {
    const boost::json::value* v = Get(key);
    if (v == nullptr) {
      if (required) return Error(prefix_ + std::string(key), "required");
      return std::string();
    }
    if (!v->is_string())
      return Error(prefix_ + std::string(key), "must be a string");
    return std::string(v->get_string());
  }
  StatusOr<uint64_t> Uint(std::string_view key, bool required, uint64_t min,
                          uint64_t max) {
    const boost::json::value* v = Get(key);
    if (v == nullptr) {
      if (required) return Error(prefix_ + std::string(key), "required");
      return min;
    }
    uint64_t n = 0;
    bool ok = false;
    if (v->is_uint64()) {
      n = v->get_uint64();
      ok = true;
    } else if (v->is_int64() && v->get_int64() >= 0) {
      n = static_cast<uint64_t>(v->get_int64());
      ok = true;
    }
    if (!ok || n < min || n > max) {
      return Error(prefix_ + std::string(key), "must be an integer in [" +
                                                   std::to_string(min) + ", " +
                                                   std::to_string(max) + "]");
    }
    return n;
  }
  StatusOr<bool> Bool(std::string_view key, bool fallback) {
    const boost::json::value* v = Get(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool())
      return Error(prefix_ + std::string(key), "must be true or false");
    return v->get_bool();
  }
  const boost::json::array* Array(std::string_view key, Status* error) {
    const boost::json::value* v = Get(key);
    if (v == nullptr) {
      *error = Error(prefix_ + std::string(key), "required");
      return nullptr;
    }
    if (!v->is_array()) {
      *error = Error(prefix_ + std::string(key), "must be an array");
      return nullptr;
    }
    return &v->get_array();
  }
  // InvalidArgument naming the first key no getter asked for.
  Status Finish() const {
    for (const auto& kv : o_) {
      if (!seen_.count(std::string(kv.key())))
        return Error(prefix_ + std::string(kv.key()), "unknown key");
    }
    return OkStatus();
  }

  static Status Error(std::string_view key, std::string_view what) {
    return InvalidArgumentError("request body: " + std::string(key) + ": " +
                                std::string(what));
  }

 private:
  explicit BodyReader(boost::json::object o) : o_(std::move(o)) {}
  boost::json::object o_;
  std::set<std::string> seen_;
  std::string prefix_;  // of nested objects' keys in messages
};

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_BODY_READER_H_
