#include "common/strict_json.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value_stack.hpp>
#include <cassert>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "common/canonical_json.h"

// Moved from schemas/task_schema.cc (issue 13) so that every module reads
// outside JSON through one reader; the slow path now also records where the
// duplicate is (its path from the root).

namespace consilium {

namespace json = boost::json;

namespace {

// Per-thread scratch of the strict reader, reused so that steady-state
// parsing allocates nothing here.
//
// Duplicate keys are found in two steps. The fast path records the member
// count of every object as the parser reports it (post-order: an object ends
// after its children) and, once the DOM is built, compares those counts with
// the sizes of the DOM's objects in the same post-order: Boost.JSON keeps only
// the last of duplicate keys, so a duplicate anywhere shows up as a smaller
// object or, when the dropped value held objects itself, as fewer objects.
// Only then does the slow path re-parse with every key of every open object
// tracked, to name the duplicate.
struct KeyScratch {
  std::vector<uint32_t> object_sizes;  // fast path: member counts, post-order

  std::string chars;  // bytes of all keys of all open objects
  struct Key {
    uint32_t offset;
    uint32_t size;
  };
  std::vector<Key> keys;                 // keys of all open objects
  std::vector<uint32_t> object_starts;   // index into `keys` per open object
  std::vector<std::string_view> sorted;  // scratch for large objects
  uint32_t pending_key_offset = 0;
  bool key_in_progress = false;

  // Slow path only: where the parser is, to name a duplicate by its path.
  // One frame per open container: an object's current key, or an array's
  // current element index.
  struct Frame {
    bool is_array;
    size_t index;     // arrays: elements completed so far
    std::string key;  // objects: the key of the member being read
  };
  std::vector<Frame> frames;

  void Clear() {
    object_sizes.clear();
    chars.clear();
    keys.clear();
    object_starts.clear();
    key_in_progress = false;
    frames.clear();
  }
};

// A basic_parser handler that builds the DOM exactly like boost::json::parser
// (through a value_stack) and additionally records object member counts
// (fast path) or tracks the keys of every open object (slow path).
class StrictHandler {
 public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  // The value_stack's own scratch memory comes from `temp` (then the default
  // resource); the values it builds are allocated from `sp`.
  StrictHandler(json::storage_ptr sp, unsigned char* temp, std::size_t size,
                KeyScratch* scratch, bool track_keys)
      : st(json::storage_ptr(), temp, size),
        scratch_(scratch),
        track_keys_(track_keys) {
    st.reset(std::move(sp));
  }

  json::value_stack st;
  bool has_duplicate = false;
  std::string duplicate_key;   // set when has_duplicate
  std::string duplicate_path;  // set when has_duplicate

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    if (!track_keys_) return true;
    scratch_->object_starts.push_back(
        static_cast<uint32_t>(scratch_->keys.size()));
    scratch_->frames.push_back({false, 0, {}});
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code& ec) {
    if (!track_keys_) {
      scratch_->object_sizes.push_back(static_cast<uint32_t>(n));
      st.push_object(n);
      return true;
    }
    // Invariant: every key of this object was pushed after object_starts
    // recorded its start, and inner objects have popped theirs already.
    const uint32_t start = scratch_->object_starts.back();
    scratch_->object_starts.pop_back();
    std::vector<KeyScratch::Key>& keys = scratch_->keys;
    assert(keys.size() - start == n);
    auto key_at = [&](size_t i) {
      return std::string_view(scratch_->chars)
          .substr(keys[i].offset, keys[i].size);
    };
    if (n <= 16) {
      for (size_t i = start + 1; i < keys.size(); ++i) {
        for (size_t j = start; j < i; ++j) {
          if (key_at(i) == key_at(j)) return Duplicate(key_at(i), ec);
        }
      }
    } else {
      scratch_->sorted.clear();
      for (size_t i = start; i < keys.size(); ++i) {
        scratch_->sorted.push_back(key_at(i));
      }
      std::sort(scratch_->sorted.begin(), scratch_->sorted.end());
      auto dup =
          std::adjacent_find(scratch_->sorted.begin(), scratch_->sorted.end());
      if (dup != scratch_->sorted.end()) return Duplicate(*dup, ec);
    }
    if (start < keys.size()) scratch_->chars.resize(keys[start].offset);
    keys.resize(start);
    scratch_->frames.pop_back();
    ValueDone();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) {
    if (track_keys_) scratch_->frames.push_back({true, 0, {}});
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    if (track_keys_) {
      scratch_->frames.pop_back();
      ValueDone();
    }
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (track_keys_) {
      BeginKey();
      scratch_->chars.append(s.data(), s.size());
    }
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (!track_keys_) {
      st.push_key(s);
      return true;
    }
    BeginKey();
    scratch_->chars.append(s.data(), s.size());
    scratch_->keys.push_back(
        {scratch_->pending_key_offset,
         static_cast<uint32_t>(scratch_->chars.size() -
                               scratch_->pending_key_offset)});
    scratch_->key_in_progress = false;
    scratch_->frames.back().key.assign(
        scratch_->chars.data() + scratch_->pending_key_offset,
        scratch_->chars.size() - scratch_->pending_key_offset);
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    ValueDone();
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    ValueDone();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    ValueDone();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    ValueDone();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    ValueDone();
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    ValueDone();
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  void BeginKey() {
    if (!scratch_->key_in_progress) {
      scratch_->key_in_progress = true;
      scratch_->pending_key_offset =
          static_cast<uint32_t>(scratch_->chars.size());
    }
  }
  // Counts a completed array element (slow path).
  void ValueDone() {
    if (track_keys_ && !scratch_->frames.empty() &&
        scratch_->frames.back().is_array) {
      ++scratch_->frames.back().index;
    }
  }
  // "a.b[2].c": the path of the member `key` of the innermost open object.
  // Invariant: that object is frames.back(), the frames below lead to it.
  std::string PathTo(std::string_view key) const {
    std::string path;
    const auto& frames = scratch_->frames;
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
      if (frames[i].is_array) {
        path += '[' + std::to_string(frames[i].index) + ']';
      } else {
        if (!path.empty()) path += '.';
        path += frames[i].key;
      }
    }
    if (!path.empty()) path += '.';
    path += key;
    return path;
  }
  bool Duplicate(std::string_view key, json::error_code& ec) {
    has_duplicate = true;
    duplicate_key.assign(key);
    duplicate_path = PathTo(key);
    ec = json::error::syntax;
    return false;
  }

