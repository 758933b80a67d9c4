#include "adjudication/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "common/canonical_json.h"
#include "common/strict_json.h"

namespace consilium::adjudication {

namespace json = boost::json;

// Spellings indexed by the enums' values (declared in the same order).
constexpr std::string_view kTriggerNames[] = {
    "disagreement", "entropy_at_least", "mean_confidence_at_most",
    "calibration_batch", "prelabel_contradicted"};
constexpr std::string_view kPriorityRuleNames[] = {"disagreement", "age",
                                                   "explicit"};

std::string_view TriggerName(Trigger trigger) {
  return kTriggerNames[static_cast<size_t>(trigger)];
}

std::string_view PriorityRuleName(PriorityRule rule) {
  return kPriorityRuleNames[static_cast<size_t>(rule)];
}

uint32_t DefaultMinAnnotations(uint32_t overlap_target) {
  return std::max<uint32_t>(overlap_target, 2);
}

ProjectPolicy ProjectPolicy::Default(std::string project,
                                     uint32_t overlap_target) {
  ProjectPolicy p;
  p.project = std::move(project);
  p.overlap_target = overlap_target;
  return p;
}

FieldPolicy ProjectPolicy::For(std::string_view field,
                               schemas::Layer layer) const {
  auto it = fields.find(field);
  if (it != fields.end()) return it->second;
  FieldPolicy f;
  f.field = std::string(field);
  f.layer = layer;
  f.min_annotations = DefaultMinAnnotations(overlap_target);
  f.disagreement = layer == schemas::Layer::kInterpretive;
  return f;
}

bool ProjectPolicy::IsSenior(std::string_view principal) const {
  return std::binary_search(senior_adjudicators.begin(),
                            senior_adjudicators.end(), principal);
}

namespace {

// ---- Reading the document --------------------------------------------------

Status Error(const std::string& path, const std::string& what) {
  return InvalidArgumentError("adjudication policy: " + path + ": " + what);
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// The value as the document would spell it, for "got ..." in messages.
std::string Spelled(const json::value& v) {
  StatusOr<std::string> s = WriteJson(v, JsonStyle::kCompact);
  return s.ok() ? *s : "a number with no JSON spelling";
}

std::string_view Key(const json::key_value_pair& kv) {
  return {kv.key().data(), kv.key().size()};
}

Status CheckKeys(const json::object& obj, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : obj) {
    if (std::find(allowed.begin(), allowed.end(), Key(kv)) == allowed.end()) {
      return Error(Join(path, Key(kv)), "unknown key");
    }
  }
  return OkStatus();
}

StatusOr<const json::object*> AsObject(const json::value& v,
                                       const std::string& path) {
  if (!v.is_object()) return Error(path, "must be an object");
  return &v.get_object();
}

StatusOr<int64_t> AsInteger(const json::value& v, const std::string& path,
                            int64_t lo, int64_t hi) {
  std::optional<int64_t> n;
  if (v.is_int64()) n = v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(hi)) {
    n = static_cast<int64_t>(v.get_uint64());
  }
  if (!n || *n < lo || *n > hi) {
    return Error(path, "must be an integer from " + std::to_string(lo) +
                           " to " + std::to_string(hi) + ", got " + Spelled(v));
  }
  return *n;
}

StatusOr<double> AsFraction(const json::value& v, const std::string& path) {
  if (!v.is_number() || v.to_number<double>() < 0 ||
      v.to_number<double>() > 1) {
    return Error(path, "must be a number from 0 to 1, got " + Spelled(v));
  }
  return v.to_number<double>();
}

StatusOr<bool> AsBool(const json::value& v, const std::string& path) {
  if (!v.is_bool()) return Error(path, "must be true or false");
  return v.get_bool();
}

Status ReadTriggers(const json::object& obj, const std::string& path,
                    FieldPolicy& f) {
  RETURN_IF_ERROR(
      CheckKeys(obj, path,
                {"disagreement", "entropy_at_least", "mean_confidence_at_most",
                 "calibration_batch", "prelabel_contradicted"}));
  // A field named in the document states its triggers: nothing inherited.
  f.disagreement = false;
  for (const auto& kv : obj) {
    const std::string at = Join(path, Key(kv));
    if (Key(kv) == "disagreement") {
      ASSIGN_OR_RETURN(f.disagreement, AsBool(kv.value(), at));
    } else if (Key(kv) == "entropy_at_least") {
      ASSIGN_OR_RETURN(f.entropy_at_least, AsFraction(kv.value(), at));
    } else if (Key(kv) == "mean_confidence_at_most") {
      ASSIGN_OR_RETURN(f.mean_confidence_at_most, AsFraction(kv.value(), at));
    } else if (Key(kv) == "calibration_batch") {
      ASSIGN_OR_RETURN(f.calibration_batch, AsBool(kv.value(), at));
    } else {
      ASSIGN_OR_RETURN(f.prelabel_contradicted, AsBool(kv.value(), at));
    }
  }
  const bool any = f.disagreement || f.entropy_at_least ||
                   f.mean_confidence_at_most || f.calibration_batch ||
                   f.prelabel_contradicted;
  if (!any) return Error(path, "names no trigger: nothing would enter");
  return OkStatus();
}

Status ReadPriority(const json::object& obj, const std::string& path,
                    FieldPolicy& f) {
  RETURN_IF_ERROR(CheckKeys(obj, path, {"by", "value"}));
  const json::value* by = obj.if_contains("by");
  const std::string_view name =
      by != nullptr && by->is_string()
          ? std::string_view(by->get_string().data(), by->get_string().size())
          : std::string_view();
  const auto* rule = std::find(std::begin(kPriorityRuleNames),
                               std::end(kPriorityRuleNames), name);
  if (rule == std::end(kPriorityRuleNames)) {
    return Error(Join(path, "by"),
                 "must be \"disagreement\", \"age\" or \"explicit\"" +
                     (by == nullptr ? "" : ", got " + Spelled(*by)));
  }
  f.priority = static_cast<PriorityRule>(rule - std::begin(kPriorityRuleNames));
  const json::value* value = obj.if_contains("value");
  if ((value != nullptr) != (f.priority == PriorityRule::kExplicit)) {
    return Error(Join(path, "value"),
                 "is given exactly when \"by\" is "
                 "\"explicit\"");
  }
  if (value != nullptr) {
    ASSIGN_OR_RETURN(
        f.explicit_priority,
        AsInteger(*value, Join(path, "value"), -1'000'000'000, 1'000'000'000));
  }
  return OkStatus();
}

// The schema facts a field policy is checked against.
Status CheckField(const schemas::Field* field, const std::string& path,
                  const std::string& name, const schemas::TaskSchema& schema) {
  if (field == nullptr) {
    return Error(path,
                 "schema " + schema.Ref() + " has no field \"" + name + "\"");
  }
  if (name.find("[]") != std::string::npos) {
    return Error(path,
                 "a field inside a list has no single value per "
                 "annotation; name the list itself");
  }
  if (field->type == schemas::FieldType::kConfidence) {
    return Error(path, "field \"" + name +
                           "\" is a confidence: it is read as each "
                           "annotator's stated confidence "
                           "(mean_confidence_at_most), not adjudicated");
  }
  if (field->metric == schemas::Metric::kNone) {
    return Error(path, "field \"" + name + "\" is " +
                           std::string(schemas::FieldTypeName(field->type)) +
                           ": it has no value to compare, so nothing to "
                           "adjudicate");
  }
  return OkStatus();
}

Status ReadField(const json::value& v, const std::string& path,
                 const std::string& name, const schemas::TaskSchema& schema,
                 FieldPolicy& f) {
  const schemas::Field* field = schema.FindField(name);
  RETURN_IF_ERROR(CheckField(field, path, name, schema));
  f.layer = field->layer;
  f.disagreement = f.layer == schemas::Layer::kInterpretive;
  ASSIGN_OR_RETURN(const json::object* obj, AsObject(v, path));
  RETURN_IF_ERROR(CheckKeys(
      *obj, path, {"triggers", "min_annotations", "priority", "adjudicators"}));
  for (const auto& kv : *obj) {
    const std::string at = Join(path, Key(kv));
    if (Key(kv) == "triggers") {
      ASSIGN_OR_RETURN(const json::object* t, AsObject(kv.value(), at));
      RETURN_IF_ERROR(ReadTriggers(*t, at, f));
    } else if (Key(kv) == "min_annotations") {
      ASSIGN_OR_RETURN(int64_t n, AsInteger(kv.value(), at, 1, 1000));
      f.min_annotations = static_cast<uint32_t>(n);
    } else if (Key(kv) == "priority") {
      ASSIGN_OR_RETURN(const json::object* p, AsObject(kv.value(), at));
      RETURN_IF_ERROR(ReadPriority(*p, at, f));
    } else {
      ASSIGN_OR_RETURN(int64_t n, AsInteger(kv.value(), at, 1, 5));
      f.adjudicators = static_cast<uint32_t>(n);
    }
  }
  if (f.prelabel_contradicted && f.layer != schemas::Layer::kDescriptive) {
    return Error(Join(path, "triggers.prelabel_contradicted"),
                 "field \"" + name +
                     "\" is interpretive; models pre-label descriptive "
                     "fields only");
  }
  return OkStatus();
}

Status ReadSeniors(const json::value& v, const std::string& path,
                   std::vector<std::string>& out) {
  if (!v.is_array()) return Error(path, "must be an array of principal ids");
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    const json::value& e = v.get_array()[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!e.is_string() || e.get_string().empty()) {
      return Error(at, "must be a non-empty principal id");
    }
    out.emplace_back(e.get_string().data(), e.get_string().size());
  }
  std::sort(out.begin(), out.end());
  auto dup = std::adjacent_find(out.begin(), out.end());
  if (dup != out.end()) return Error(path, "names \"" + *dup + "\" twice");
  return OkStatus();
}

