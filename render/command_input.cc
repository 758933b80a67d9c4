#include "render/command_input.h"

#include <boost/json.hpp>
#include <limits>
#include <set>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "schemas/annotation_validator.h"
#include "schemas/event_json.h"

namespace consilium::render {
namespace {

namespace json = boost::json;

// The largest revision, schema version or image size an input line may give.
constexpr uint64_t kMaxInputUint = std::numeric_limits<uint32_t>::max();

// Every non-blank line (only spaces, tabs and CRs: blank), numbered from 1,
// read by `parse`.
template <class C>
std::vector<domain::InputLine<C>> ParseLines(
    std::span<const std::string> lines,
    StatusOr<C> (*parse)(std::string_view line)) {
  std::vector<domain::InputLine<C>> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t\r") != std::string::npos)
      out.push_back({i + 1, parse(lines[i])});
  }
  return out;
}

// Strict JSON object reader for command input lines: every key must be
// consumed; messages name the key.
class Reader {
 public:
  explicit Reader(const json::object& o) : o_(o) {}

  const json::value* Get(std::string_view key) {
    seen_.insert(std::string(key));
    return o_.if_contains(key);
  }
  StatusOr<std::string> String(std::string_view key, bool required) {
    const json::value* v = Get(key);
    if (v == nullptr) {
      if (required)
        return InvalidArgumentError(std::string(key) + ": required");
      return std::string();
    }
    if (!v->is_string())
      return InvalidArgumentError(std::string(key) + ": must be a string");
    return std::string(v->get_string());
  }
  StatusOr<uint32_t> Uint32(std::string_view key, bool required, uint32_t min) {
    const json::value* v = Get(key);
    if (v == nullptr) {
      if (required)
        return InvalidArgumentError(std::string(key) + ": required");
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
    if (!ok || n < min || n > kMaxInputUint) {
      return InvalidArgumentError(
          std::string(key) + ": must be an integer in [" + std::to_string(min) +
          ", " + std::to_string(kMaxInputUint) + "]");
    }
    return static_cast<uint32_t>(n);
  }
  Status Finish() const {
    for (const auto& kv : o_) {
      if (!seen_.count(std::string(kv.key())))
        return InvalidArgumentError(std::string(kv.key()) + ": unknown key");
    }
    return OkStatus();
  }

 private:
  const json::object& o_;
  std::set<std::string> seen_;
};

// Input lines go through the strict reader: a duplicate key is an error
// named by its path (`duplicate key "content.name"`), not a silent last-wins.
StatusOr<json::object> ParseObjectLine(std::string_view line) {
  json::value v;
  StrictJsonError e;
  Status s = ParseStrictJson(line, {.max_depth = 64}, v, &e);
  if (!s.ok()) {
    if (e.duplicate || s.code() != StatusCode::kInvalidArgument) return s;
    return InvalidArgumentError("not valid JSON: " + e.reason);
  }
  if (!v.is_object()) return InvalidArgumentError("must be a JSON object");
  return std::move(v.get_object());
}

}  // namespace

StatusOr<domain::ImportRecordCommand> ParseRecordLine(std::string_view line) {
  ASSIGN_OR_RETURN(json::object o, ParseObjectLine(line));
  Reader r(o);
  domain::ImportRecordCommand out;
  ASSIGN_OR_RETURN(out.id, r.String("id", true));
  RETURN_IF_ERROR(domain::CheckDomainId("record id", out.id));
  auto ctx = [&](const Status& s) { return s.WithContext("record " + out.id); };
  const json::value* text = r.Get("text");
  const json::value* images = r.Get("images");
  const json::value* metadata = r.Get("metadata");
  StatusOr<std::string> subject = r.String("subject", false);
  if (!subject.ok()) return ctx(subject.status());
  if (Status s = r.Finish(); !s.ok()) return ctx(s);
  if (!subject->empty()) {
    if (Status s = domain::CheckDomainId("subject", *subject); !s.ok())
      return ctx(s);
    out.subject = std::move(*subject);
  }
  if (text == nullptr && images == nullptr)
    return ctx(InvalidArgumentError("a record needs text, images or both"));
  json::object content;  // keys inserted in sorted order: canonical
  std::vector<schemas::ImageShape> shapes;
  if (images != nullptr) {
    if (!images->is_array())
      return ctx(InvalidArgumentError("images: must be an array"));
    json::array list;
    for (size_t i = 0; i < images->get_array().size(); ++i) {
      const json::value& img = images->get_array()[i];
      std::string path = "images[" + std::to_string(i) + "]";
      if (!img.is_object())
        return ctx(InvalidArgumentError(path + ": must be an object"));
      Reader ir(img.get_object());
      schemas::ImageShape shape;
      auto field = [&](const Status& s) { return ctx(s.WithContext(path)); };
      StatusOr<std::string> name = ir.String("name", true);
      if (!name.ok()) return field(name.status());
      StatusOr<uint32_t> width = ir.Uint32("width", true, 1);
      if (!width.ok()) return field(width.status());
      StatusOr<uint32_t> height = ir.Uint32("height", true, 1);
      if (!height.ok()) return field(height.status());
      StatusOr<uint32_t> frames = ir.Uint32("frames", false, 1);
      if (!frames.ok()) return field(frames.status());
      if (Status s = ir.Finish(); !s.ok()) return field(s);
      if (name->empty())
        return field(InvalidArgumentError("name: must not be empty"));
      json::object io;
      io["frames"] = *frames;
      io["height"] = *height;
      io["name"] = *name;
      io["width"] = *width;
      list.push_back(std::move(io));
      shapes.push_back({*name, *width, *height, *frames});
    }
    content["images"] = std::move(list);
  }
  std::string text_value;
  if (text != nullptr) {
    if (!text->is_string())
      return ctx(InvalidArgumentError("text: must be a string"));
    text_value = std::string(text->get_string());
    content["text"] = text_value;
  }
  // Duplicate image names, zero sizes, invalid UTF-8: the validator's rules.
  StatusOr<schemas::RecordShape> shape =
      schemas::RecordShape::Create(text_value, std::move(shapes));
  if (!shape.ok()) return ctx(shape.status());
  out.content = WriteStoredJson(content, JsonStyle::kCompact);
  if (metadata != nullptr) {
    if (!metadata->is_object())
      return ctx(InvalidArgumentError("metadata: must be an object"));
    ASSIGN_OR_RETURN(out.metadata, CanonicalizeJson(WriteStoredJson(
                                       *metadata, JsonStyle::kCompact)));
  } else {
    out.metadata = "{}";
  }
  return out;
}

StatusOr<std::pair<std::string, uint32_t>> ParseSchemaRef(
    std::string_view ref) {
  size_t at = ref.rfind('@');
  auto bad = [&] {
    return InvalidArgumentError("schema reference \"" + std::string(ref) +
                                "\": expected ID@VERSION (dx-reasoning@3)");
  };
  if (at == std::string_view::npos || at == 0 || at + 1 == ref.size())
    return bad();
  uint64_t v = 0;
  for (char c : ref.substr(at + 1)) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > kMaxInputUint) return bad();
  }
  if (v == 0 || ref[at + 1] == '0') return bad();
  return std::make_pair(std::string(ref.substr(0, at)),
                        static_cast<uint32_t>(v));
}

