// Private to schemas/: a read-only JSON document for the annotation
// validator's walk, built in one pass by Boost.JSON's tokenizer (the same
// strict grammar, depth limit, UTF-8 checks and number conversions as
// ParseStrictJson) into flat arrays instead of a Boost.JSON DOM. Objects are
// runs of (key, value) members and arrays runs of values in two vectors;
// strings are views into one character buffer sized for the input, so no
// value allocates on its own and nothing is copied twice. Duplicate keys are
// found as each object ends, so no second pass is needed. The accessors are
// named like Boost.JSON's (is_string, get_object, if_contains, ...) so the
// walk reads the same.
//
// Thread-safety: a JsonTape is a value; one parse at a time.
//
//   internal::JsonTape tape;
//   RETURN_IF_ERROR(internal::ParseStrictTape(text, 32, tape));
//   const internal::JsonValue& v = tape.root();
#ifndef CONSILIUM_SCHEMAS_INTERNAL_JSON_TAPE_H_
#define CONSILIUM_SCHEMAS_INTERNAL_JSON_TAPE_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace consilium::schemas::internal {

class JsonTape;
class JsonObject;
class JsonArray;
struct JsonMember;

class JsonValue {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInt64,
    kUint64,
    kDouble,
    kString,
    kArray,
    kObject
  };

  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int64() const { return kind_ == Kind::kInt64; }
  bool is_uint64() const { return kind_ == Kind::kUint64; }
  bool is_double() const { return kind_ == Kind::kDouble; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Each get_* requires the matching is_* (asserted).
  bool get_bool() const {
    assert(is_bool());
    return b_;
  }
  int64_t get_int64() const {
    assert(is_int64());
    return i_;
  }
  uint64_t get_uint64() const {
    assert(is_uint64());
    return u_;
  }
  double get_double() const {
    assert(is_double());
    return d_;
  }
  std::string_view get_string() const {
    assert(is_string());
    return {str_, range_.size};
  }
  inline JsonObject get_object() const;
  inline JsonArray get_array() const;

 private:
  friend class JsonTapeBuilder;
  struct Range {
    uint32_t begin;
    uint32_t size;
  };

  Kind kind_ = Kind::kNull;
  union {
    bool b_;
    int64_t i_;
    uint64_t u_;
    double d_;
    const char* str_;
    const JsonTape* tape_;
  };
  Range range_{0, 0};  // string: size; array, object: the run in the tape
};

struct JsonMember {
  std::string_view key_;
  JsonValue value_;
  std::string_view key() const { return key_; }
  const JsonValue& value() const { return value_; }
};

class JsonTape {
 public:
  const JsonValue& root() const { return root_; }

 private:
  friend class JsonTapeBuilder;
  friend class JsonValue;
  friend Status ParseStrictTape(std::string_view, size_t, JsonTape&);

  JsonValue root_;
  std::string chars_;  // reserved to the input's size: views never move
  std::vector<JsonMember> members_;
  std::vector<JsonValue> elements_;
};

// A view of an object's members, in document order.
class JsonObject {
 public:
  JsonObject(const JsonMember* begin, size_t size)
      : begin_(begin), size_(size) {}
  const JsonMember* begin() const { return begin_; }
  const JsonMember* end() const { return begin_ + size_; }
  size_t size() const { return size_; }
  const JsonValue* if_contains(std::string_view key) const {
    for (const JsonMember& m : *this) {
      if (m.key_ == key) return &m.value_;
    }
    return nullptr;
  }
  bool contains(std::string_view key) const {
    return if_contains(key) != nullptr;
  }
  // Requires contains(key) (asserted).
  const JsonValue& at(std::string_view key) const {
    const JsonValue* v = if_contains(key);
    assert(v != nullptr);
    return *v;
  }

 private:
  const JsonMember* begin_;
  size_t size_;
};

class JsonArray {
 public:
  JsonArray(const JsonValue* begin, size_t size) : begin_(begin), size_(size) {}
  const JsonValue* begin() const { return begin_; }
  const JsonValue* end() const { return begin_ + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const JsonValue& operator[](size_t i) const { return begin_[i]; }
  const JsonValue& front() const { return begin_[0]; }
  const JsonValue& back() const { return begin_[size_ - 1]; }

 private:
  const JsonValue* begin_;
  size_t size_;
};

JsonObject JsonValue::get_object() const {
  assert(is_object());
  return JsonObject(tape_->members_.data() + range_.begin, range_.size);
}

JsonArray JsonValue::get_array() const {
  assert(is_array());
  return JsonArray(tape_->elements_.data() + range_.begin, range_.size);
}

// Parses exactly one RFC 8259 document from `text` into `tape` (replacing
// what it held), with ParseStrictJson's rules and messages: InvalidArgument
// "invalid JSON at offset N: reason" or "duplicate key \"k\"" (the same key
// ParseStrictJson names), ResourceExhausted on allocation failure.
Status ParseStrictTape(std::string_view text, size_t max_depth, JsonTape& tape);

}  // namespace consilium::schemas::internal

#endif  // CONSILIUM_SCHEMAS_INTERNAL_JSON_TAPE_H_
