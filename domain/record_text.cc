#include "domain/internal/record_text.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <optional>
#include <utility>

#include "common/canonical_json.h"

namespace consilium::domain::internal {
namespace {

namespace json = boost::json;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// A leaf's text as the detectors read it: "label: value", so that the
// rules that need their label ("MRN 00123456", "SSN 123456789") see the
// member's name as one; numbers as written.
std::string LeafText(std::string_view label, const json::value& v) {
  std::string value = v.is_string() ? std::string(v.get_string())
                                    : WriteStoredJson(v, JsonStyle::kCompact);
  if (label.empty()) return value;
  std::string text(label);
  for (char& c : text) {
    if (c == '_' || c == '-') c = ' ';
  }
  return text + ": " + value;
}

// The first string or number under `v` (path `path`, nearest member name
// `label`) that `detector` flags: its path and the type of its first hit.
std::optional<std::pair<std::string, deid::PhiType>> FirstFlagged(
    const deid::Detector& detector, const json::value& v, std::string path,
    std::string_view label) {
  if (v.is_string() || v.is_number()) {
    std::vector<deid::Hit> hits = detector.Scan(LeafText(label, v));
    if (!hits.empty()) return std::make_pair(std::move(path), hits[0].type);
  } else if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (auto f = FirstFlagged(detector, kv.value(),
                                path + "." + std::string(kv.key()), kv.key())) {
        return f;
      }
    }
  } else if (const json::array* a = v.if_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      if (auto f = FirstFlagged(detector, (*a)[i],
                                path + "[" + std::to_string(i) + "]", label)) {
        return f;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Status CheckMetadataClean(const deid::Detector& detector,
                          std::string_view metadata) {
  boost::system::error_code ec;
  const json::value v = json::parse(metadata, ec);
  if (ec) return InvalidArgumentError("metadata is not JSON");
  const auto flagged = FirstFlagged(detector, v, "metadata", "");
  if (!flagged) return OkStatus();
  return InvalidArgumentError(
      flagged->first + " holds what the de-identification gate reads as " +
      std::string(deid::PhiTypeName(flagged->second)) +
      "; metadata is stored in the clear and is never sealed, held or "
      "redacted, so it may hold no identifiers (move it into the record's "
      "text, where the gate holds it for review, or leave it out)");
}

std::string RecordText(std::string_view content) {
  boost::system::error_code ec;
  const json::value v = json::parse(content, ec);
  if (ec || !v.is_object()) return {};
  const json::value* text = v.as_object().if_contains("text");
  if (text == nullptr || !text->is_string()) return {};
  return std::string(text->as_string());
}

StatusOr<std::string> RedactRecordText(std::string_view content,
                                       std::vector<PhiHitFields> spans) {
  boost::system::error_code ec;
  json::value v = json::parse(content, ec);
  if (ec || !v.is_object() || v.as_object().if_contains("text") == nullptr ||
      !v.as_object().at("text").is_string()) {
    return InvalidArgumentError("the record's content has no text to redact");
  }
  const std::string text(v.as_object().at("text").as_string());
  std::sort(spans.begin(), spans.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin; });
  std::string out;
  size_t at = 0;
  for (const PhiHitFields& s : spans) {
    const std::string where = s.type + " [" + std::to_string(s.begin) + ", " +
                              std::to_string(s.end) + ")";
    if (s.begin >= s.end || s.end > text.size()) {
      return InvalidArgumentError("span " + where +
                                  " is empty or beyond the text (" +
                                  std::to_string(text.size()) + " bytes)");
    }
    if (s.begin < at) {
      return InvalidArgumentError("span " + where + " overlaps another");
    }
    if (IsContinuationByte(text[s.begin]) ||
        (s.end < text.size() && IsContinuationByte(text[s.end]))) {
      return InvalidArgumentError("span " + where + " cuts a UTF-8 character");
    }
    if (s.type.empty()) {
      return InvalidArgumentError("span " + where + " has no type");
    }
    out.append(text, at, s.begin - at);
    out += '[';
    for (char c : s.type) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    out += ']';
    at = s.end;
  }
  out.append(text, at);
  v.as_object()["text"] = out;
  return WriteCanonicalJson(v);
}

}  // namespace consilium::domain::internal
