#include "tools/demo/plan.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <string>
#include <utility>

#include "tools/demo/vignettes.h"

namespace consilium::cli::demo {

namespace json = boost::json;

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Rng::Below(uint64_t n) { return Next() % n; }

double Rng::Around(double mean, double spread) {
  // Irwin–Hall of four uniforms: bell-shaped on [mean - spread, mean +
  // spread], no libm involved.
  double s = Uniform() + Uniform() + Uniform() + Uniform();
  return mean + spread * (s / 2.0 - 1.0);
}

int Rng::Pick(const std::array<double, kClasses>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double u = Uniform() * total;
  for (int i = 0; i < kClasses; ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  for (int i = kClasses - 1; i >= 0; --i)
    if (weights[i] > 0) return i;
  return 0;
}

std::string_view StyleName(ConfidenceStyle s) {
  switch (s) {
    case ConfidenceStyle::kCalibrated:
      return "calibrated";
    case ConfidenceStyle::kOverconfident:
      return "overconfident";
    case ConfidenceStyle::kUnderconfident:
      return "underconfident";
  }
  return "calibrated";
}

namespace {

// Class order: J18.9, I50.9, J81.0, J44.1, I26.99, J80, A41.9.
constexpr std::array<double, kClasses> kPrevalence = {0.22, 0.17, 0.10, 0.16,
                                                      0.10, 0.08, 0.17};

// Row t: `diagonal[t]` on the diagonal; the rest spread over the other
// classes by the clinical confusion weights times `pull` (a physician's
// leaning towards some answers).
Matrix PlantMatrix(const std::array<double, kClasses>& diagonal,
                   const std::array<double, kClasses>& pull) {
  Matrix m{};
  for (int t = 0; t < kClasses; ++t) {
    double total = 0;
    for (int g = 0; g < kClasses; ++g)
      if (g != t) total += Pool(t).confusions[g] * pull[g];
    for (int g = 0; g < kClasses; ++g) {
      m[t][g] =
          g == t ? diagonal[t]
                 : (1 - diagonal[t]) * Pool(t).confusions[g] * pull[g] / total;
    }
  }
  return m;
}

std::array<double, kClasses> Flat(double v) {
  std::array<double, kClasses> a;
  a.fill(v);
  return a;
}

std::vector<Physician> Physicians() {
  const std::array<double, kClasses> even = Flat(1);
  std::array<double, kClasses> eriksen_diag = Flat(0.76);
  eriksen_diag[1] = 0.45;  // heart failure, often called pulmonary oedema
  eriksen_diag[2] = 0.50;  // and the other way round
  std::array<double, kClasses> fujita_pull = even;
  fujita_pull[0] = 5;  // errs towards pneumonia
  std::vector<Physician> p = {
      {"dr-adeyemi",
       "Dr. Adaeze Adeyemi",
       "expert (92% on every class), well calibrated",
       0,
       {},
       {},
       8,
       true},
      {"dr-brennan",
       "Dr. Liam Brennan",
       "strong (85%), well calibrated",
       0,
       {},
       {},
       9,
       true},
      {"dr-castillo",
       "Dr. Marta Castillo",
       "fair (75%) but overconfident: states about 0.93 whatever the case",
       0,
       ConfidenceStyle::kOverconfident,
       {},
       13,
       false},
      {"dr-dubois",
       "Dr. Claire Dubois",
       "good (80%) but underconfident; works evenings",
       0,
       ConfidenceStyle::kUnderconfident,
       {},
       18,
       false},
      {"dr-eriksen",
       "Dr. Nils Eriksen",
       "weak on heart failure vs pulmonary oedema (45% / 50%, 76% "
       "elsewhere), overconfident",
       0,
       ConfidenceStyle::kOverconfident,
       {},
       10,
       false},
      {"dr-fujita",
       "Dr. Kenji Fujita",
       "good (78%) with a lean towards pneumonia when wrong",
       0,
       {},
       {},
       7,
       false}};
  p[0].planted = PlantMatrix(Flat(0.92), even);
  p[1].planted = PlantMatrix(Flat(0.85), even);
  p[2].planted = PlantMatrix(Flat(0.75), even);
  p[3].planted = PlantMatrix(Flat(0.80), even);
  p[4].planted = PlantMatrix(eriksen_diag, even);
  p[5].planted = PlantMatrix(Flat(0.78), fujita_pull);
  for (Physician& d : p) {
    double acc = 0;
    for (int t = 0; t < kClasses; ++t) acc += kPrevalence[t] * d.planted[t][t];
    d.accuracy = acc;
  }
  return p;
}

template <class T>
const T& PickOne(Rng& rng, const std::vector<T>& v) {
  return v[rng.Below(v.size())];
}

// Appends `phrase` as a sentence and returns its span.
TextSpan AddSentence(std::string& text, std::string_view phrase,
                     std::string_view finding) {
  if (!text.empty()) text += ' ';
  TextSpan s;
  s.start = static_cast<int>(text.size());
  std::string sentence(phrase);
  sentence[0] = static_cast<char>(std::toupper(sentence[0]));
  text += sentence;
  s.end = static_cast<int>(text.size());
  s.finding = std::string(finding);
  text += '.';
  return s;
}

int Jitter(Rng& rng, int v, int spread) {
  return v + static_cast<int>(rng.Below(2 * spread + 1)) - spread;
}

void AddImaging(Rng& rng, Case& c) {
  const ImagingPhrase& im = PickOne(rng, Pool(c.truth).imaging);
  c.findings.push_back(AddSentence(
      c.text, im.text,
      "Imaging: " + std::string(im.text.substr(im.text.find(':') + 2))));
  if (im.ct) {
    c.images.push_back({"ctpa", 512, 512, 160});
  } else {
    c.images.push_back({"cxr-pa", 2048, 2500, 1});
  }
  if (im.finding.empty()) return;
  Lesion l;
  l.image = c.images.back().name;
  l.frame = im.ct ? Jitter(rng, im.frame, 6) : -1;
  l.x = Jitter(rng, im.x, im.ct ? 20 : 80);
  l.y = Jitter(rng, im.y, im.ct ? 20 : 80);
  l.w = im.w;
  l.h = im.h;
  l.finding = std::string(im.finding);
  c.lesion = l;
}

Case MakeCase(Rng& rng, int index) {
  Case c;
  std::string digits = std::to_string(index + 1);
  c.id = "case-" + std::string(4 - std::min<size_t>(4, digits.size()), '0') +
         digits;
  c.truth = rng.Pick(kPrevalence);
  const DiagnosisPool& pool = Pool(c.truth);
  c.specialty = std::string(PickOne(rng, pool.specialties));
  c.site = std::string(1, static_cast<char>('A' + rng.Below(3)));
  c.age = 19 + static_cast<int>(rng.Below(70));
  c.sex = rng.Below(2) ? 'F' : 'M';
  c.text = std::to_string(c.age) + "-year-old " +
           (c.sex == 'F' ? "woman" : "man") + " seen by " + c.specialty + ".";
  auto add = [&](const std::vector<Phrase>& phrases) {
    const Phrase& ph = PickOne(rng, phrases);
    c.findings.push_back(AddSentence(c.text, ph.text, ph.finding));
  };
  add(pool.complaints);
  add(pool.vitals);
  add(pool.exams);
  add(pool.tests);
  if (rng.Uniform() < 0.35) AddImaging(rng, c);
  // A finding that points elsewhere, as real notes have.
  if (rng.Uniform() < 0.3) {
    int other = rng.Pick(pool.confusions);
    const Phrase& ph = PickOne(rng, Pool(other).tests);
    AddSentence(c.text, ph.text, "");
  }
  c.text += ' ';
  c.text += PickOne(rng, Backgrounds());
  return c;
}

}  // namespace

Plan MakePlan(uint64_t seed) {
  Plan plan;
  plan.seed = seed;
  plan.prevalence = kPrevalence;
  plan.physicians = Physicians();
  Rng rng(seed);
  constexpr int kCases = 500;
  for (int i = 0; i < kCases; ++i) plan.cases.push_back(MakeCase(rng, i));
  // Production: the 20 triples of six physicians in a seeded order, dealt
  // round-robin, so each physician reads exactly half of the cases.
  std::vector<std::array<int, 3>> triples;
  for (int a = 0; a < 6; ++a)
    for (int b = a + 1; b < 6; ++b)
      for (int d = b + 1; d < 6; ++d) triples.push_back({a, b, d});
  for (size_t i = triples.size() - 1; i > 0; --i)
    std::swap(triples[i], triples[rng.Below(i + 1)]);
  for (int i = 2 * kCalibrationBatchSize; i < kCases; ++i)
    plan.production_triples.push_back(triples[i % triples.size()]);
  return plan;
}

Answer AnswerOf(const Plan& plan, int p, int c) {
  Rng rng(plan.seed ^ (0xA24BAED4963EE407ull * static_cast<uint64_t>(p + 1)) ^
          (0x9FB21C651E98DF25ull * static_cast<uint64_t>(c + 1)));
  const Physician& doc = plan.physicians[p];
  const int truth = plan.cases[c].truth;
  // The chance of being right on this case, drawn around the planted
  // diagonal d (mean d, so the answers follow the planted row), then the
  // answer: right with that chance, else an error drawn from the row's
  // off-diagonal part. A calibrated physician states that chance.
  const double d = doc.planted[truth][truth];
  const double spread = std::min({0.12, 0.99 - d, d - 0.05});
  const double chance = rng.Around(d, spread);
  Answer a;
  if (rng.Uniform() < chance) {
    a.diagnosis = truth;
  } else {
    std::array<double, kClasses> errors = doc.planted[truth];
    errors[truth] = 0;
    a.diagnosis = rng.Pick(errors);
  }
  double conf = chance;
  switch (doc.style) {
    case ConfidenceStyle::kCalibrated:
      break;
    case ConfidenceStyle::kOverconfident:
      conf = rng.Around(0.93, 0.05);
      break;
    case ConfidenceStyle::kUnderconfident:
      conf = chance - 0.2;
      break;
  }
  conf = std::min(0.99, std::max(0.05, conf));
  a.confidence = std::floor(conf * 100 + 0.5) / 100;
  return a;
}

namespace {

json::object SpanItem(const TextSpan& s) {
  json::object span{{"start", s.start}, {"end", s.end}};
  json::array evidence{json::object{{"span", std::move(span)}}};
  return {{"finding", s.finding}, {"evidence", std::move(evidence)}};
}

json::object RegionOf(const Lesion& l, int dx, int dy) {
  json::object r{{"image", l.image}};
  if (l.frame >= 0) r["frame"] = l.frame;
  r["x"] = l.x + dx;
  r["y"] = l.y + dy;
  r["w"] = l.w;
  r["h"] = l.h;
  return r;
}

// The two classes most often confused with `diagnosis`.
json::array Differential(int diagnosis) {
  const auto& w = Pool(diagnosis).confusions;
  int first = -1, second = -1;
  for (int g = 0; g < kClasses; ++g) {
    if (g == diagnosis) continue;
    if (first < 0 || w[g] > w[first]) {
      second = first;
      first = g;
    } else if (second < 0 || w[g] > w[second]) {
      second = g;
    }
  }
  json::array out;
  for (int g : {first, second}) {
    out.push_back(json::object{{"alternative", kDiagnosisCodes[g]},
                               {"excluded_because", Pool(g).excluded_because}});
  }
  return out;
}

}  // namespace

std::string AnnotationValues(const Plan& plan, int p, int c, int version,
                             const Answer& answer) {
  Rng rng(plan.seed ^ 0x5851F42D4C957F2Dull ^ (static_cast<uint64_t>(p) << 32) ^
          static_cast<uint64_t>(c));
  const Case& kase = plan.cases[c];
  json::object v;
  v["primary_diagnosis"] = kDiagnosisCodes[answer.diagnosis];
  json::array findings;
  size_t n = 1 + rng.Below(3);
  for (size_t i = 0; i < kase.findings.size() && i < n; ++i)
    findings.push_back(SpanItem(kase.findings[i]));
  v["key_findings"] = std::move(findings);
  json::array diff = Differential(answer.diagnosis);
  if (rng.Below(3) == 0) diff.pop_back();
  v["differential"] = std::move(diff);
  v["confidence"] = answer.confidence;
  if (rng.Below(4) != 0)
    v["what_would_change"] = Pool(answer.diagnosis).would_change;
  if (version >= 2 && kase.lesion && rng.Below(5) != 0) {
    int dx = static_cast<int>(rng.Below(61)) - 30;
    int dy = static_cast<int>(rng.Below(61)) - 30;
    json::object item{{"finding", kase.lesion->finding},
                      {"region", RegionOf(*kase.lesion, dx, dy)}};
    v["imaging_findings"] = json::array{std::move(item)};
  }
  return json::serialize(v);
}

std::string PrelabelValues(const Plan& plan, int c) {
  const Case& kase = plan.cases[c];
  json::object v;
  json::array findings;
  for (const TextSpan& s : kase.findings) findings.push_back(SpanItem(s));
  v["key_findings"] = std::move(findings);
  if (kase.lesion) {
    json::object item{{"finding", kase.lesion->finding},
                      {"region", RegionOf(*kase.lesion, 12, -12)}};
    v["imaging_findings"] = json::array{std::move(item)};
  }
  return json::serialize(v);
}

std::string GoldValues(const Plan& plan, int c, int version) {
  const Case& kase = plan.cases[c];
  json::object v;
  v["primary_diagnosis"] = kDiagnosisCodes[kase.truth];
  json::array findings;
  for (const TextSpan& s : kase.findings) findings.push_back(SpanItem(s));
  v["key_findings"] = std::move(findings);
  v["differential"] = Differential(kase.truth);
  v["confidence"] = 0.95;
  v["what_would_change"] = Pool(kase.truth).would_change;
  if (version >= 2 && kase.lesion) {
    json::object item{{"finding", kase.lesion->finding},
                      {"region", RegionOf(*kase.lesion, 0, 0)}};
    v["imaging_findings"] = json::array{std::move(item)};
  }
  return json::serialize(v);
}

std::string RecordLine(const Case& c) {
  json::object o;
  o["id"] = c.id;
  o["text"] = c.text;
  if (!c.images.empty()) {
    json::array images;
    for (const ImageRef& im : c.images) {
      images.push_back(json::object{{"name", im.name},
                                    {"width", im.width},
                                    {"height", im.height},
                                    {"frames", im.frames}});
    }
    o["images"] = std::move(images);
  }
  const int decade = c.age / 10 * 10;
  const std::string band =
      std::to_string(decade) + "-" + std::to_string(decade + 9);
  o["metadata"] = json::object{
      {"specialty", c.specialty}, {"site", c.site}, {"age_band", band}};
  return json::serialize(o);
}

}  // namespace consilium::cli::demo
