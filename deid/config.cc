#include "deid/config.h"

#include <boost/json.hpp>

#include "common/strict_json.h"

namespace consilium::deid {
namespace {

namespace json = boost::json;

bool NameByte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\'' ||
         c == '-' || c >= 0x80;
}

StatusOr<std::vector<std::string>> ReadNames(const json::value& v,
                                             const std::string& key) {
  if (!v.is_array()) {
    return InvalidArgumentError(key + ": must be an array of strings");
  }
  std::vector<std::string> out;
  const json::array& a = v.as_array();
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string where = key + "[" + std::to_string(i) + "]";
    if (!a[i].is_string()) {
      return InvalidArgumentError(where + ": must be a string");
    }
    std::string name(a[i].as_string());
    if (name.empty() || name.size() > kMaxNameBytes) {
      return InvalidArgumentError(where + ": must be 1 to " +
                                  std::to_string(kMaxNameBytes) + " bytes");
    }
    for (char c : name) {
      if (!NameByte(static_cast<unsigned char>(c))) {
        return InvalidArgumentError(
            where + ": \"" + name +
            "\" is not one word (letters, apostrophes and hyphens only; list "
            "each word of a name)");
      }
    }
    out.push_back(std::move(name));
  }
  return out;
}

StatusOr<ExtraPattern> ReadPattern(const json::value& v,
                                   const std::string& where) {
  if (!v.is_object()) {
    return InvalidArgumentError(where +
                                ": must be an object {\"type\", \"regex\"}");
  }
  ExtraPattern p;
  bool type_seen = false, regex_seen = false;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "type") {
      if (!value.is_string()) {
        return InvalidArgumentError(where + ".type: must be a string");
      }
      StatusOr<PhiType> t = ParsePhiType(value.as_string());
      if (!t.ok()) return t.status().WithContext(where + ".type");
      p.type = *t;
      type_seen = true;
    } else if (key == "regex") {
      if (!value.is_string() || value.as_string().empty() ||
          value.as_string().size() > kMaxPatternBytes) {
        return InvalidArgumentError(
            where + ".regex: must be a string of 1 to " +
            std::to_string(kMaxPatternBytes) + " bytes");
      }
      p.regex = std::string(value.as_string());
      regex_seen = true;
    } else {
      return InvalidArgumentError(where + "." + std::string(key) +
                                  ": unknown key");
    }
  }
  if (!type_seen) return InvalidArgumentError(where + ".type: is required");
  if (!regex_seen) return InvalidArgumentError(where + ".regex: is required");
  return p;
}

Status ReadPatterns(const json::value& v, DetectorConfig& config) {
  if (!v.is_array()) {
    return InvalidArgumentError("patterns: must be an array");
  }
  const json::array& a = v.as_array();
  if (a.size() > kMaxExtraPatterns) {
    return InvalidArgumentError("patterns: more than " +
                                std::to_string(kMaxExtraPatterns) +
                                " patterns");
  }
  for (size_t i = 0; i < a.size(); ++i) {
    ASSIGN_OR_RETURN(ExtraPattern p,
                     ReadPattern(a[i], "patterns[" + std::to_string(i) + "]"));
    config.patterns.push_back(std::move(p));
  }
  return OkStatus();
}

}  // namespace

StatusOr<DetectorConfig> ParseDetectorConfig(std::string_view json_text) {
  if (json_text.size() > kMaxConfigBytes) {
    return InvalidArgumentError("configuration: larger than the 16 MiB limit");
  }
  json::value doc;
  RETURN_IF_ERROR(ParseStrictJson(json_text, {}, doc));
  if (!doc.is_object()) {
    return InvalidArgumentError("configuration: must be a JSON object");
  }
  DetectorConfig config;
  for (const auto& [k, value] : doc.as_object()) {
    const std::string key(k);
    if (key == "names") {
      ASSIGN_OR_RETURN(config.names, ReadNames(value, key));
    } else if (key == "ambiguous_names") {
      ASSIGN_OR_RETURN(config.ambiguous_names, ReadNames(value, key));
    } else if (key == "not_names") {
      ASSIGN_OR_RETURN(config.not_names, ReadNames(value, key));
    } else if (key == "builtin_names") {
      if (!value.is_bool()) {
        return InvalidArgumentError("builtin_names: must be true or false");
      }
      config.builtin_names = value.as_bool();
    } else if (key == "patterns") {
      RETURN_IF_ERROR(ReadPatterns(value, config));
    } else {
      return InvalidArgumentError(key + ": unknown key");
    }
  }
  return config;
}

}  // namespace consilium::deid
