// Adjudication policies: when an item (one record's field) needs an
// adjudicator, how urgent it is, and who may take it (DESIGN.md,
// "Adjudication"; issue 15). A policy is a JSON document per project,
// versioned by events (docs/adjudication.md gives the format, one example per
// trigger, and the event that will carry it).
//
// Evaluate() is pure: it reads a FieldView (the field's current annotations,
// as the projections hold them) and never the ledger, so the queue model, the
// write-side checks and the tests ask the same question the same way.
//
// Thread-safety: ProjectPolicy and FieldPolicy are immutable values; share
// them freely. ParsePolicy and Evaluate are reentrant.
//
//   StatusOr<ProjectPolicy> p = ParsePolicy(json, schema, /*overlap=*/3);
//   if (!p.ok()) return p.status();  // InvalidArgument naming the path:
//   // adjudication policy: fields.primary_dx.triggers.entropy_at_least:
//   // must be a number from 0 to 1, got 1.5
//   Evaluation e = Evaluate(p->For("primary_dx", Layer::kInterpretive), view);
//   if (e.disputed) ...  // e.triggers, e.reason, e.priority
#ifndef CONSILIUM_ADJUDICATION_POLICY_H_
#define CONSILIUM_ADJUDICATION_POLICY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schemas/task_schema.h"

namespace consilium::adjudication {

// Why an item entered adjudication. The JSON spelling is TriggerName's.
enum class Trigger {
  kDisagreement,          // "disagreement": two or more distinct values
  kEntropy,               // "entropy_at_least": normalized entropy >= t
  kLowConfidence,         // "mean_confidence_at_most": mean confidence <= t
  kCalibrationBatch,      // "calibration_batch": the record is in one
  kPreLabelContradicted,  // "prelabel_contradicted": a physician's value
                          // differs from a model's pre-label (descriptive)
};
std::string_view TriggerName(Trigger trigger);

// How the queue orders disputed items (higher first; ties: older first).
enum class PriorityRule {
  kDisagreement,  // "disagreement": 1 - share of the most common value
  kAge,           // "age": first in, first out
  kExplicit,      // "explicit": a fixed number from the policy
};
std::string_view PriorityRuleName(PriorityRule rule);

// The resolved policy of one field: every default applied.
struct FieldPolicy {
  std::string field;  // schema path ("primary_dx", "assessment.severity")
  schemas::Layer layer = schemas::Layer::kInterpretive;
  // Gate: fewer current annotations than this and no trigger is asked.
  uint32_t min_annotations = 2;
  bool disagreement = false;
  std::optional<double> entropy_at_least;
  std::optional<double> mean_confidence_at_most;
  bool calibration_batch = false;
  bool prelabel_contradicted = false;
  PriorityRule priority = PriorityRule::kDisagreement;
  int64_t explicit_priority = 0;  // kExplicit only
  // Decisions from distinct adjudicators the item needs (1 to 5).
  uint32_t adjudicators = 1;

  friend bool operator==(const FieldPolicy&, const FieldPolicy&) = default;
};

// Lease length when a policy does not say ("lease_seconds").
inline constexpr int64_t kDefaultLeaseMicros = 300'000'000;

// The policy of one project: a version of the document, resolved.
struct ProjectPolicy {
  std::string project;
  int64_t version = 0;  // 0: the built-in default (no document yet)
  uint32_t overlap_target = 0;
  int64_t lease_micros = kDefaultLeaseMicros;
  // Principals who may take escalated items (sorted, unique). Empty: the
  // project has no senior tier and escalation is refused.
  std::vector<std::string> senior_adjudicators;
  // The fields the document names; every other field gets DefaultFor.
  std::map<std::string, FieldPolicy, std::less<>> fields;

  // The built-in policy: any disagreement on an interpretive field once the
  // overlap target is reached (two annotations when the project has none).
  static ProjectPolicy Default(std::string project, uint32_t overlap_target);

  // The policy of `field`, whose schema layer is `layer`.
  FieldPolicy For(std::string_view field, schemas::Layer layer) const;
  bool IsSenior(std::string_view principal) const;

  friend bool operator==(const ProjectPolicy&, const ProjectPolicy&) = default;
};

// The default minimum of current annotations: the overlap target, or 2 when
// the project has none (one annotation cannot disagree with anything).
uint32_t DefaultMinAnnotations(uint32_t overlap_target);

// Parses and validates a policy document for a project whose current task
// schema is `schema` and whose overlap target is `overlap_target`. Unknown
// keys, wrong types, out-of-range numbers, fields the schema does not have,
// fields with no comparable value (free text, groups, list items) and
// triggers that do not fit the field's layer are InvalidArgument naming the
// path ("adjudication policy: fields.x.triggers.y: ..."). Never throws.
StatusOr<ProjectPolicy> ParsePolicy(std::string_view json,
                                    const schemas::TaskSchema& schema,
                                    uint32_t overlap_target);

// One current annotation of the field: the latest revision, not withdrawn.
struct AnnotationView {
  std::string annotator;
  std::string value_key;  // the projections' ValueKey of the field's value
  std::optional<double> confidence;  // stated confidence in [0, 1], if any
  uint64_t seq = 0;  // the event that made this revision current

  friend bool operator==(const AnnotationView&,
                         const AnnotationView&) = default;
};

// What Evaluate reads about one item.
struct FieldView {
  std::vector<AnnotationView> annotations;  // physicians only
  // The projections' normalized entropy of these values (ValueCounts::
  // normalized_entropy; K = closed category count). Not recomputed here: one
  // number, one definition. Absent: undefined (no values).
  std::optional<double> normalized_entropy;
  bool in_calibration_batch = false;
  std::optional<std::string> prelabel;  // a model's value key, if any

  friend bool operator==(const FieldView&, const FieldView&) = default;
};

struct Evaluation {
  bool disputed = false;
  std::vector<Trigger> triggers;  // those that fired, in enum order
  // "disagreement: 2 values among 3 annotations" or why not disputed
  // ("2 of 3 required annotations").
  std::string reason;
  int64_t priority = 0;  // higher is more urgent

  friend bool operator==(const Evaluation&, const Evaluation&) = default;
};

// Whether the item is disputed under `policy`, why, and its priority.
Evaluation Evaluate(const FieldPolicy& policy, const FieldView& view);

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_POLICY_H_
