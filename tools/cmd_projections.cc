// Ledger-backed analytics commands (docs/statistics.md, "Ledger-backed
// analytics"):
//   consilium agreement --data DIR --project P [--field F] [--batch B]
//       [--as-of SEQ|TIME] [--threshold X] [--json]
//   consilium calibration --data DIR --project P [--annotator A]
//       [--as-of SEQ|TIME] [--json]
//   consilium distribution --data DIR --record R [--as-of SEQ|TIME] [--json]
//   consilium access --data DIR (--record R | --principal P)
//       [--from TIME] [--to TIME] [--json]
// Each opens the ledger read-only and builds the analytics state: over
// events 1..N for --as-of, else from the stored projection checkpoint plus
// the events after it (projections::ProjectionEngine). Readable tables on a
// terminal; --json prints one object (null + "<name>_undefined_reason" for
// an undefined statistic, never NaN).
#include "tools/cmd_projections.h"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/analytics.h"
#include "projections/engine.h"
#include "schemas/event_json.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;

// "2024-05-01T12:00:00Z" or with a fraction ("...:00.25Z") -> microseconds.
StatusOr<int64_t> ParseTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                  &consumed) != 6) {
    return InvalidArgumentError("\"" + text +
                                "\" is neither a sequence number nor a time "
                                "like 2024-05-01T12:00:00Z");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t micros = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100000;
    for (++i;
         i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
         ++i) {
      micros += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 != text.size() || text[i] != 'Z') {
    return InvalidArgumentError("time \"" + text + "\" must end in Z (UTC)");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

// The state the command reads, and the sequence number it reflects.
struct Loaded {
  std::unique_ptr<Ledger> ledger;
  p::AnalyticsState state;
};

StatusOr<Loaded> Load(const Args& args) {
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  Loaded out;
  ASSIGN_OR_RETURN(out.ledger, Ledger::Open(dir, {.read_only = true}));
  if (args.Has("as-of")) {
    const std::string as_of = args.Get("as-of");
    uint64_t seq = 0;
    if (!as_of.empty() &&
        as_of.find_first_not_of("0123456789") == std::string::npos) {
      ASSIGN_OR_RETURN(seq, args.GetUint("as-of", 0));
    } else {
      ASSIGN_OR_RETURN(int64_t t, ParseTime(as_of));
      ASSIGN_OR_RETURN(seq, p::SeqAtTime(*out.ledger, t));
    }
    if (seq > out.ledger->head().seq) {
      return OutOfRangeError("--as-of " + as_of + " is beyond the ledger's " +
                             std::to_string(out.ledger->head().seq) +
                             " events");
    }
    ASSIGN_OR_RETURN(out.state, p::BuildStateAsOf(*out.ledger, seq));
    return out;
  }
  ASSIGN_OR_RETURN(auto engine, p::ProjectionEngine::Open(out.ledger.get()));
  engine->Read([&](const p::AnalyticsState& s) { out.state = s; });
  return out;
}

json::value Num(const std::optional<double>& v) {
  if (v && std::isfinite(*v)) return *v;
  return nullptr;
}

void PutStat(json::object& o, const std::string& name, const p::Statistic& s) {
  o[name] = Num(s.value);
  o[name + "_items"] = s.items;
  o[name + "_ratings"] = s.ratings;
  if (!s.value) o[name + "_undefined_reason"] = s.undefined_reason;
}

std::string Cell(const std::optional<double>& v) {
  if (!v) return "undefined";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", *v);
  return buf;
}

std::string Cell(const p::Statistic& s) { return Cell(s.value); }

// ---- agreement --data
// --------------------------------------------------------

json::object FieldJson(const p::FieldAgreement& f) {
  json::object o;
  o["schema_id"] = f.schema_id;
  o["schema_version"] = f.schema_version;
  o["path"] = f.path;
  o["field_path"] = f.field_path;
  o["metric"] = schemas::MetricName(f.metric);
  o["layer"] = schemas::LayerName(f.layer);
  o["items"] = f.items;
  o["raters"] = f.raters;
  o["ratings"] = f.ratings;
  o["primary_statistic"] = f.primary_name;
  PutStat(o, "primary", f.primary);
  if (f.report) {
    const p::AgreementReport& r = *f.report;
    json::array raters, categories;
    for (const auto& n : f.rater_names) raters.emplace_back(n);
    for (const auto& c : f.categories) categories.emplace_back(c);
    o["rater_names"] = std::move(raters);
    o["categories"] = std::move(categories);
    PutStat(o, "percent_agreement_all_raters", r.percent_agreement_all_raters);
    PutStat(o, "percent_agreement_pairwise", r.percent_agreement_pairwise);
    PutStat(o, "fleiss_kappa", r.fleiss.overall);
    if (r.fleiss.overall.value) {
      json::object per;
      for (size_t c = 0; c < r.fleiss.per_category.size(); ++c)
        per[f.categories[c]] = Num(r.fleiss.per_category[c].value);
      o["fleiss_kappa_per_category"] = std::move(per);
    }
    PutStat(o, "krippendorff_alpha_nominal", r.krippendorff_alpha_nominal);
    PutStat(o, "krippendorff_alpha_ordinal", r.krippendorff_alpha_ordinal);
    PutStat(o, "krippendorff_alpha_interval", r.krippendorff_alpha_interval);
    PutStat(o, "krippendorff_alpha_ratio", r.krippendorff_alpha_ratio);
    PutStat(o, "light_kappa", r.light_kappa);
    PutStat(o, "conger_kappa", r.conger_kappa);
    json::array pairs;
    for (const p::PairKappa& k : r.cohen) {
      json::object pair;
      pair["rater_a"] = f.rater_names[k.rater_a];
      pair["rater_b"] = f.rater_names[k.rater_b];
      PutStat(pair, "cohen_kappa", k.unweighted);
      PutStat(pair, "cohen_kappa_linear", k.linear);
      PutStat(pair, "cohen_kappa_quadratic", k.quadratic);
      pairs.push_back(std::move(pair));
    }
    o["cohen_kappa_pairs"] = std::move(pairs);
  }
  if (f.set_alpha_jaccard)
    PutStat(o, "set_alpha_jaccard", *f.set_alpha_jaccard);
  if (f.set_alpha_masi) PutStat(o, "set_alpha_masi", *f.set_alpha_masi);
  if (f.regions) {
    o["iou_threshold"] = f.regions->threshold;
    PutStat(o, "mean_iou", f.regions->mean_iou);
    PutStat(o, "iou_agreement", f.regions->iou_agreement);
  }
  if (f.spans) {
    PutStat(o, "span_mean_f1", f.spans->mean_f1);
    PutStat(o, "span_micro_f1", f.spans->micro_f1);
  }
  return o;
}

json::object LayerJson(const p::LayerSummary& s) {
  json::object o;
  o["fields"] = s.fields;
  o["defined"] = s.defined;
  o["flagged"] = s.flagged;
  o["mean"] = Num(s.mean);
  o["minimum"] = Num(s.minimum);
  return o;
}

}  // namespace

int RunLedgerAgreement(const Args& args) {
  StatusOr<std::string> project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  StatusOr<double> threshold =
      args.GetDouble("threshold", p::kDefaultAgreementThreshold);
  if (!threshold.ok()) return Fail(threshold.status());
  StatusOr<Loaded> loaded = Load(args);
  if (!loaded.ok()) return Fail(loaded.status());
  p::AgreementQuery q;
  q.project = *project;
  q.field = args.Get("field");
  q.batch = args.Get("batch");
  StatusOr<std::vector<p::FieldAgreement>> fields =
      p::ComputeFieldAgreement(loaded->state, q);
  if (!fields.ok()) return Fail(fields.status());
  if (!q.field.empty() && fields->empty()) {
    return Fail(NotFoundError("project \"" + q.project +
                              "\" has no human values at field \"" + q.field +
                              "\""));
  }
  const p::CalibrationLoopReport loop = p::RankFields(*fields, *threshold);
  if (args.Has("json")) {
    json::object o;
    o["project"] = q.project;
    o["batch"] = q.batch.empty() ? json::value() : json::value(q.batch);
    o["as_of_seq"] = loaded->state.last_seq();
    json::array fa;
    for (const auto& f : *fields) fa.push_back(FieldJson(f));
    o["fields"] = std::move(fa);
    json::object cal;
    cal["threshold"] = loop.threshold;
    json::array ranked;
    for (const p::RankedField& r : loop.ranked) {
      json::object e;
      e["schema_id"] = r.field->schema_id;
      e["schema_version"] = r.field->schema_version;
      e["path"] = r.field->path;
      e["layer"] = schemas::LayerName(r.field->layer);
      e["statistic"] = r.field->primary_name;
      e["value"] = Num(r.field->primary.value);
      e["flagged"] = r.flagged;
      if (!r.field->primary.value)
        e["value_undefined_reason"] = r.field->primary.undefined_reason;
      ranked.push_back(std::move(e));
    }
    cal["ranked"] = std::move(ranked);
    cal["descriptive"] = LayerJson(loop.descriptive);
    cal["interpretive"] = LayerJson(loop.interpretive);
    o["calibration_loop"] = std::move(cal);
    PrintJsonValue(o);
    return 0;
  }
  std::printf("project %s%s, as of event %llu: %zu field(s)\n\n",
              q.project.c_str(),
              q.batch.empty() ? "" : (", batch " + q.batch).c_str(),
              static_cast<unsigned long long>(loaded->state.last_seq()),
              fields->size());
  Table table({{"field"},
               {"schema"},
               {"layer"},
               {"items", Table::kRight},
               {"raters", Table::kRight},
               {"ratings", Table::kRight},
               {"statistic"},
               {"value", Table::kRight}});
  for (const auto& f : *fields) {
    table.AddRow({f.path, f.schema_id + "@" + std::to_string(f.schema_version),
                  std::string(schemas::LayerName(f.layer)),
                  std::to_string(f.items), std::to_string(f.raters),
                  std::to_string(f.ratings), f.primary_name, Cell(f.primary)});
    if (f.report) {
      const p::AgreementReport& r = *f.report;
      table.AddLine(
          "    percent all/pairwise " + Cell(r.percent_agreement_all_raters) +
          " / " + Cell(r.percent_agreement_pairwise) + "   fleiss " +
          Cell(r.fleiss.overall) + "   alpha nom/ord/int/ratio " +
          Cell(r.krippendorff_alpha_nominal) + " / " +
          Cell(r.krippendorff_alpha_ordinal) + " / " +
          Cell(r.krippendorff_alpha_interval) + " / " +
          Cell(r.krippendorff_alpha_ratio) + "   light " + Cell(r.light_kappa));
      for (const p::PairKappa& k : r.cohen) {
        table.AddLine("    cohen " + f.rater_names[k.rater_a] + " / " +
                      f.rater_names[k.rater_b] + ": " + Cell(k.unweighted) +
                      " (linear " + Cell(k.linear) + ", quadratic " +
                      Cell(k.quadratic) + ", " +
                      std::to_string(k.unweighted.items) + " items)");
      }
    }
    if (f.set_alpha_masi)
      table.AddLine("    set alpha MASI " + Cell(*f.set_alpha_masi));
    if (f.regions)
      table.AddLine("    IoU >= " + Fixed(f.regions->threshold, 2) +
                    " agreement " + Cell(f.regions->iou_agreement));
    if (f.spans) table.AddLine("    span micro F1 " + Cell(f.spans->micro_f1));
    if (!f.primary.value)
      table.AddLine("    undefined: " + f.primary.undefined_reason);
  }
  table.Print();
  std::printf("\ncalibration loop (threshold %.2f), least agreement first:\n",
              loop.threshold);
  Table ranked({{}, {}, {}, {"", Table::kRight}}, "  ");
  for (const p::RankedField& r : loop.ranked) {
    ranked.AddRow({r.flagged ? "FLAGGED" : "", r.field->path,
                   std::string(schemas::LayerName(r.field->layer)),
                   Cell(r.field->primary)});
  }
  ranked.Print();
  for (const auto& [name, s] :
       {std::pair{"descriptive", &loop.descriptive},
        std::pair{"interpretive", &loop.interpretive}}) {
    std::printf("  %-12s %lld field(s), mean %s, min %s, %lld flagged\n", name,
                static_cast<long long>(s->fields), Cell(s->mean).c_str(),
                Cell(s->minimum).c_str(), static_cast<long long>(s->flagged));
  }
  return 0;
}

namespace {

// ---- calibration
// -----------------------------------------------------------------

void PutRate(json::object& o, const std::string& name, const p::RateStat& r) {
  json::object e;
  e["compared"] = r.compared;
  e["matched"] = r.matched;
  e["rate"] = Num(r.rate.value);
  if (!r.rate.value) e["rate_undefined_reason"] = r.rate.undefined_reason;
  o[name] = std::move(e);
}

int RunCalibration(const Args& args) {
  StatusOr<std::string> project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  StatusOr<Loaded> loaded = Load(args);
  if (!loaded.ok()) return Fail(loaded.status());
  auto cal =
      p::CalibrateAnnotators(loaded->state, *project, args.Get("annotator"));
  if (!cal.ok()) return Fail(cal.status());
  if (args.Has("json")) {
    json::object o;
    o["project"] = *project;
    o["as_of_seq"] = loaded->state.last_seq();
    json::array list;
    for (const p::AnnotatorCalibration& c : *cal) {
      json::object a;
      a["annotator"] = c.annotator;
      a["pseudonym"] = c.pseudonym;
      a["annotations"] = c.annotations;
      json::array peers;
      for (const p::PeerAgreement& pa : c.peers) {
        json::object e;
        e["peer"] = pa.peer;
        PutRate(e, "agreement", pa.agreement);
        peers.push_back(std::move(e));
      }
      a["peers"] = std::move(peers);
      PutRate(a, "leave_one_out_majority", c.leave_one_out_majority);
      PutRate(a, "gold_accuracy", c.gold);
      PutRate(a, "adjudicated_accuracy", c.adjudicated);
      a["ambiguous_decisions"] = c.ambiguous_decisions;
      json::object conf;
      conf["n"] = c.confidence.n;
      conf["target_path"] = c.confidence.target_path;
      conf["by_adjudication"] = c.confidence.by_adjudication;
      conf["by_gold"] = c.confidence.by_gold;
      conf["by_consensus"] = c.confidence.by_consensus;
      PutStat(conf, "brier_score", c.confidence.brier);
      PutStat(conf, "expected_calibration_error", c.confidence.ece);
      json::array bins;
      for (const p::CalibrationBin& b : c.confidence.bins) {
        json::object jb;
        jb["lower"] = b.lower;
        jb["upper"] = b.upper;
        jb["count"] = b.count;
        jb["mean_confidence"] = b.mean_confidence;
        jb["accuracy"] = b.accuracy;
        bins.push_back(std::move(jb));
      }
      conf["bins"] = std::move(bins);
      a["confidence_calibration"] = std::move(conf);
      json::array confusion;
      for (const p::FieldConfusion& f : c.confusion) {
        json::object jf;
        jf["schema_id"] = f.schema_id;
        jf["schema_version"] = f.schema_version;
        jf["path"] = f.path;
        jf["ratings"] = f.ratings;
        json::object m;
        const size_t k = f.classes.size();
        for (size_t t = 0; t < k; ++t) {
          json::object row;
          for (size_t l = 0; l < k; ++l)
            row[f.classes[l]] = f.matrix[t * k + l];
          m[f.classes[t]] = std::move(row);
        }
        jf["dawid_skene_confusion"] = std::move(m);
        confusion.push_back(std::move(jf));
      }
      a["confusion_matrices"] = std::move(confusion);
      list.push_back(std::move(a));
    }
    o["annotators"] = std::move(list);
    PrintJsonValue(o);
    return 0;
  }
  std::printf("project %s, as of event %llu\n\n", project->c_str(),
              static_cast<unsigned long long>(loaded->state.last_seq()));
  Table summary({{"annotator"},
                 {"pseudonym"},
                 {"annot.", Table::kRight},
                 {"loo-major.", Table::kRight},
                 {"gold acc.", Table::kRight},
                 {"adjud.acc", Table::kRight},
                 {"brier", Table::kRight},
                 {"ece", Table::kRight}});
  for (const p::AnnotatorCalibration& c : *cal) {
    summary.AddRow({c.annotator, c.pseudonym, std::to_string(c.annotations),
                    Cell(c.leave_one_out_majority.rate), Cell(c.gold.rate),
                    Cell(c.adjudicated.rate), Cell(c.confidence.brier),
                    Cell(c.confidence.ece)});
  }
  summary.Print();
  for (const p::AnnotatorCalibration& c : *cal) {
    std::printf("\n%s: agreement with peers\n", c.annotator.c_str());
    Table peers({{}, {"", Table::kRight}, {}}, "  ");
    for (const p::PeerAgreement& pa : c.peers) {
      peers.AddRow(
          {pa.peer, Cell(pa.agreement.rate),
           "over " + std::to_string(pa.agreement.compared) + " values"});
    }
    peers.Print();
    for (const p::FieldConfusion& f : c.confusion) {
      std::printf("  Dawid-Skene confusion, %s (rows true, columns given)\n",
                  f.path.c_str());
      const size_t k = f.classes.size();
      std::vector<Table::Column> columns = {{}};
      for (const auto& cl : f.classes) columns.push_back({cl, Table::kRight});
      Table matrix(std::move(columns), "    ");
      for (size_t t = 0; t < k; ++t) {
        std::vector<std::string> row = {f.classes[t]};
        for (size_t l = 0; l < k; ++l)
          row.push_back(Fixed(f.matrix[t * k + l], 4));
        matrix.AddRow(std::move(row));
      }
      matrix.Print();
    }
  }
  return 0;
}

// ---- distribution
// ------------------------------------------------------------------

json::object CountsJson(const p::ValueCounts& vc) {
  json::object o;
  json::array values;
  for (const p::CurrentValue& v : vc.values) {
    json::object e;
    e["annotation_id"] = v.annotation_id;
    e["annotator"] = v.annotator;
    e["revision"] = v.revision;
    e["seq"] = v.seq;
    e["value"] = v.key;
    values.push_back(std::move(e));
  }
  o["values"] = std::move(values);
  json::object counts;
  for (const auto& [k, n] : vc.counts) counts[k] = n;
  o["counts"] = std::move(counts);
  o["normalized_entropy"] = Num(vc.normalized_entropy.value);
  if (!vc.normalized_entropy.value)
    o["normalized_entropy_undefined_reason"] =
        vc.normalized_entropy.undefined_reason;
  return o;
}

int RunDistribution(const Args& args) {
  StatusOr<std::string> record = args.Require("record");
  if (!record.ok()) return Fail(record.status());
  StatusOr<Loaded> loaded = Load(args);
  if (!loaded.ok()) return Fail(loaded.status());
  auto d = p::LabelDistribution(loaded->state, *record, /*soft_labels=*/true);
  if (!d.ok()) return Fail(d.status());
  if (args.Has("json")) {
    json::object o;
    o["record"] = d->record;
    o["project"] = d->project;
    o["as_of_seq"] = loaded->state.last_seq();
    json::array fields;
    for (const p::FieldDistribution& f : d->fields) {
      json::object jf;
      jf["schema_id"] = f.schema_id;
      jf["schema_version"] = f.schema_version;
      jf["path"] = f.path;
      jf["field_path"] = f.field_path;
      jf["metric"] = schemas::MetricName(f.metric);
      jf["layer"] = schemas::LayerName(f.layer);
      jf["human"] = CountsJson(f.human);
      jf["model"] = CountsJson(f.model);
      if (!f.soft_label.empty()) {
        json::object sl;
        for (const auto& [k, prob] : f.soft_label) sl[k] = prob;
        jf["soft_label"] = std::move(sl);
      } else {
        jf["soft_label"] = nullptr;
        jf["soft_label_undefined_reason"] = f.soft_label_undefined_reason;
      }
      fields.push_back(std::move(jf));
    }
    o["fields"] = std::move(fields);
    json::array history;
    for (const p::RevisionEntry& r : d->history) {
      json::object e;
      e["annotation_id"] = r.annotation_id;
      e["annotator"] = r.annotator;
      e["by_model"] = r.by_model;
      e["seq"] = r.seq;
      if (r.revision == 0) {
        e["withdrawn"] = true;
      } else {
        e["revision"] = r.revision;
        e["time"] = FormatTimestamp(r.timestamp_us);
        e["values_valid"] = r.extracted;
        json::object vals;
        for (const auto& [path, key] : r.values) vals[path] = key;
        e["values"] = std::move(vals);
      }
      history.push_back(std::move(e));
    }
    o["revision_history"] = std::move(history);
    PrintJsonValue(o);
    return 0;
  }
  std::printf("record %s (project %s), as of event %llu\n", d->record.c_str(),
              d->project.c_str(),
              static_cast<unsigned long long>(loaded->state.last_seq()));
  for (const p::FieldDistribution& f : d->fields) {
    std::printf("\n%s (%s@%u, %s, %s)\n", f.path.c_str(), f.schema_id.c_str(),
                f.schema_version,
                std::string(schemas::LayerName(f.layer)).c_str(),
                std::string(schemas::MetricName(f.metric)).c_str());
    for (const auto& [who, vc] :
         {std::pair{"human", &f.human}, std::pair{"model", &f.model}}) {
      if (vc->values.empty()) continue;
      std::printf("  %s: normalized entropy %s\n", who,
                  Cell(vc->normalized_entropy).c_str());
      Table counts({{}, {"", Table::kRight}}, "    ");
      for (const auto& [k, n] : vc->counts)
        counts.AddRow({k, std::to_string(n)});
      counts.Print();
      Table values({{}, {}}, "      ");
      for (const p::CurrentValue& v : vc->values) {
        values.AddRow(
            {v.annotator, "rev " + std::to_string(v.revision) + ": " + v.key});
      }
      values.Print();
    }
    if (!f.soft_label.empty()) {
      std::printf("  soft label (Dawid-Skene):");
      for (const auto& [k, prob] : f.soft_label)
        std::printf(" %s %.4f", k.c_str(), prob);
      std::printf("\n");
    }
  }
  std::printf("\nrevision history\n");
  Table history({{}, {}, {}, {}, {}}, "  ");
  for (const p::RevisionEntry& r : d->history) {
    if (r.revision == 0) {
      history.AddRow({"#" + std::to_string(r.seq), r.annotation_id, r.annotator,
                      "withdrawn"});
      continue;
    }
    history.AddRow(
        {"#" + std::to_string(r.seq), r.annotation_id, r.annotator,
         "rev " + std::to_string(r.revision),
         FormatTimestamp(r.timestamp_us) +
             (r.extracted ? "" : " (values invalid for the schema)")});
  }
  history.Print();
  return 0;
}

// ---- access
// -----------------------------------------------------------------------

int RunAccess(const Args& args) {
  if (args.Has("record") == args.Has("principal")) {
    return Fail(
        InvalidArgumentError("give exactly one of --record R or "
                             "--principal P"));
  }
  int64_t from = 0, to = INT64_MAX;
  if (args.Has("from")) {
    StatusOr<int64_t> t = ParseTime(args.Get("from"));
    if (!t.ok()) return Fail(t.status().WithContext("--from"));
    from = *t;
  }
  if (args.Has("to")) {
    StatusOr<int64_t> t = ParseTime(args.Get("to"));
    if (!t.ok()) return Fail(t.status().WithContext("--to"));
    to = *t;
  }
  StatusOr<Loaded> loaded = Load(args);
  if (!loaded.ok()) return Fail(loaded.status());
  std::vector<const p::AccessEntry*> entries =
      args.Has("record") ? p::AccessHistoryForRecord(
                               loaded->state, args.Get("record"), from, to)
                         : p::AccessHistoryByPrincipal(
                               loaded->state, args.Get("principal"), from, to);
  if (args.Has("json")) {
    json::array list;
    for (const p::AccessEntry* e : entries) {
      json::object o;
      o["seq"] = e->seq;
      o["time"] = FormatTimestamp(e->timestamp_us);
      o["actor"] = e->actor;
      o["resource_kind"] = e->resource_kind;
      o["resource_id"] = e->resource_id;
      o["action"] = e->action;
      o["purpose"] = e->purpose;
      o["allowed"] = e->allowed;
      o["reason"] = e->reason;
      o["record_id"] = e->record;
      o["project_id"] = e->project;
      list.push_back(std::move(o));
    }
    json::object o;
    o["access"] = std::move(list);
    PrintJsonValue(o);
    return 0;
  }
  Table table({{}, {}, {}, {}, {}, {}, {}});
  for (const p::AccessEntry* e : entries) {
    table.AddRow(
        {"#" + std::to_string(e->seq), FormatTimestamp(e->timestamp_us),
         e->actor, e->allowed ? "allowed" : "DENIED", e->action,
         e->resource_kind + ":" + e->resource_id,
         e->purpose + (e->reason.empty() ? "" : " (" + e->reason + ")")});
  }
  table.Print();
  if (entries.empty()) std::printf("no access events\n");
  return 0;
}

Registrar calibration_cmd(Command{
    .words = {"calibration"},
    .summary = "per-annotator calibration: peers, majority, gold, "
               "adjudicated, Dawid-Skene confusion, Brier/ECE",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"annotator", "A", "only this annotator"},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              {"json", "", "print JSON instead of a table"}},
    .run = RunCalibration});
Registrar distribution_cmd(Command{
    .words = {"distribution"},
    .summary = "label distribution of a record: values, counts, entropy, "
               "soft labels, revisions",
    .flags = {DataFlag(),
              {"record", "R", "record id", true},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              {"json", "", "print JSON instead of a table"}},
    .run = RunDistribution});
Registrar access_cmd(Command{
    .words = {"access"},
    .summary = "access history of a record or a principal, by time range",
    .flags = {DataFlag(),
              {"record", "R", "who accessed this record"},
              {"principal", "P", "what this principal accessed"},
              {"from", "TIME", "from this time on"},
              {"to", "TIME", "up to this time"},
              {"json", "", "print JSON instead of a table"}},
    .run = RunAccess,
    .notes = "Give exactly one of --record and --principal."});

}  // namespace
}  // namespace consilium::cli
