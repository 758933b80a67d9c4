#include "schemas/event_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <limits>
#include <set>
#include <type_traits>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "schemas/deid_events.h"
#include "schemas/task_schema.h"

namespace consilium {
namespace {

namespace json = boost::json;

// Strict object reader: each accessor marks its key as known; Finish() rejects
// leftovers, so a misspelled key is an error rather than silently ignored.
class ObjectReader {
 public:
  ObjectReader(const json::object& o, std::string path)
      : o_(o), path_(std::move(path)) {}

  StatusOr<std::string_view> String(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required)
        return InvalidArgumentError(Path(key) + ": required string is missing");
      return std::string_view();
    }
    if (!v->is_string())
      return InvalidArgumentError(Path(key) + ": must be a string");
    const json::string& s = v->get_string();
    return std::string_view(s.data(), s.size());
  }

  StatusOr<const json::value*> Value(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const json::value* v = o_.if_contains(key);
    if (v == nullptr && required)
      return InvalidArgumentError(Path(key) + ": required");
    return v;
  }

  // A JSON integer in [0, max]; `fallback` when absent and not required.
  StatusOr<uint64_t> Uint(std::string_view key, bool required,
                          uint64_t fallback, uint64_t max) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return fallback;
    if (v->is_uint64() && v->get_uint64() <= max) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0 &&
        static_cast<uint64_t>(v->get_int64()) <= max) {
      return static_cast<uint64_t>(v->get_int64());
    }
    return InvalidArgumentError(Path(key) + ": must be an integer in [0, " +
                                std::to_string(max) + "]");
  }

  StatusOr<int64_t> Int(std::string_view key, bool required) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return int64_t{0};
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() &&
        v->get_uint64() <=
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(v->get_uint64());
    }
    return InvalidArgumentError(Path(key) + ": must be an integer");
  }

  StatusOr<bool> Bool(std::string_view key, bool required, bool fallback) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return fallback;
    if (!v->is_bool())
      return InvalidArgumentError(Path(key) + ": must be true or false");
    return v->get_bool();
  }

  StatusOr<const json::array*> Array(std::string_view key, bool required) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return static_cast<const json::array*>(nullptr);
    if (!v->is_array())
      return InvalidArgumentError(Path(key) + ": must be an array");
    return &v->get_array();
  }

  StatusOr<const json::object*> Object(std::string_view key, bool required) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return static_cast<const json::object*>(nullptr);
    if (!v->is_object())
      return InvalidArgumentError(Path(key) + ": must be an object");
    return &v->get_object();
  }

  Status Finish() const {
    for (const auto& kv : o_) {
      std::string key(kv.key());
      if (!seen_.count(key))
        return InvalidArgumentError(Path(key) + ": unknown key");
    }
    return OkStatus();
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

 private:
  const json::object& o_;
  std::string path_;
  std::set<std::string> seen_;
};

// The options of every parse here, input and output alike: what
// DraftFromJson accepts and stores must parse again when EventToJson prints
// it (Boost.JSON's default depth limit, 32, is below the input's).
json::parse_options ParseOptions() {
  json::parse_options opt;
  opt.max_depth = 64;
  return opt;
}

// Every number stored must read back as itself, or the stored text
// (WriteStoredJson) would change on the next parse (and `consilium events`
// output would not append back to the same bytes). Two cases fail: a number
// beyond the double range (1e400), which Boost.JSON reads as infinity and
// WriteStoredJson would spell "Infinity", not JSON; and a number Boost.JSON
// 1.81 rounds imprecisely (its parser is not correctly rounded:
// -9223372046757835808 reads as a double whose shortest form reads as its
// neighbour). Read back with json::parse, the reader EventToJson uses.
Status CheckNumbers(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        return InvalidArgumentError(
            "has a number beyond the range of a double");
      }
      std::string text;
      AppendStoredJsonNumber(text, d);
      boost::system::error_code ec;
      const json::value back = json::parse(text, ec);
      if (ec || !back.is_double() || back.get_double() != d) {
        return InvalidArgumentError("has a number, " + text +
                                    ", that does not read back exactly; "
                                    "give it with fewer digits");
      }
      return OkStatus();
    }
    case json::kind::array:
      for (const json::value& e : v.get_array())
        RETURN_IF_ERROR(CheckNumbers(e));
      return OkStatus();
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        RETURN_IF_ERROR(CheckNumbers(kv.value()));
      }
      return OkStatus();
    default:
      return OkStatus();
  }
}

// Outside JSON goes through the strict reader: a duplicate key is an error
// (issue 13), named by its path: `event has a duplicate key "body.name"`.
StatusOr<json::value> ParseJson(std::string_view text, std::string_view what) {
  json::value v;
  StrictJsonError e;
  Status parsed =
      ParseStrictJson(text, {.max_depth = ParseOptions().max_depth}, v, &e);
  if (!parsed.ok()) {
    if (e.duplicate) {
      return InvalidArgumentError(std::string(what) + " has a " +
                                  std::string(parsed.message()));
    }
    if (parsed.code() != StatusCode::kInvalidArgument) return parsed;
    return InvalidArgumentError(std::string(what) +
                                " is not valid JSON: " + e.reason);
  }
  if (Status s = CheckNumbers(v); !s.ok()) {
    return InvalidArgumentError(std::string(what) + " " + s.message());
  }
  return v;
}

constexpr uint64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

Status CheckId(std::string_view path, std::string_view id) {
  if (id.empty())
    return InvalidArgumentError(std::string(path) + ": must not be empty");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError(
        std::string(path) + ": " + std::to_string(id.size()) +
        " bytes; ids are at most " + std::to_string(kMaxIdBytes));
  }
  return OkStatus();
}

