#include "domain/internal/record_text.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/canonical_json.h"

namespace consilium::domain::internal {
namespace {

namespace json = boost::json;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

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
