// libFuzzer target for the strict JSON reader, ParseStrictJson
// (common/strict_json.h): every JSON document from outside (append lines,
// import and annotate lines, proofs, schemas) goes through it.
//
// Second opinions, independent of the reader under test:
//  - boost::json::parse with the same options, for the verdict and the
//    document (it keeps the last of duplicate keys, so it is compared only on
//    inputs without them);
//  - a plain duplicate-key finder (a basic_parser handler with a set of keys
//    per open object), for whether the input has duplicate keys at all.
// Properties: on input without duplicate keys, ParseStrictJson accepts
// exactly when boost::json::parse does, and builds an equal document; on
// input Boost accepts that has a duplicate key, ParseStrictJson rejects it as
// a duplicate, naming a key the finder saw duplicated, with a path that ends
// in that key. Every rejection is InvalidArgument and leaves the output null.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/strict_json.h"

namespace {

namespace json = boost::json;

constexpr size_t kDepth = 64;

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

// Records every key that occurs twice in one object.
struct DuplicateFinder {
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  std::vector<std::set<std::string>> open;
  std::string key;
  std::set<std::string> duplicated;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    open.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    if (!open.back().insert(key).second) duplicated.insert(key);
    key.clear();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) {
    return true;
  }
  bool on_string(json::string_view, std::size_t, json::error_code&) {
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) {
    return true;
  }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

json::parse_options Options() {
  json::parse_options opt;
  opt.max_depth = kDepth;
  return opt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  json::value strict;
  consilium::StrictJsonError why;
  const consilium::Status s =
      consilium::ParseStrictJson(text, {.max_depth = kDepth}, strict, &why);
  if (!s.ok()) {
    if (s.code() != consilium::StatusCode::kInvalidArgument) {
      Violated("rejection is not InvalidArgument");
    }
    if (!strict.is_null()) Violated("a rejection left a document behind");
  }

  json::error_code ec;
  const json::value boost = json::parse(text, ec, {}, Options());
  if (ec) {
    // Boost rejects: the strict reader must too, and not for a duplicate
    // (there is no document to have one).
    if (s.ok()) Violated("accepted what boost::json::parse rejects");
    if (why.duplicate) Violated("a syntax error reported as a duplicate key");
    return 0;
  }

  json::basic_parser<DuplicateFinder> finder(Options());
  json::error_code fec;
  finder.write_some(false, text.data(), text.size(), fec);
  if (fec) Violated("the duplicate finder rejects what Boost accepts");
  const std::set<std::string>& dups = finder.handler().duplicated;

  if (dups.empty()) {
    if (!s.ok()) Violated("rejected a document without duplicate keys");
    // Compared as printed: Boost 1.81 reads a zero with a huge exponent
    // (0e551615) as NaN, which == never equals; printing tells doubles,
    // integers and NaN apart exactly.
    if (json::serialize(strict) != json::serialize(boost)) {
      Violated("the documents differ");
    }
    return 0;
  }
  if (s.ok()) Violated("accepted a duplicate key");
  if (!why.duplicate) Violated("a duplicate key reported as something else");
  if (dups.count(why.duplicate_key) == 0) {
    Violated("named a key that is not duplicated");
  }
  const std::string& path = why.duplicate_path;
  const std::string& key = why.duplicate_key;
  if (path.size() < key.size() ||
      path.compare(path.size() - key.size(), key.size(), key) != 0) {
    Violated("the path does not end in the key");
  }
  return 0;
}