StatusOr<domain::AnnotationCommand> ParseAnnotationLine(std::string_view line) {
  ASSIGN_OR_RETURN(json::object o, ParseObjectLine(line));
  Reader r(o);
  domain::AnnotationCommand cmd;
  ASSIGN_OR_RETURN(std::string op, r.String("op", false));
  ASSIGN_OR_RETURN(std::string id, r.String("annotation_id", true));
  auto values = [&]() -> StatusOr<std::string> {
    const json::value* v = r.Get("values");
    if (v == nullptr) return InvalidArgumentError("values: required");
    if (!v->is_object())
      return InvalidArgumentError("values: must be an object");
    return WriteStoredJson(*v, JsonStyle::kCompact);
  };
  if (op.empty() || op == "submit") {
    cmd.op = domain::AnnotationCommand::Op::kSubmit;
    cmd.submit.annotation_id = id;
    ASSIGN_OR_RETURN(cmd.submit.record_id, r.String("record", true));
    ASSIGN_OR_RETURN(cmd.submit.annotator_id, r.String("annotator", true));
    ASSIGN_OR_RETURN(std::string ref, r.String("schema", true));
    ASSIGN_OR_RETURN(auto parsed, ParseSchemaRef(ref));
    cmd.submit.schema_id = parsed.first;
    cmd.submit.schema_version = parsed.second;
    ASSIGN_OR_RETURN(cmd.submit.values, values());
  } else if (op == "revise") {
    cmd.op = domain::AnnotationCommand::Op::kRevise;
    cmd.revise.annotation_id = id;
    ASSIGN_OR_RETURN(cmd.revise.expected_revision,
                     r.Uint32("expected_revision", true, 1));
    ASSIGN_OR_RETURN(cmd.revise.values, values());
    ASSIGN_OR_RETURN(cmd.revise.reason, r.String("reason", false));
  } else if (op == "withdraw") {
    cmd.op = domain::AnnotationCommand::Op::kWithdraw;
    cmd.withdraw.annotation_id = id;
    ASSIGN_OR_RETURN(cmd.withdraw.expected_revision,
                     r.Uint32("expected_revision", true, 1));
    ASSIGN_OR_RETURN(cmd.withdraw.reason, r.String("reason", true));
  } else {
    return InvalidArgumentError(
        "op: must be \"submit\", \"revise\" or \"withdraw\"");
  }
  RETURN_IF_ERROR(r.Finish());
  return cmd;
}

std::vector<domain::RecordLine> ParseRecordLines(
    std::span<const std::string> lines) {
  return ParseLines<domain::ImportRecordCommand>(lines, ParseRecordLine);
}

std::vector<domain::AnnotationLine> ParseAnnotationLines(
    std::span<const std::string> lines) {
  return ParseLines<domain::AnnotationCommand>(lines, ParseAnnotationLine);
}

}  // namespace consilium::render
