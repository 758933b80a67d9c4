#include "schemas/internal/json_tape.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <new>

#include "schemas/internal/strict_json.h"

namespace consilium::schemas::internal {

namespace json = boost::json;

// The basic_parser handler that fills a JsonTape. Values wait on a stack of
// members (arrays' elements have empty keys) until their container ends;
// then the container's run moves to the tape and one value stands for it.
class JsonTapeBuilder {
 public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  JsonTapeBuilder(JsonTape* tape, std::vector<JsonMember>* stack,
                  std::vector<std::string_view>* keys)
      : tape_(tape), stack_(stack), keys_(keys) {}

  bool has_duplicate = false;
  std::string duplicate_key;  // the first found, as ParseStrictJson names it

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return Open(); }
  bool on_object_end(std::size_t n, json::error_code&) {
    const size_t start = stack_->size() - n;
    if (!has_duplicate) FindDuplicate(start);
    JsonValue v;
    v.kind_ = JsonValue::Kind::kObject;
    v.tape_ = tape_;
    v.range_ = {static_cast<uint32_t>(tape_->members_.size()),
                static_cast<uint32_t>(n)};
    tape_->members_.insert(tape_->members_.end(), stack_->begin() + start,
                           stack_->end());
    return Close(start, v);
  }
  bool on_array_begin(json::error_code&) { return Open(); }
  bool on_array_end(std::size_t n, json::error_code&) {
    const size_t start = stack_->size() - n;
    JsonValue v;
    v.kind_ = JsonValue::Kind::kArray;
    v.tape_ = tape_;
    v.range_ = {static_cast<uint32_t>(tape_->elements_.size()),
                static_cast<uint32_t>(n)};
    for (size_t i = start; i < stack_->size(); ++i)
      tape_->elements_.push_back((*stack_)[i].value_);
    return Close(start, v);
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code& ec) {
    return Append(s, ec);
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    if (!Append(s, ec)) return false;
    pending_key_ = Finish();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code& ec) {
    return Append(s, ec);
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (!Append(s, ec)) return false;
    const std::string_view str = Finish();
    JsonValue v;
    v.kind_ = JsonValue::Kind::kString;
    v.str_ = str.data();
    v.range_ = {0, static_cast<uint32_t>(str.size())};
    return Push(v);
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    JsonValue v;
    v.kind_ = JsonValue::Kind::kInt64;
    v.i_ = i;
    return Push(v);
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    JsonValue v;
    v.kind_ = JsonValue::Kind::kUint64;
    v.u_ = u;
    return Push(v);
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    JsonValue v;
    v.kind_ = JsonValue::Kind::kDouble;
    v.d_ = d;
    return Push(v);
  }
  bool on_bool(bool b, json::error_code&) {
    JsonValue v;
    v.kind_ = JsonValue::Kind::kBool;
    v.b_ = b;
    return Push(v);
  }
  bool on_null(json::error_code&) { return Push(JsonValue()); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool Open() {
    keys_->push_back(pending_key_);
    pending_key_ = {};
    return true;
  }
  bool Close(size_t start, const JsonValue& v) {
    stack_->resize(start);
    pending_key_ = keys_->back();
    keys_->pop_back();
    return Push(v);
  }
  bool Push(const JsonValue& v) {
    stack_->push_back(JsonMember{pending_key_, v});
    pending_key_ = {};
    return true;
  }
  // Strings and keys are unescaped into chars_, which was reserved to the
  // input's size: unescaping never lengthens text, so it never reallocates
  // and earlier views stay valid.
  bool Append(json::string_view s, json::error_code& ec) {
    std::string& chars = tape_->chars_;
    if (chars.size() + s.size() > chars.capacity()) {
      ec = json::error::exception;  // unreachable; never move the views
      return false;
    }
    chars.append(s.data(), s.size());
    return true;
  }
  std::string_view Finish() {
    const std::string& chars = tape_->chars_;
    std::string_view out(chars.data() + string_start_,
                         chars.size() - string_start_);
    string_start_ = chars.size();
    return out;
  }
  // The same search, in the same order, as ParseStrictJson's key tracking:
  // pairwise for up to 16 keys (the first key equal to an earlier one),
  // else the smallest duplicated key.
  void FindDuplicate(size_t start) {
    const std::vector<JsonMember>& m = *stack_;
    const size_t n = m.size() - start;
    if (n <= 16) {
      for (size_t i = start + 1; i < m.size(); ++i) {
        for (size_t j = start; j < i; ++j) {
          if (m[i].key_ == m[j].key_) {
            has_duplicate = true;
            duplicate_key.assign(m[i].key_);
            return;
          }
        }
      }
      return;
    }
    std::vector<std::string_view> sorted;
    sorted.reserve(n);
    for (size_t i = start; i < m.size(); ++i) sorted.push_back(m[i].key_);
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) {
      has_duplicate = true;
      duplicate_key.assign(*dup);
    }
  }

  JsonTape* tape_;
  std::vector<JsonMember>* stack_;
  std::vector<std::string_view>* keys_;  // keys of the open containers
  std::string_view pending_key_;
  size_t string_start_ = 0;
};

Status ParseStrictTape(std::string_view text, size_t max_depth,
                       JsonTape& tape) {
  if (text.size() > (size_t{1} << 31)) {
    return InvalidArgumentError("invalid JSON: document too large");
  }
  thread_local std::vector<JsonMember> stack;
  thread_local std::vector<std::string_view> keys;
  try {
    stack.clear();
    keys.clear();
    tape.root_ = JsonValue();
    tape.chars_.clear();
    tape.chars_.reserve(text.size());
    tape.members_.clear();
    tape.elements_.clear();
    json::parse_options opt;
    opt.max_depth = max_depth;
    json::basic_parser<JsonTapeBuilder> p(opt, &tape, &stack, &keys);
    json::error_code ec;
    const size_t n = p.write_some(false, text.data(), text.size(), ec);
    if (!ec && n < text.size()) ec = json::error::extra_data;
    if (ec) {
      return InvalidArgumentError("invalid JSON at offset " +
                                  std::to_string(n) + ": " + ec.message());
    }
    if (p.handler().has_duplicate) {
      std::string m = "duplicate key ";
      AppendQuoted(m, p.handler().duplicate_key);
      return InvalidArgumentError(std::move(m));
    }
    // Invariant: a complete document leaves exactly its root on the stack.
    assert(stack.size() == 1);
    tape.root_ = stack.front().value_;
    return OkStatus();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory parsing JSON");
  }
}

}  // namespace consilium::schemas::internal
