// The demo project's plan (`consilium demo`, docs/demo.md): everything the
// demo plants, derived from a seed alone and before any ledger is touched:
// the case vignettes and their true diagnoses, the six physicians' skills
// (their planted confusion matrices over the primary diagnosis) and
// confidence styles, the calibration batches, who annotates what and what
// each one answers. tools/cmd_demo.cc writes it through the command sets.
//
// Determinism: only integer arithmetic and IEEE additions and divisions
// (no <random> distributions, no libm), so a seed gives the same plan on
// every machine.
//
// Thread-safety: plain values; MakePlan is pure.
//
//   demo::Plan plan = demo::MakePlan(7);
//   for (const demo::Case& c : plan.cases) ... c.text, c.truth
#ifndef CONSILIUM_TOOLS_DEMO_PLAN_H_
#define CONSILIUM_TOOLS_DEMO_PLAN_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace consilium::cli::demo {

// The primary decision's classes: the categories of dx-reasoning.
inline constexpr int kClasses = 7;
inline constexpr std::array<std::string_view, kClasses> kDiagnosisCodes = {
    "J18.9", "I50.9", "J81.0", "J44.1", "I26.99", "J80", "A41.9"};
using Matrix = std::array<std::array<double, kClasses>, kClasses>;

// A small deterministic generator (SplitMix64).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform();                           // [0, 1)
  uint64_t Below(uint64_t n);                 // [0, n), n > 0
  double Around(double mean, double spread);  // mean ± spread, bell-shaped
  // An index drawn from `weights` (non-negative, not all zero).
  int Pick(const std::array<double, kClasses>& weights);

 private:
  uint64_t state_;
};

struct TextSpan {
  int start = 0;  // code points (the text is ASCII)
  int end = 0;
  std::string finding;  // how an annotator names it
};

struct ImageRef {
  std::string name;
  int width = 0, height = 0, frames = 1;
};

// The box around the main imaging finding, on `image` (frame for a CT).
struct Lesion {
  std::string image;
  int frame = -1;  // -1: single-frame image, no frame given
  int x = 0, y = 0, w = 0, h = 0;
  std::string finding;  // imaging_findings category
};

struct Case {
  std::string id;  // "case-0001"
  int truth = 0;   // index into kDiagnosisCodes
  std::string specialty, site;
  int age = 0;
  char sex = 'F';
  std::string text;
  std::vector<TextSpan> findings;  // spans supporting the true diagnosis
  std::vector<ImageRef> images;
  std::optional<Lesion> lesion;
};

enum class ConfidenceStyle { kCalibrated, kOverconfident, kUnderconfident };
std::string_view StyleName(ConfidenceStyle s);

struct Physician {
  std::string id;  // "dr-adeyemi"
  std::string display_name;
  std::string profile;  // one line: what is planted and why
  double accuracy = 0;  // mean of the planted diagonal
  ConfidenceStyle style = ConfidenceStyle::kCalibrated;
  Matrix planted{};    // P(answer = column | truth = row)
  int first_hour = 9;  // usual session start, UTC
  bool adjudicator = false;
};

// One physician's answer to one case.
struct Answer {
  int diagnosis = 0;
  double confidence = 0;  // two decimals
};

inline constexpr int kCalibrationBatchSize = 50;

struct Plan {
  uint64_t seed = 0;
  std::array<double, kClasses> prevalence{};
  std::vector<Case> cases;  // cal-1, then cal-2, then production
  std::vector<Physician> physicians;
  // Production: for each case index >= 2 * kCalibrationBatchSize, the three
  // physicians (indices) who annotate it.
  std::vector<std::array<int, 3>> production_triples;
};

Plan MakePlan(uint64_t seed);

// What physician `p` answers for case `c`: a deterministic function of
// (seed, physician, case), drawn from the planted matrix row of the truth
// and the physician's confidence style.
Answer AnswerOf(const Plan& plan, int p, int c);

// The annotation values (JSON object text) physician `p` submits for case
// `c` under dx-reasoning@`version` (1 or 2), with `answer`.
std::string AnnotationValues(const Plan& plan, int p, int c, int version,
                             const Answer& answer);
// The model's pre-label (descriptive fields only) of case `c` under v2.
std::string PrelabelValues(const Plan& plan, int c);
// The expert panel's reference answer (the truth) under `version`.
std::string GoldValues(const Plan& plan, int c, int version);
// The record's import line: {"id", "text", "images"?, "metadata"}.
std::string RecordLine(const Case& c);

// The task schemas: dx-reasoning v1 and its revision v2 (parent 1).
std::string_view SchemaV1();
std::string_view SchemaV2();

}  // namespace consilium::cli::demo

#endif  // CONSILIUM_TOOLS_DEMO_PLAN_H_