StatusOr<EventDraft> ProjectCreatedFromJson(const EventHeader& header,
                                            const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(std::string_view name, r.String("name", true));
  ASSIGN_OR_RETURN(uint64_t overlap,
                   r.Uint("overlap_target", false, 0, kMaxUint32));
  ASSIGN_OR_RETURN(bool blind, r.Bool("blind_mode", false, false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", project_id));
  return MakeProjectCreated(header, project_id, name,
                            static_cast<uint32_t>(overlap), blind);
}

StatusOr<EventDraft> RecordImportedFromJson(const EventHeader& header,
                                            const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(std::string_view project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(const json::value* content, r.Value("content", true));
  ASSIGN_OR_RETURN(const json::object* metadata, r.Object("metadata", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.record_id", record_id));
  RETURN_IF_ERROR(CheckId("body.project_id", project_id));
  if (!content->is_string() && !content->is_object()) {
    return InvalidArgumentError("body.content: must be a string or an object");
  }
  std::string meta = metadata ? WriteStoredJson(*metadata) : "{}";
  return MakeRecordImported(header, record_id, project_id,
                            WriteStoredJson(*content), meta);
}

StatusOr<EventDraft> PrincipalRegisteredFromJson(const EventHeader& header,
                                                 const json::object& body) {
  ObjectReader r(body, "body");
  PrincipalRegisteredFields f;
  ASSIGN_OR_RETURN(f.principal_id, r.String("principal_id", true));
  ASSIGN_OR_RETURN(std::string_view kind, r.String("kind", false));
  ASSIGN_OR_RETURN(f.display_name, r.String("display_name", false));
  ASSIGN_OR_RETURN(f.pseudonym, r.String("pseudonym", false));
  ASSIGN_OR_RETURN(f.model_name, r.String("model_name", false));
  ASSIGN_OR_RETURN(f.model_version, r.String("model_version", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.principal_id", f.principal_id));
  if (kind.empty() || kind == "person") {
    f.kind = fb::PrincipalKind::Person;
    if (!f.model_name.empty() || !f.model_version.empty()) {
      return InvalidArgumentError(
          "body.model_name: only a principal of kind \"model\" has a model");
    }
  } else if (kind == "model") {
    f.kind = fb::PrincipalKind::Model;
    if (f.model_name.empty())
      return InvalidArgumentError("body.model_name: required for a model");
    if (f.model_version.empty())
      return InvalidArgumentError("body.model_version: required for a model");
  } else {
    return InvalidArgumentError("body.kind: must be \"person\" or \"model\"");
  }
  return MakePrincipalRegistered(header, f);
}

StatusOr<EventDraft> RoleFromJson(const EventHeader& header,
                                  const json::object& body, bool grant) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view principal, r.String("principal_id", true));
  ASSIGN_OR_RETURN(std::string_view role_name, r.String("role", true));
  ASSIGN_OR_RETURN(std::string_view project, r.String("project_id", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.principal_id", principal));
  fb::Role role = RoleFromName(role_name);
  if (role == fb::Role::Unspecified) {
    return InvalidArgumentError(
        "body.role: unknown role \"" + std::string(role_name) +
        "\" (known: admin, annotator, adjudicator, researcher, auditor)");
  }
  return grant ? MakeRoleGranted(header, principal, role, project)
               : MakeRoleRevoked(header, principal, role, project);
}

StatusOr<EventDraft> TokenIssuedFromJson(const EventHeader& header,
                                         const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view principal, r.String("principal_id", true));
  ASSIGN_OR_RETURN(std::string_view hex, r.String("token_sha256", true));
  ASSIGN_OR_RETURN(int64_t expires, r.Int("expires_at_us", true));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.principal_id", principal));
  StatusOr<Hash256> h = Hash256FromHex(hex);
  if (!h.ok() || hex.size() != 64) {
    return InvalidArgumentError(
        "body.token_sha256: must be 64 hex digits (a SHA-256)");
  }
  return MakeTokenIssued(header, principal, *h, expires);
}

StatusOr<EventDraft> TokenRevokedFromJson(const EventHeader& header,
                                          const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view principal, r.String("principal_id", true));
  ASSIGN_OR_RETURN(std::string_view hex, r.String("token_sha256", true));
  ASSIGN_OR_RETURN(std::string_view reason, r.String("reason", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.principal_id", principal));
  StatusOr<Hash256> h = Hash256FromHex(hex);
  if (!h.ok() || hex.size() != 64) {
    return InvalidArgumentError(
        "body.token_sha256: must be 64 hex digits (a SHA-256)");
  }
  return MakeTokenRevoked(header, principal, *h, reason);
}

StatusOr<EventDraft> SchemaPublishedFromJson(const EventHeader& header,
                                             const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(const json::value* def, r.Value("definition", true));
  ASSIGN_OR_RETURN(std::string_view id, r.String("schema_id", false));
  ASSIGN_OR_RETURN(const json::value* version, r.Value("version", false));
  ASSIGN_OR_RETURN(const json::value* parent, r.Value("parent_version", false));
  ASSIGN_OR_RETURN(const json::value* changelog, r.Value("changelog", false));
  RETURN_IF_ERROR(r.Finish());
  std::string text;
  if (def->is_string()) {
    text = std::string(def->get_string());
  } else if (def->is_object()) {
    text = WriteStoredJson(*def);
  } else {
    return InvalidArgumentError(
        "body.definition: must be a task-schema document (object or string)");
  }
  StatusOr<schemas::TaskSchema> schema = schemas::TaskSchema::Parse(text);
  if (!schema.ok()) return schema.status().WithContext("body.definition");
  // Stored canonical like a definition given as an object: EventToJson prints
  // a stored definition that parses as JSON as an object, and that must
  // append back to the same bytes.
  if (def->is_string()) {
    ASSIGN_OR_RETURN(json::value parsed, ParseJson(text, "body.definition"));
    text = WriteStoredJson(parsed);
  }
  if (schema->version() > static_cast<int64_t>(kMaxUint32)) {
    return InvalidArgumentError("body.definition: version is above " +
                                std::to_string(kMaxUint32));
  }
  // The header keys, when given, must repeat the document's (they are what
  // `consilium events` prints, so its output appends back unchanged).
  auto same_uint = [](const json::value* v, int64_t want) {
    return v == nullptr || (v->is_int64() && v->get_int64() == want) ||
           (v->is_uint64() && v->get_uint64() == static_cast<uint64_t>(want));
  };
  if (!id.empty() && id != schema->id())
    return InvalidArgumentError(
        "body.schema_id: differs from the definition's id");
  if (!same_uint(version, schema->version()))
    return InvalidArgumentError(
        "body.version: differs from the definition's version");
  if (!same_uint(parent, schema->parent().value_or(0)))
    return InvalidArgumentError(
        "body.parent_version: differs from the definition's parent");
  if (changelog != nullptr &&
      !(changelog->is_string() &&
        changelog->get_string() == schema->changelog())) {
    return InvalidArgumentError(
        "body.changelog: differs from the definition's changelog");
  }
  SchemaPublishedFields f;
  f.schema_id = schema->id();
  f.version = static_cast<uint32_t>(schema->version());
  f.parent_version = static_cast<uint32_t>(schema->parent().value_or(0));
  f.changelog = schema->changelog();
  f.definition = text;
  return MakeSchemaPublished(header, f);
}

StatusOr<EventDraft> CalibrationBatchFromJson(const EventHeader& header,
                                              const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view project, r.String("project_id", true));
  ASSIGN_OR_RETURN(std::string_view batch, r.String("batch_id", true));
  ASSIGN_OR_RETURN(const json::array* records, r.Array("record_ids", true));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", project));
  RETURN_IF_ERROR(CheckId("body.batch_id", batch));
  if (records->empty())
    return InvalidArgumentError("body.record_ids: must not be empty");
  std::vector<std::string> ids;
  std::set<std::string_view> seen;
  for (size_t i = 0; i < records->size(); ++i) {
    std::string path = "body.record_ids[" + std::to_string(i) + "]";
    if (!(*records)[i].is_string())
      return InvalidArgumentError(path + ": must be a string");
    std::string_view id((*records)[i].get_string());
    RETURN_IF_ERROR(CheckId(path, id));
    if (!seen.insert(id).second)
      return InvalidArgumentError(path + ": duplicate record \"" +
                                  std::string(id) + "\"");
    ids.emplace_back(id);
  }
  return MakeCalibrationBatchCreated(header, project, batch, ids);
}

StatusOr<EventDraft> AssignmentFromJson(const EventHeader& header,
                                        const json::object& body, bool create) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view project, r.String("project_id", true));
  ASSIGN_OR_RETURN(std::string_view record, r.String("record_id", true));
  ASSIGN_OR_RETURN(std::string_view annotator, r.String("annotator_id", true));
  std::string_view reason;
  if (!create) {
    ASSIGN_OR_RETURN(reason, r.String("reason", false));
  }
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", project));
  RETURN_IF_ERROR(CheckId("body.record_id", record));
  RETURN_IF_ERROR(CheckId("body.annotator_id", annotator));
  return create ? MakeAssignmentCreated(header, project, record, annotator)
                : MakeAssignmentRevoked(header, project, record, annotator,
                                        reason);
}

// The `values` object of an annotation or gold answer, canonical.
StatusOr<std::string> ValuesFromJson(ObjectReader& r) {
  ASSIGN_OR_RETURN(const json::object* values, r.Object("values", true));
  return WriteStoredJson(*values);
}

StatusOr<EventDraft> AnnotationSubmittedFromJson(const EventHeader& header,
                                                 const json::object& body) {
  ObjectReader r(body, "body");
  AnnotationSubmittedFields f;
  ASSIGN_OR_RETURN(f.annotation_id, r.String("annotation_id", true));
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(f.annotator_id, r.String("annotator_id", true));
  ASSIGN_OR_RETURN(f.schema_id, r.String("schema_id", true));
  ASSIGN_OR_RETURN(uint64_t version,
                   r.Uint("schema_version", true, 0, kMaxUint32));
  ASSIGN_OR_RETURN(std::string values, ValuesFromJson(r));
  ASSIGN_OR_RETURN(uint64_t revision, r.Uint("revision", false, 1, kMaxUint32));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.annotation_id", f.annotation_id));
  RETURN_IF_ERROR(CheckId("body.project_id", f.project_id));
  RETURN_IF_ERROR(CheckId("body.record_id", f.record_id));
  RETURN_IF_ERROR(CheckId("body.annotator_id", f.annotator_id));
  RETURN_IF_ERROR(CheckId("body.schema_id", f.schema_id));
  if (version == 0)
    return InvalidArgumentError("body.schema_version: must be at least 1");
  if (revision != 1)
    return InvalidArgumentError("body.revision: a submission is revision 1");
  f.schema_version = static_cast<uint32_t>(version);
  f.values = values;
  return MakeAnnotationSubmitted(header, f);
}

StatusOr<EventDraft> AnnotationRevisedFromJson(const EventHeader& header,
                                               const json::object& body) {
  ObjectReader r(body, "body");
  AnnotationRevisedFields f;
  ASSIGN_OR_RETURN(f.annotation_id, r.String("annotation_id", true));
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(uint64_t expected,
                   r.Uint("expected_revision", true, 0, kMaxUint32 - 1));
  ASSIGN_OR_RETURN(uint64_t next,
                   r.Uint("new_revision", false, expected + 1, kMaxUint32));
  ASSIGN_OR_RETURN(std::string values, ValuesFromJson(r));
  ASSIGN_OR_RETURN(f.reason, r.String("reason", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.annotation_id", f.annotation_id));
  RETURN_IF_ERROR(CheckId("body.project_id", f.project_id));
  RETURN_IF_ERROR(CheckId("body.record_id", f.record_id));
  if (expected == 0)
    return InvalidArgumentError("body.expected_revision: must be at least 1");
  if (next != expected + 1) {
    return InvalidArgumentError(
        "body.new_revision: must be expected_revision + 1");
  }
  f.expected_revision = static_cast<uint32_t>(expected);
  f.new_revision = static_cast<uint32_t>(next);
  f.values = values;
  return MakeAnnotationRevised(header, f);
}

StatusOr<EventDraft> AnnotationWithdrawnFromJson(const EventHeader& header,
                                                 const json::object& body) {
  ObjectReader r(body, "body");
  AnnotationWithdrawnFields f;
  ASSIGN_OR_RETURN(f.annotation_id, r.String("annotation_id", true));
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(uint64_t expected,
                   r.Uint("expected_revision", true, 0, kMaxUint32));
  ASSIGN_OR_RETURN(f.reason, r.String("reason", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.annotation_id", f.annotation_id));
  RETURN_IF_ERROR(CheckId("body.project_id", f.project_id));
  RETURN_IF_ERROR(CheckId("body.record_id", f.record_id));
  if (expected == 0)
    return InvalidArgumentError("body.expected_revision: must be at least 1");
  f.expected_revision = static_cast<uint32_t>(expected);
  return MakeAnnotationWithdrawn(header, f);
}

StatusOr<EventDraft> AccessRecordedFromJson(const EventHeader& header,
                                            const json::object& body) {
  ObjectReader r(body, "body");
  AccessRecordedFields f;
  ASSIGN_OR_RETURN(f.resource_kind, r.String("resource_kind", true));
  ASSIGN_OR_RETURN(f.resource_id, r.String("resource_id", true));
  ASSIGN_OR_RETURN(f.action, r.String("action", true));
  ASSIGN_OR_RETURN(f.purpose, r.String("purpose", false));
  ASSIGN_OR_RETURN(const json::value* allowed, r.Value("allowed", true));
  ASSIGN_OR_RETURN(f.reason, r.String("reason", false));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", false));
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", false));
  RETURN_IF_ERROR(r.Finish());
  if (!allowed->is_bool())
    return InvalidArgumentError("body.allowed: must be true or false");
  f.allowed = allowed->get_bool();
  RETURN_IF_ERROR(CheckId("body.resource_kind", f.resource_kind));
  RETURN_IF_ERROR(CheckId("body.resource_id", f.resource_id));
  RETURN_IF_ERROR(CheckId("body.action", f.action));
  return MakeAccessRecorded(header, f);
}

StatusOr<EventDraft> GoldAnswerFromJson(const EventHeader& header,
                                        const json::object& body) {
  ObjectReader r(body, "body");
  GoldAnswerRecordedFields f;
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(f.schema_id, r.String("schema_id", true));
  ASSIGN_OR_RETURN(uint64_t version,
                   r.Uint("schema_version", true, 0, kMaxUint32));
  ASSIGN_OR_RETURN(std::string values, ValuesFromJson(r));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", f.project_id));
  RETURN_IF_ERROR(CheckId("body.record_id", f.record_id));
  RETURN_IF_ERROR(CheckId("body.schema_id", f.schema_id));
  if (version == 0)
    return InvalidArgumentError("body.schema_version: must be at least 1");
  f.schema_version = static_cast<uint32_t>(version);
  f.values = values;
  return MakeGoldAnswerRecorded(header, f);
}

StatusOr<EventDraft> AdjudicationDecidedFromJson(const EventHeader& header,
                                                 const json::object& body) {
  ObjectReader r(body, "body");
  AdjudicationDecidedFields f;
  ASSIGN_OR_RETURN(f.project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(f.record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(f.field_path, r.String("field_path", true));
  ASSIGN_OR_RETURN(std::string_view outcome, r.String("outcome", true));
  ASSIGN_OR_RETURN(const json::value* value, r.Value("value", false));
  ASSIGN_OR_RETURN(f.rationale, r.String("rationale", false));
  ASSIGN_OR_RETURN(const json::array* cited,
                   r.Array("cited_annotation_ids", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", f.project_id));
  RETURN_IF_ERROR(CheckId("body.record_id", f.record_id));
  RETURN_IF_ERROR(CheckId("body.field_path", f.field_path));
  if (outcome == "decided") {
    f.outcome = fb::AdjudicationOutcome::Decided;
  } else if (outcome == "ambiguous") {
    f.outcome = fb::AdjudicationOutcome::Ambiguous;
  } else {
    return InvalidArgumentError(
        "body.outcome: must be \"decided\" or \"ambiguous\"");
  }
  const bool has_value = value != nullptr && !value->is_null();
  if (f.outcome == fb::AdjudicationOutcome::Decided && !has_value) {
    return InvalidArgumentError("body.value: required when outcome is decided");
  }
  if (f.outcome == fb::AdjudicationOutcome::Ambiguous && has_value) {
    return InvalidArgumentError(
        "body.value: must be absent when outcome is ambiguous");
  }
  std::string value_text = has_value ? WriteStoredJson(*value) : std::string();
  f.value = value_text;
  std::vector<std::string> ids;
  if (cited != nullptr) {
    for (size_t i = 0; i < cited->size(); ++i) {
      const json::value& id = (*cited)[i];
      const std::string path =
          "body.cited_annotation_ids[" + std::to_string(i) + "]";
      if (!id.is_string())
        return InvalidArgumentError(path + ": must be a string");
      ids.emplace_back(id.get_string().data(), id.get_string().size());
      RETURN_IF_ERROR(CheckId(path, ids.back()));
    }
  }
  f.cited_annotation_ids = ids;
  return MakeAdjudicationDecided(header, f);
}

// The JSON of a Plain payload: its data parsed as JSON, or as a string when
// it is plain text, or JSON whose numbers would not print back as stored
// (1e400 would print as "Infinity", which is not JSON). Appends refuse such
// numbers (CheckNumbers); a stored event that has one anyway (written by
// hand, or tampered with) still prints as JSON, its text kept whole (the
// stored_event fuzz target's find, 2026-12-08).
json::value PlainPayloadToJson(const fb::Payload* p) {
  std::string_view data = p->data()
                              ? AsChars({p->data()->data(), p->data()->size()})
                              : std::string_view();
  boost::system::error_code ec;
  json::value v = json::parse(data, ec, {}, ParseOptions());
  if (ec || !CheckNumbers(v).ok()) return json::string(data);
  return v;
}

// Puts payload `p` (if any) into `o`: a Plain payload under `key`, anything
// else under `key` + "_sealed" as {"subject_id", "key_id"} (and "encoding",
// the number, for an encoding this build does not know). Plain and sealed
// never share a key, so plain content, whatever it looks like, never reads
// as sealed; and `key` + "_sealed" is not an input key, so no JSON input
// makes sealed content (docs/event-json.md).
void PutPayload(json::object& o, std::string_view key, const fb::Payload* p) {
  if (p == nullptr) return;
  if (p->encoding() == fb::PayloadEncoding::Plain) {
    o[key] = PlainPayloadToJson(p);
    return;
  }
  json::object sealed;
  sealed["subject_id"] = View(p->subject_id());
  sealed["key_id"] = View(p->key_id());
  if (p->encoding() != fb::PayloadEncoding::Sealed) {
    sealed["encoding"] = static_cast<int>(p->encoding());
  }
  o[std::string(key) + "_sealed"] = std::move(sealed);
}

// The de-identification gate's spans and reports (docs/deid.md): offsets
// and types only.
json::array PhiHitsToJson(
    const flatbuffers::Vector<flatbuffers::Offset<fb::PhiHit>>* hits) {
  json::array a;
  if (hits == nullptr) return a;
  for (const fb::PhiHit* h : *hits) {
    a.emplace_back(json::object{
        {"type", View(h->type())}, {"start", h->begin()}, {"end", h->end()}});
  }
  return a;
}

json::object DeidReportToJson(const fb::DeidReport& r) {
  return {{"detector", View(r.detector())}, {"hits", PhiHitsToJson(r.hits())}};
}

// A vector of numbers or of strings as a JSON array; empty when absent.
template <typename T>
json::array ArrayToJson(const flatbuffers::Vector<T>* v) {
  json::array a;
  if (v == nullptr) return a;
  for (auto x : *v) {
    if constexpr (std::is_arithmetic_v<T>) {
      a.emplace_back(x);
    } else {
      a.emplace_back(View(x));
    }
  }
  return a;
}

// The adjudication engine's events (docs/adjudication.md, "Events").
void AdjudicationBodyToJson(const fb::Event& e, json::object& o) {
  o["project_id"] = ProjectIdOf(e);
  switch (e.body_type()) {
    case fb::EventBody::AdjudicationPolicySet: {
      const auto* b = e.body_as_AdjudicationPolicySet();
      o["version"] = b->version();
      boost::system::error_code ec;
      json::value doc =
          json::parse(View(b->document()), ec, {}, ParseOptions());
      o["document"] = ec ? json::value(json::string(View(b->document()))) : doc;
      o["schema_id"] = View(b->schema_id());
      o["schema_version"] = b->schema_version();
      break;
    }
    case fb::EventBody::AdjudicationClaimed: {
      const auto* b = e.body_as_AdjudicationClaimed();
      o["record_id"] = View(b->record_id());
      o["field_path"] = View(b->field_path());
      o["expires_us"] = b->expires_us();
      o["weighed_seqs"] = ArrayToJson(b->weighed_seqs());
      o["weighed_annotation_ids"] = ArrayToJson(b->weighed_annotation_ids());
      break;
    }
    case fb::EventBody::AdjudicationReleased:
      o["lease_seq"] = e.body_as_AdjudicationReleased()->lease_seq();
      break;
    case fb::EventBody::AdjudicationLeaseExpired: {
      const auto* b = e.body_as_AdjudicationLeaseExpired();
      o["lease_seq"] = b->lease_seq();
      o["deadline_us"] = b->deadline_us();
      break;
    }
    case fb::EventBody::AdjudicationEscalated: {
      const auto* b = e.body_as_AdjudicationEscalated();
      o["lease_seq"] = b->lease_seq();
      if (b->rationale()) o["rationale"] = View(b->rationale());
      break;
    }
    default:
      break;
  }
}

// AdjudicationPolicySet .. AdjudicationEscalated: the types between
// IndexesRepaired and TokenRevoked.
bool IsAdjudicationEngineType(std::string_view type) {
  for (auto t : fb::EnumValuesEventBody()) {
    if (static_cast<uint8_t>(t) >
            static_cast<uint8_t>(fb::EventBody::IndexesRepaired) &&
        static_cast<uint8_t>(t) <=
            static_cast<uint8_t>(fb::EventBody::AdjudicationEscalated) &&
        type == fb::EnumNameEventBody(t)) {
      return true;
    }
  }
  return false;
}

// IndexesRepaired and the adjudication engine's types after it, and
// SnapshotTagged, are written by their commands, never accepted as input;
// TokenRevoked is, like TokenIssued.
bool AcceptedAsInput(fb::EventBody t) {
  return (t != fb::EventBody::NONE &&
          static_cast<uint8_t>(t) <
              static_cast<uint8_t>(fb::EventBody::IndexesRepaired)) ||
         t == fb::EventBody::TokenRevoked;
}

// The engine's events (all but AdjudicationDecided, accepted as input) hold
// what only its commands check: leases against server time, a policy
// against its schema, an expiry recorded once.
Status RefusedAsInput(std::string_view type) {
  return InvalidArgumentError("type: " + std::string(type) +
                              " is written only by the adjudication "
                              "commands (`consilium policy`, `consilium "
                              "adjudicate`)");
}

// A decision's lease and weighed events, printed only when it has them (a
// decision without keeps the JSON it printed before the fields existed).
void PutDecisionLease(const fb::AdjudicationDecided& b, json::object& o) {
  if (b.lease_seq() != 0) o["lease_seq"] = b.lease_seq();
  if (b.weighed_seqs() != nullptr)
    o["weighed_seqs"] = ArrayToJson(b.weighed_seqs());
}

json::value BodyToJson(const fb::Event& e) {
  json::object o;
  switch (e.body_type()) {
    case fb::EventBody::ProjectCreated: {
      const auto* b = e.body_as_ProjectCreated();
      o["project_id"] = View(b->project_id());
      o["name"] = View(b->name());
      o["overlap_target"] = b->overlap_target();
      o["blind_mode"] = b->blind_mode();
      break;
    }
    case fb::EventBody::RecordImported: {
      const auto* b = e.body_as_RecordImported();
      o["record_id"] = View(b->record_id());
      o["project_id"] = View(b->project_id());
      PutPayload(o, "content", b->content());
      if (b->content_hash() != nullptr) {
        o["content_hash"] = ToHex({b->content_hash()->bytes()->Data(), 32});
      }
      boost::system::error_code ec;
      json::value meta =
          json::parse(View(b->metadata()), ec, {}, ParseOptions());
      o["metadata"] = ec ? json::value(json::object()) : meta;
      if (b->deid() != nullptr) o["deid"] = DeidReportToJson(*b->deid());
      break;
    }
    case fb::EventBody::PrincipalRegistered: {
      const auto* b = e.body_as_PrincipalRegistered();
      o["principal_id"] = View(b->principal_id());
      o["kind"] = PrincipalKindName(b->kind());
      if (b->display_name()) o["display_name"] = View(b->display_name());
      if (b->pseudonym()) o["pseudonym"] = View(b->pseudonym());
      if (b->model_name()) o["model_name"] = View(b->model_name());
      if (b->model_version()) o["model_version"] = View(b->model_version());
      break;
    }
    case fb::EventBody::RoleGranted:
    case fb::EventBody::RoleRevoked: {
      const bool grant = e.body_type() == fb::EventBody::RoleGranted;
      const flatbuffers::String* principal =
          grant ? e.body_as_RoleGranted()->principal_id()
                : e.body_as_RoleRevoked()->principal_id();
      fb::Role role = grant ? e.body_as_RoleGranted()->role()
                            : e.body_as_RoleRevoked()->role();
      const flatbuffers::String* project =
          grant ? e.body_as_RoleGranted()->project_id()
                : e.body_as_RoleRevoked()->project_id();
      o["principal_id"] = View(principal);
      o["role"] = RoleName(role);
      if (project && project->size() > 0) o["project_id"] = View(project);
      break;
    }
    case fb::EventBody::TokenIssued: {
      const auto* b = e.body_as_TokenIssued();
      o["principal_id"] = View(b->principal_id());
      if (b->token_sha256() != nullptr)
        o["token_sha256"] = ToHex({b->token_sha256()->bytes()->Data(), 32});
      o["expires_at_us"] = b->expires_at_us();
      break;
    }
    case fb::EventBody::TokenRevoked: {
      const auto* b = e.body_as_TokenRevoked();
      o["principal_id"] = View(b->principal_id());
      if (b->token_sha256() != nullptr)
        o["token_sha256"] = ToHex({b->token_sha256()->bytes()->Data(), 32});
      if (b->reason()) o["reason"] = View(b->reason());
      break;
    }
    case fb::EventBody::SchemaPublished: {
      const auto* b = e.body_as_SchemaPublished();
      o["schema_id"] = View(b->schema_id());
      o["version"] = b->version();
      o["parent_version"] = b->parent_version();
      o["changelog"] = View(b->changelog());
      boost::system::error_code ec;
      json::value def =
          json::parse(View(b->definition()), ec, {}, ParseOptions());
      o["definition"] =
          ec ? json::value(json::string(View(b->definition()))) : def;
      break;
    }
    case fb::EventBody::CalibrationBatchCreated: {
      const auto* b = e.body_as_CalibrationBatchCreated();
      o["project_id"] = View(b->project_id());
      o["batch_id"] = View(b->batch_id());
      json::array ids;
      if (b->record_ids()) {
        for (const auto* id : *b->record_ids()) ids.emplace_back(View(id));
      }
      o["record_ids"] = std::move(ids);
      break;
    }
    case fb::EventBody::AssignmentCreated: {
      const auto* b = e.body_as_AssignmentCreated();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["annotator_id"] = View(b->annotator_id());
      break;
    }
    case fb::EventBody::AssignmentRevoked: {
      const auto* b = e.body_as_AssignmentRevoked();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["annotator_id"] = View(b->annotator_id());
      if (b->reason()) o["reason"] = View(b->reason());
      break;
    }
    case fb::EventBody::AnnotationSubmitted: {
      const auto* b = e.body_as_AnnotationSubmitted();
      o["annotation_id"] = View(b->annotation_id());
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["annotator_id"] = View(b->annotator_id());
      o["schema_id"] = View(b->schema_id());
      o["schema_version"] = b->schema_version();
      PutPayload(o, "values", b->values());
      PutPayload(o, "free_text", b->sealed_text());
      o["revision"] = b->revision();
      break;
    }
    case fb::EventBody::AnnotationRevised: {
      const auto* b = e.body_as_AnnotationRevised();
      o["annotation_id"] = View(b->annotation_id());
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["expected_revision"] = b->expected_revision();
      o["new_revision"] = b->new_revision();
      PutPayload(o, "values", b->values());
      PutPayload(o, "free_text", b->sealed_text());
      if (b->reason()) o["reason"] = View(b->reason());
      break;
    }
    case fb::EventBody::AnnotationWithdrawn: {
      const auto* b = e.body_as_AnnotationWithdrawn();
      o["annotation_id"] = View(b->annotation_id());
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["expected_revision"] = b->expected_revision();
      if (b->reason()) o["reason"] = View(b->reason());
      break;
    }
    case fb::EventBody::AccessRecorded: {
      const auto* b = e.body_as_AccessRecorded();
      o["resource_kind"] = View(b->resource_kind());
      o["resource_id"] = View(b->resource_id());
      o["action"] = View(b->action());
      if (b->purpose()) o["purpose"] = View(b->purpose());
      o["allowed"] = b->allowed();
      if (b->reason()) o["reason"] = View(b->reason());
      if (b->record_id()) o["record_id"] = View(b->record_id());
      if (b->project_id()) o["project_id"] = View(b->project_id());
      break;
    }
    case fb::EventBody::GoldAnswerRecorded: {
      const auto* b = e.body_as_GoldAnswerRecorded();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["schema_id"] = View(b->schema_id());
      o["schema_version"] = b->schema_version();
      PutPayload(o, "values", b->values());
      PutPayload(o, "free_text", b->sealed_text());
      break;
    }
    case fb::EventBody::AdjudicationDecided: {
      const auto* b = e.body_as_AdjudicationDecided();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["field_path"] = View(b->field_path());
      o["outcome"] = AdjudicationOutcomeName(b->outcome());
      PutPayload(o, "value", b->value());
      if (b->rationale()) o["rationale"] = View(b->rationale());
      json::array ids;
      if (b->cited_annotation_ids()) {
        for (const auto* id : *b->cited_annotation_ids())
          ids.emplace_back(View(id));
      }
      o["cited_annotation_ids"] = std::move(ids);
      PutDecisionLease(*b, o);
      break;
    }
    case fb::EventBody::AdjudicationPolicySet:
    case fb::EventBody::AdjudicationClaimed:
    case fb::EventBody::AdjudicationReleased:
    case fb::EventBody::AdjudicationLeaseExpired:
    case fb::EventBody::AdjudicationEscalated:
      AdjudicationBodyToJson(e, o);
      break;
    case fb::EventBody::SnapshotTagged: {
      const auto* b = e.body_as_SnapshotTagged();
      o["name"] = View(b->name());
      o["project_id"] = View(b->project_id());
      o["as_of_seq"] = b->as_of_seq();
      if (b->note()) o["note"] = View(b->note());
      break;
    }
    case fb::EventBody::KeyShredded: {
      const auto* b = e.body_as_KeyShredded();
      o["subject_id"] = View(b->subject_id());
      o["key_id"] = View(b->key_id());
      o["reason"] = View(b->reason());
      o["record_ids"] = ArrayToJson(b->record_ids());
      break;
    }
    case fb::EventBody::RecordQuarantined: {
      const auto* b = e.body_as_RecordQuarantined();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["report"] = DeidReportToJson(*b->report());
      break;
    }
    case fb::EventBody::DeidentificationReviewed: {
      const auto* b = e.body_as_DeidentificationReviewed();
      o["project_id"] = View(b->project_id());
      o["record_id"] = View(b->record_id());
      o["outcome"] = DeidOutcomeName(b->outcome());
      o["reason"] = View(b->reason());
      o["redactions"] = PhiHitsToJson(b->redactions());
      if (b->content() != nullptr) PutPayload(o, "content", b->content());
      if (b->content_hash() != nullptr) {
        o["content_hash"] = ToHex({b->content_hash()->bytes()->Data(), 32});
      }
      break;
    }
    case fb::EventBody::IndexesRepaired: {
      const auto* b = e.body_as_IndexesRepaired();
      json::array indexes;
      if (b->indexes()) {
        for (const auto* r : *b->indexes()) {
          json::object i;
          i["index"] = View(r->index());
          i["entries_added"] = r->entries_added();
          i["entries_removed"] = r->entries_removed();
          indexes.emplace_back(std::move(i));
        }
      }
      o["indexes"] = std::move(indexes);
      o["through_seq"] = b->through_seq();
      break;
    }
    default:
      break;
  }
  return o;
}

// Why a type is not read from JSON: written only by its own command (a
// record of what the ledger or an engine did, which a raw append could
// claim falsely), or unknown (the message lists the types accepted).
Status RefusedOrUnknown(std::string_view type) {
  if (type == "IndexesRepaired") {
    return InvalidArgumentError(
        "type: IndexesRepaired is written only by `consilium "
        "repair-indexes`");
  }
  if (IsAdjudicationEngineType(type)) return RefusedAsInput(type);
  if (type == "SnapshotTagged") {
    // The command checks the name is new and the prefix exists.
    return InvalidArgumentError(
        "type: SnapshotTagged is written only by `consilium snapshot tag`");
  }
  if (type == "RecordQuarantined" || type == "DeidentificationReviewed") {
    // The gate's detectors and its reviewers' commands are what they record.
    return InvalidArgumentError(
        "type: " + std::string(type) +
        " is written only by the de-identification gate (`consilium import "
        "records`, `consilium deid release|redact`)");
  }
  if (type == "KeyShredded") {
    // Only the command destroys the key; the event alone would claim it.
    return InvalidArgumentError(
        "type: KeyShredded is written only by `consilium shred`");
  }
  std::string known;
  for (auto t : fb::EnumValuesEventBody()) {
    if (!AcceptedAsInput(t)) continue;
    known += known.empty() ? "" : ", ";
    known += fb::EnumNameEventBody(t);
  }
  return InvalidArgumentError("type: unknown event type \"" +
                              std::string(type) + "\" (known: " + known + ")");
}

}  // namespace

StatusOr<EventDraft> DraftFromJson(std::string_view text) {
  if (text.size() > kMaxEventBytes) {
    return InvalidArgumentError("event JSON is " + std::to_string(text.size()) +
                                " bytes; the limit is " +
                                std::to_string(kMaxEventBytes));
  }
  ASSIGN_OR_RETURN(json::value v, ParseJson(text, "event"));
  if (!v.is_object())
    return InvalidArgumentError("event must be a JSON object");
  ObjectReader r(v.get_object(), "");
  ASSIGN_OR_RETURN(std::string_view type, r.String("type", true));
  ASSIGN_OR_RETURN(std::string_view actor, r.String("actor", true));
  ASSIGN_OR_RETURN(std::string_view request_id, r.String("request_id", false));
  ASSIGN_OR_RETURN(const json::object* body, r.Object("body", true));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("actor", actor));
  if (!request_id.empty()) RETURN_IF_ERROR(CheckId("request_id", request_id));
  EventHeader header{std::string(actor), std::string(request_id)};

  StatusOr<EventDraft> draft = InvalidArgumentError("unreachable");
  if (type == "ProjectCreated") {
    draft = ProjectCreatedFromJson(header, *body);
  } else if (type == "RecordImported") {
    draft = RecordImportedFromJson(header, *body);
  } else if (type == "PrincipalRegistered") {
    draft = PrincipalRegisteredFromJson(header, *body);
  } else if (type == "RoleGranted") {
    draft = RoleFromJson(header, *body, /*grant=*/true);
  } else if (type == "RoleRevoked") {
    draft = RoleFromJson(header, *body, /*grant=*/false);
  } else if (type == "TokenIssued") {
    draft = TokenIssuedFromJson(header, *body);
  } else if (type == "TokenRevoked") {
    draft = TokenRevokedFromJson(header, *body);
  } else if (type == "SchemaPublished") {
    draft = SchemaPublishedFromJson(header, *body);
  } else if (type == "CalibrationBatchCreated") {
    draft = CalibrationBatchFromJson(header, *body);
  } else if (type == "AssignmentCreated") {
    draft = AssignmentFromJson(header, *body, /*create=*/true);
  } else if (type == "AssignmentRevoked") {
    draft = AssignmentFromJson(header, *body, /*create=*/false);
  } else if (type == "AnnotationSubmitted") {
    draft = AnnotationSubmittedFromJson(header, *body);
  } else if (type == "AnnotationRevised") {
    draft = AnnotationRevisedFromJson(header, *body);
  } else if (type == "AnnotationWithdrawn") {
    draft = AnnotationWithdrawnFromJson(header, *body);
  } else if (type == "AccessRecorded") {
    draft = AccessRecordedFromJson(header, *body);
  } else if (type == "GoldAnswerRecorded") {
    draft = GoldAnswerFromJson(header, *body);
  } else if (type == "AdjudicationDecided") {
    draft = AdjudicationDecidedFromJson(header, *body);
  } else {
    return RefusedOrUnknown(type);
  }
  if (!draft.ok()) return draft.status();
  RETURN_IF_ERROR(draft->Validate());
  return draft;
}

std::string EventToJson(uint64_t seq, const Hash256& hash,
                        std::string_view bytes) {
  const fb::Event* e = EventView(bytes);
  json::object o;
  o["seq"] = seq;
  o["hash"] = ToHex(hash);
  o["prev"] = ToHex(PrevHashOf(*e));
  o["time"] = FormatTimestamp(TimestampOf(*e));
  o["time_us"] = TimestampOf(*e);
  o["actor"] = View(e->actor());
  if (e->request_id() != nullptr && e->request_id()->size() > 0) {
    o["request_id"] = View(e->request_id());
  }
  o["type"] = EventTypeName(e->body_type());
  o["body"] = BodyToJson(*e);
  return WriteStoredJson(o);
}

StatusOr<std::string> CanonicalizeJson(std::string_view text) {
  ASSIGN_OR_RETURN(json::value v, ParseJson(text, "document"));
  return WriteStoredJson(v);
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

}  // namespace consilium