Status ReadTop(const json::object& doc, const schemas::TaskSchema& schema,
               ProjectPolicy& p) {
  for (const auto& kv : doc) {
    const std::string at(Key(kv));
    if (at == "project") {
      if (!kv.value().is_string() || kv.value().get_string().empty()) {
        return Error(at, "must be a non-empty project id");
      }
      p.project = std::string(kv.value().get_string());
    } else if (at == "version") {
      ASSIGN_OR_RETURN(p.version, AsInteger(kv.value(), at, 1, 1'000'000));
    } else if (at == "lease_seconds") {
      ASSIGN_OR_RETURN(int64_t s, AsInteger(kv.value(), at, 10, 86'400));
      p.lease_micros = s * 1'000'000;
    } else if (at == "senior_adjudicators") {
      RETURN_IF_ERROR(ReadSeniors(kv.value(), at, p.senior_adjudicators));
    } else {
      ASSIGN_OR_RETURN(const json::object* fields, AsObject(kv.value(), at));
      for (const auto& fkv : *fields) {
        const std::string name(Key(fkv));
        FieldPolicy f = p.For(name, schemas::Layer::kInterpretive);
        RETURN_IF_ERROR(
            ReadField(fkv.value(), Join(at, name), name, schema, f));
        p.fields[name] = std::move(f);
      }
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<ProjectPolicy> ParsePolicy(std::string_view text,
                                    const schemas::TaskSchema& schema,
                                    uint32_t overlap_target) {
  json::value v;
  StrictJsonError why;
  if (Status s = ParseStrictJson(text, {.max_depth = 16}, v, &why); !s.ok()) {
    return s.WithContext("adjudication policy");
  }
  if (!v.is_object()) return Error("$", "must be a JSON object");
  const json::object& doc = v.get_object();
  RETURN_IF_ERROR(CheckKeys(doc, "",
                            {"project", "version", "lease_seconds",
                             "senior_adjudicators", "fields"}));
  for (std::string_view required : {"project", "version", "fields"}) {
    if (!doc.contains(required)) {
      return Error(std::string(required), "is required");
    }
  }
  ProjectPolicy p = ProjectPolicy::Default("", overlap_target);
  RETURN_IF_ERROR(ReadTop(doc, schema, p));
  return p;
}

// ---- Evaluation -------------------------------------------------------------

namespace {

// Means and entropies are sums of doubles: (0.8 + 0.4) / 2 is
// 0.6000000000000001. A threshold the policy states as 0.6 means 0.6 as a
// person reads it, so comparisons allow this much rounding.
constexpr double kSlack = 1e-9;

struct Tally {
  size_t distinct = 0;
  size_t modal = 0;  // count of the most common value
};

Tally CountValues(const std::vector<AnnotationView>& annotations) {
  std::map<std::string_view, size_t> counts;
  for (const AnnotationView& a : annotations) ++counts[a.value_key];
  Tally t{counts.size(), 0};
  for (const auto& [key, n] : counts) t.modal = std::max(t.modal, n);
  return t;
}

std::string Fixed(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", d);
  return buf;
}

void Fire(Evaluation& e, Trigger t, const std::string& why) {
  e.triggers.push_back(t);
  if (!e.reason.empty()) e.reason += "; ";
  e.reason += std::string(TriggerName(t)) + ": " + why;
}

void AskConfidence(const FieldPolicy& policy, const FieldView& view,
                   Evaluation& e) {
  double sum = 0;
  size_t n = 0;
  for (const AnnotationView& a : view.annotations) {
    if (!a.confidence) continue;
    sum += *a.confidence;
    ++n;
  }
  // No stated confidence: nothing to compare; the trigger stays silent.
  if (n == 0) return;
  const double mean = sum / static_cast<double>(n);
  if (mean <= *policy.mean_confidence_at_most + kSlack) {
    Fire(e, Trigger::kLowConfidence,
         "mean stated confidence " + Fixed(mean) +
             " <= " + Fixed(*policy.mean_confidence_at_most));
  }
}

int64_t PriorityOf(const FieldPolicy& policy, const Tally& tally,
                   size_t annotations) {
  switch (policy.priority) {
    case PriorityRule::kDisagreement:
      // 1 - modal share in millionths: integer, so equal inputs order
      // identically on every machine.
      return annotations == 0
                 ? 0
                 : static_cast<int64_t>((annotations - tally.modal) *
                                        1'000'000 / annotations);
    case PriorityRule::kAge:
      return 0;
    case PriorityRule::kExplicit:
      return policy.explicit_priority;
  }
  return 0;
}

}  // namespace

Evaluation Evaluate(const FieldPolicy& policy, const FieldView& view) {
  Evaluation e;
  const size_t n = view.annotations.size();
  if (n < policy.min_annotations) {
    e.reason = std::to_string(n) + " of " +
               std::to_string(policy.min_annotations) + " required annotations";
    return e;
  }
  const Tally tally = CountValues(view.annotations);
  if (policy.disagreement && tally.distinct >= 2) {
    Fire(e, Trigger::kDisagreement,
         std::to_string(tally.distinct) + " values among " + std::to_string(n) +
             " annotations");
  }
  if (policy.entropy_at_least && view.normalized_entropy &&
      *view.normalized_entropy >= *policy.entropy_at_least - kSlack) {
    Fire(e, Trigger::kEntropy,
         "normalized entropy " + Fixed(*view.normalized_entropy) +
             " >= " + Fixed(*policy.entropy_at_least));
  }
  if (policy.mean_confidence_at_most) AskConfidence(policy, view, e);
  if (policy.calibration_batch && view.in_calibration_batch) {
    Fire(e, Trigger::kCalibrationBatch, "the record is in a calibration batch");
  }
  if (policy.prelabel_contradicted && view.prelabel) {
    size_t against = 0;
    for (const AnnotationView& a : view.annotations) {
      against += a.value_key != *view.prelabel;
    }
    if (against > 0) {
      Fire(e, Trigger::kPreLabelContradicted,
           std::to_string(against) + " of " + std::to_string(n) +
               " physicians contradict the pre-label \"" + *view.prelabel +
               "\"");
    }
  }
  e.disputed = !e.triggers.empty();
  if (!e.disputed) e.reason = "no trigger fired";
  e.priority = PriorityOf(policy, tally, n);
  return e;
}

}  // namespace consilium::adjudication