  KeyScratch* scratch_;
  bool track_keys_;
};

// Post-order walk comparing DOM object sizes with the recorded member counts;
// false on the first difference. `next` indexes `sizes`.
bool SizesMatch(const json::value& v, const std::vector<uint32_t>& sizes,
                size_t& next) {
  if (v.is_object()) {
    const json::object& o = v.get_object();
    for (const auto& kv : o) {
      if (!SizesMatch(kv.value(), sizes, next)) return false;
    }
    return next < sizes.size() && sizes[next++] == o.size();
  }
  if (v.is_array()) {
    for (const json::value& e : v.get_array()) {
      if (!SizesMatch(e, sizes, next)) return false;
    }
  }
  return true;
}

// One parse of `text` into `out`. With `track_keys` a duplicate key fails the
// parse and is described in `error`; without, duplicates are left to the
// caller's SizesMatch check. A syntax error fills `error` and returns false.
bool ParseOnce(std::string_view text, size_t max_depth, bool track_keys,
               KeyScratch& scratch, json::value& out, StrictJsonError& error) {
  scratch.Clear();
  json::parse_options opt;
  opt.max_depth = max_depth;
  unsigned char temp[2048];
  json::basic_parser<StrictHandler> p(opt, out.storage(), temp, sizeof temp,
                                      &scratch, track_keys);
  json::error_code ec;
  const size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    if (p.handler().has_duplicate) {
      error.duplicate = true;
      error.duplicate_key = std::move(p.handler().duplicate_key);
      error.duplicate_path = std::move(p.handler().duplicate_path);
      return false;
    }
    error.offset = n;
    error.reason = ec.message();
    return false;
  }
  out = p.handler().st.release();
  return true;
}

Status ToStatus(const StrictJsonError& e) {
  if (e.duplicate) {
    std::string m = "duplicate key ";
    AppendJsonString(m, e.duplicate_path);
    return InvalidArgumentError(std::move(m));
  }
  return InvalidArgumentError("invalid JSON at offset " +
                              std::to_string(e.offset) + ": " + e.reason);
}

}  // namespace

Status ParseStrictJson(std::string_view text, const StrictJsonOptions& options,
                       json::value& out, StrictJsonError* error) {
  StrictJsonError local;
  StrictJsonError& e = error ? *error : local;
  e = StrictJsonError();
  auto fail = [&]() -> Status {
    out = json::value(out.storage());
    return ToStatus(e);
  };
  if (options.name_bom && text.substr(0, 3) == "\xEF\xBB\xBF") {
    e.reason =
        "starts with a UTF-8 byte order mark (U+FEFF), which JSON text must "
        "not have; save the file without it";
    return fail();
  }
  // Object member counts are 32-bit; documents that large are rejected by
  // the callers' size limits long before, but keep the invariant local.
  if (text.size() > (size_t{1} << 31)) {
    e.reason = "document too large";
    return InvalidArgumentError("invalid JSON: document too large");
  }
  thread_local KeyScratch scratch;
  try {
    if (!ParseOnce(text, options.max_depth, /*track_keys=*/false, scratch, out,
                   e)) {
      return fail();
    }
    size_t next = 0;
    if (SizesMatch(out, scratch.object_sizes, next) &&
        next == scratch.object_sizes.size()) {
      return OkStatus();
    }
    // A duplicate exists: parse again, tracking keys, to name it.
    json::monotonic_resource mr;
    json::value scratch_doc(&mr);
    if (ParseOnce(text, options.max_depth, /*track_keys=*/true, scratch,
                  scratch_doc, e) ||
        !e.duplicate) {
      // The sizes differ only when some object has a duplicate, which the
      // tracking parse finds; should it not, refuse the document unnamed
      // rather than accept it.
      out = json::value(out.storage());
      e = StrictJsonError();
      e.duplicate = true;
      return InvalidArgumentError("duplicate key");
    }
    return fail();
  } catch (const std::bad_alloc&) {
    out = json::value(out.storage());
    return ResourceExhaustedError("out of memory parsing JSON");
  } catch (const std::exception& ex) {
    // value_stack throws std::length_error for strings or containers beyond
    // Boost.JSON's limits.
    out = json::value(out.storage());
    e.reason = ex.what();
    return InvalidArgumentError(std::string("invalid JSON: ") + ex.what());
  }
}

}  // namespace consilium
