// `consilium agreement` and `consilium aggregate`: inter-rater agreement and
// label aggregation (Dawid–Skene, majority vote) for a rating table.
//
// Sources: `--csv FILE` reads a plain table (no ledger). `--data DIR` is the
// ledger-backed mode (RunLedgerAgreement): every field of a project from the
// projection engine (tools/analytics_source.h). Without --json the output is
// a readable table; with --json one JSON object whose keys name each
// statistic (see docs/statistics.md), rendered by render/ and written by
// common/canonical_json.h. An undefined statistic is null with a
// "<name>_undefined_reason" beside it; NaN or infinity is never printed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/canonical_json.h"
#include "common/input.h"
#include "projections/pseudonyms.h"
#include "render/analytics_json.h"
#include "render/statistics_json.h"
#include "schemas/task_schema.h"
#include "statistics/agreement.h"
#include "statistics/dawid_skene.h"
#include "statistics/rating_table.h"
#include "tools/analytics_source.h"
#include "tools/cli.h"
#include "tools/input_limits.h"
#include "tools/output.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

namespace p = ::consilium::projections;

StatusOr<std::string> ReadFile(const std::string& path) {
  return ReadBoundedFile(path, kCsvFileLimit, "--csv file");
}

// Length of the UTF-8 sequence at s[i], or 0 when it is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// A rating table is UTF-8 text (issue 13: a binary file used to come out as
// "0 items, 1 rater"). A UTF-8 byte order mark is skipped by the CSV reader;
// a UTF-16 or UTF-32 one is named, as is the first byte that is not text.
Status CheckCsvText(std::string_view text) {
  if (text.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4) ||
      text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    return InvalidArgumentError(
        "starts with a UTF-32 byte order mark: save the table as UTF-8");
  }
  if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF") {
    return InvalidArgumentError(
        "starts with a UTF-16 byte order mark: save the table as UTF-8 (a "
        "UTF-8 byte order mark is accepted and skipped)");
  }
  int64_t line = 1;
  for (size_t i = 0; i < text.size();) {
    const size_t n = text[i] == '\0' ? 0 : Utf8Length(text, i);
    if (n == 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X",
                    static_cast<unsigned char>(text[i]));
      return InvalidArgumentError("line " + std::to_string(line) + ": byte " +
                                  byte + " at offset " + std::to_string(i) +
                                  " is not UTF-8 text: not a CSV rating table");
    }
    if (text[i] == '\n') ++line;
    i += n;
  }
  return OkStatus();
}

// The statistics keep a K x K table per rater pair (Cohen's kappa) and three
// per rater (Dawid-Skene): refuse a table whose tables would not fit rather
// than abort with bad_alloc. Such a table is almost always not a rating table
// (a column of free text makes every value a category); 1 GiB leaves room
// for real ones (20 raters and 800 numeric values need 930 MiB).
constexpr size_t kMaxMatrixBytes = size_t{1} << 30;

// A parsed table must hold ratings, and fit the statistics' memory.
Status CheckIsRatingTable(const statistics::RatingTable& t) {
  if (t.num_items() == 0) {
    return InvalidArgumentError(
        "no rows of ratings after the header line: not a rating table");
  }
  const double k = t.num_categories();
  const double r = t.num_raters();
  const double bytes = k * k * std::max(r * (r - 1) / 2, 3 * r) * 8;
  if (bytes > static_cast<double>(kMaxMatrixBytes)) {
    return InvalidArgumentError(
        std::to_string(t.num_categories()) + " distinct labels from " +
        std::to_string(t.num_raters()) +
        (t.num_raters() == 1 ? " rater" : " raters") +
        ": the per-rater category tables would need " +
        std::to_string(static_cast<int64_t>(bytes / (1024 * 1024))) +
        " MiB, over the " + FormatByteLimit(kMaxMatrixBytes) +
        " limit (is this a rating table? a column of free text makes every "
        "value a category)");
  }
  return OkStatus();
}

// Shortest round-trip decimal ("0.43024452006014074", "1", "1e-300"), as in
// the JSON documents. Precondition: finite.
std::string FormatDouble(double v) {
  std::string out;
  AppendJsonNumber(out, v);
  return out;
}

// "1 item", "2 items"; `plural` when the word does not just add an s.
std::string Plural(int64_t n, const char* word, const char* plural = nullptr) {
  if (n == 1) return "1 " + std::string(word);
  return std::to_string(n) + " " +
         (plural ? std::string(plural) : std::string(word) + "s");
}

StatusOr<statistics::RatingTable> LoadTable(const Args& args, bool long_format,
                                            statistics::Level level) {
  ASSIGN_OR_RETURN(std::string path, args.Require("csv"));
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  if (Status t = CheckCsvText(text); !t.ok()) return t.WithContext(path);
  StatusOr<statistics::RatingTable> table =
      [&]() -> StatusOr<statistics::RatingTable> {
    if (long_format) {
      statistics::LongCsvOptions options;
      options.level = level;
      return statistics::RatingTable::FromLongCsv(text, options);
    }
    statistics::WideCsvOptions options;
    options.level = level;
    const std::string column = args.Get("item-column", "auto");
    if (column == "first") {
      options.item_column = statistics::WideCsvOptions::ItemColumn::kFirst;
    } else if (column == "none") {
      options.item_column = statistics::WideCsvOptions::ItemColumn::kNone;
    } else if (column != "auto") {
      return InvalidArgumentError(
          "--item-column expects auto, first or none, "
          "got \"" +
          column + "\"");
    }
    return statistics::RatingTable::FromWideCsv(text, options);
  }();
  if (!table.ok()) return table.status().WithContext(path);
  if (Status t = CheckIsRatingTable(*table); !t.ok()) {
    return t.WithContext(path);
  }
  return table;
}

// Exit code for a failed load: a rejected input line is 1, setup is 2.
int FailLoad(const Status& s) {
  return Fail(s, s.code() == StatusCode::kInvalidArgument &&
                         s.message().find("line ") != std::string::npos
                     ? 1
                     : 2);
}

// ---- consilium agreement --data ---------------------------------------------

void PrintFieldAgreementText(const p::FieldAgreement& f, Table& table) {
  table.AddRow({f.path, f.schema_id + "@" + std::to_string(f.schema_version),
                std::string(schemas::LayerName(f.layer)),
                std::to_string(f.items), std::to_string(f.raters),
                std::to_string(f.ratings), f.primary_name, Cell(f.primary)});
  if (f.report) {
    const statistics::AgreementReport& r = *f.report;
    table.AddLine(
        "    percent all/pairwise " + Cell(r.percent_agreement_all_raters) +
        " / " + Cell(r.percent_agreement_pairwise) + "   fleiss " +
        Cell(r.fleiss.overall) + "   alpha nom/ord/int/ratio " +
        Cell(r.krippendorff_alpha_nominal) + " / " +
        Cell(r.krippendorff_alpha_ordinal) + " / " +
        Cell(r.krippendorff_alpha_interval) + " / " +
        Cell(r.krippendorff_alpha_ratio) + "   light " + Cell(r.light_kappa));
    for (const statistics::PairKappa& k : r.cohen) {
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

void PrintLedgerAgreementText(const p::AgreementQuery& q, uint64_t as_of_seq,
                              const std::vector<p::FieldAgreement>& fields,
                              const p::CalibrationLoopReport& loop) {
  std::printf("project %s%s, as of event %llu: %zu field(s)\n\n",
              q.project.c_str(),
              q.batch.empty() ? "" : (", batch " + q.batch).c_str(),
              static_cast<unsigned long long>(as_of_seq), fields.size());
  Table table({{"field"},
               {"schema"},
               {"layer"},
               {"items", Table::kRight},
               {"raters", Table::kRight},
               {"ratings", Table::kRight},
               {"statistic"},
               {"value", Table::kRight}});
  for (const auto& f : fields) PrintFieldAgreementText(f, table);
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
}

// `consilium agreement --data DIR --project P [--field F] [--batch B]
// [--as-of SEQ|TIME] [--threshold X] [--json]`: every field of a project
// from the projection engine (docs/statistics.md, "Ledger-backed analytics").
int RunLedgerAgreement(const Args& args) {
  StatusOr<std::string> project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  StatusOr<double> threshold =
      args.GetDouble("threshold", p::kDefaultAgreementThreshold);
  if (!threshold.ok()) return Fail(threshold.status());
  StatusOr<LoadedAnalytics> loaded = LoadAnalytics(args);
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
  if (args.Has("pseudonyms")) p::PseudonymizeAgreement(loaded->state, &*fields);
  const p::CalibrationLoopReport loop = p::RankFields(*fields, *threshold);
  const uint64_t as_of_seq = loaded->state.last_seq();
  if (args.Has("json")) {
    return PrintJson(render::LedgerAgreementJson(q.project, q.batch, as_of_seq,
                                                 *fields, loop));
  }
  PrintLedgerAgreementText(q, as_of_seq, *fields, loop);
  return 0;
}

// ---- consilium agreement ----------------------------------------------------

// The unweighted pairwise Cohen's kappa as a rater x rater matrix.
void PrintCohenMatrix(const statistics::RatingTable& t,
                      const statistics::AgreementReport& r) {
  std::printf("\npairwise cohen_kappa matrix (unweighted)\n");
  const int32_t n = t.num_raters();
  std::vector<Table::Column> columns = {{}};
  for (int32_t b = 0; b < n; ++b) {
    columns.push_back({t.rater_name(b), Table::kRight});
  }
  Table matrix(std::move(columns));
  for (int32_t a = 0; a < n; ++a) {
    std::vector<std::string> cells = {t.rater_name(a)};
    for (int32_t b = 0; b < n; ++b) {
      if (a == b) {
        cells.push_back("-");
        continue;
      }
      const int32_t lo = std::min(a, b), hi = std::max(a, b);
      // Index of (lo, hi) in PairwiseCohenKappa's (a, b) order.
      const size_t index = static_cast<size_t>(lo) * (2 * n - lo - 1) / 2 +
                           static_cast<size_t>(hi - lo - 1);
      cells.push_back(Cell(r.cohen[index].unweighted));
    }
    matrix.AddRow(std::move(cells));
  }
  matrix.Print();
}

void PrintAgreementText(const statistics::RatingTable& t,
                        const statistics::AgreementReport& r,
                        const std::string& source, statistics::Level level) {
  std::printf("%s: %s, %s, %s, %s (level %s)\n", source.c_str(),
              Plural(r.items, "item").c_str(),
              Plural(r.raters, "rater").c_str(),
              Plural(r.ratings, "rating").c_str(),
              Plural(t.num_categories(), "category", "categories").c_str(),
              std::string(statistics::LevelName(level)).c_str());
  if (r.superseded_ratings > 0) {
    std::printf(
        "%s superseded by a later rating of the same rater (not "
        "used)\n",
        Plural(r.superseded_ratings, "rating").c_str());
  }
  std::printf("\n");
  Table stats({{"statistic"},
               {"value", Table::kRight},
               {"items", Table::kRight},
               {"ratings", Table::kRight}});
  std::vector<std::string> notes;
  auto row = [&](const std::string& name, const statistics::Statistic& s) {
    stats.AddRow(
        {name, Cell(s), std::to_string(s.items), std::to_string(s.ratings)});
    if (!s.value) notes.push_back(name + ": " + s.undefined_reason);
  };
  row("percent_agreement_all_raters", r.percent_agreement_all_raters);
  row("percent_agreement_pairwise", r.percent_agreement_pairwise);
  row("fleiss_kappa", r.fleiss.overall);
  row("krippendorff_alpha_nominal", r.krippendorff_alpha_nominal);
  row("krippendorff_alpha_ordinal", r.krippendorff_alpha_ordinal);
  row("krippendorff_alpha_interval", r.krippendorff_alpha_interval);
  row("krippendorff_alpha_ratio", r.krippendorff_alpha_ratio);
  row("light_kappa", r.light_kappa);
  row("conger_kappa", r.conger_kappa);
  stats.Print();

  if (r.fleiss.overall.value) {
    std::printf("\nfleiss_kappa per category\n");
    Table per_category({{}, {"", Table::kRight}}, "  ");
    for (int32_t c = 0; c < t.num_categories(); ++c) {
      per_category.AddRow(
          {t.category_label(c), Cell(r.fleiss.per_category[c])});
    }
    per_category.Print();
  }
  if (!r.cohen.empty()) {
    std::printf("\n");
    Table pairs({{"cohen_kappa (rater pair)"},
                 {"unweighted", Table::kRight},
                 {"linear", Table::kRight},
                 {"quadratic", Table::kRight},
                 {"items", Table::kRight}});
    for (const statistics::PairKappa& k : r.cohen) {
      const std::string name =
          t.rater_name(k.rater_a) + " / " + t.rater_name(k.rater_b);
      pairs.AddRow({name, Cell(k.unweighted), Cell(k.linear), Cell(k.quadratic),
                    std::to_string(k.unweighted.items)});
      if (!k.unweighted.value) {
        notes.push_back("cohen_kappa " + name + ": " +
                        k.unweighted.undefined_reason);
      }
    }
    pairs.Print();
    if (t.num_raters() > 2) PrintCohenMatrix(t, r);
  }
  if (!notes.empty()) {
    std::printf("\nundefined\n");
    for (const std::string& n : notes) std::printf("  %s\n", n.c_str());
  }
}

int RunAgreement(const Args& args) {
  if (args.Has("data")) {
    if (args.Has("csv")) {
      return Fail(
          InvalidArgumentError("give --csv FILE or --data DIR, not both"));
    }
    return RunLedgerAgreement(args);
  }
  if (!args.Has("csv")) {
    return Fail(InvalidArgumentError(
        "--csv FILE (a rating table) or --data DIR --project P (a ledger) is "
        "required"));
  }
  if (args.Has("pseudonyms")) {
    return Fail(InvalidArgumentError(
        "--pseudonyms needs --data (a rating table names no principals)"));
  }
  StatusOr<statistics::Level> level =
      statistics::ParseLevel(args.Get("level", "nominal"));
  if (!level.ok()) return Fail(level.status().WithContext("--level"));
  StatusOr<statistics::RatingTable> table = LoadTable(args, false, *level);
  if (!table.ok()) return FailLoad(table.status());
  const statistics::AgreementReport report =
      statistics::ComputeAgreement(*table);
  const std::string source = args.Get("csv");
  if (args.Has("json")) {
    return PrintJson(
        render::RatingAgreementJson(*table, report, source, *level));
  }
  PrintAgreementText(*table, report, source, *level);
  return 0;
}

// ---- consilium aggregate ----------------------------------------------------

int RunDawidSkene(const Args& args, const statistics::RatingTable& t,
                  const std::string& source) {
  statistics::DawidSkeneOptions options;
  StatusOr<uint64_t> max_iterations = args.GetUint(
      "max-iterations", static_cast<uint64_t>(options.max_iterations));
  if (!max_iterations.ok()) return Fail(max_iterations.status());
  if (*max_iterations > 1000000) {
    return Fail(InvalidArgumentError("--max-iterations must be <= 1000000"));
  }
  options.max_iterations = static_cast<int32_t>(*max_iterations);
  StatusOr<double> tolerance = args.GetDouble("tolerance", options.tolerance);
  if (!tolerance.ok()) return Fail(tolerance.status());
  options.tolerance = *tolerance;
  StatusOr<double> smoothing = args.GetDouble("smoothing", options.smoothing);
  if (!smoothing.ok()) return Fail(smoothing.status());
  options.smoothing = *smoothing;
  StatusOr<statistics::DawidSkeneResult> ds =
      statistics::DawidSkene(t, options);
  if (!ds.ok()) return Fail(ds.status());
  const int32_t k_n = ds->num_classes;
  const bool finite_ll = std::isfinite(ds->log_likelihood);

  if (args.Has("json")) {
    return PrintJson(render::DawidSkeneJson(t, *ds, options, source));
  }

  std::printf("%s: Dawid-Skene, %s, %s, %s\n", source.c_str(),
              Plural(t.num_items(), "item").c_str(),
              Plural(t.num_raters(), "rater").c_str(),
              Plural(ds->ratings, "rating").c_str());
  std::printf("%s, %s; log-likelihood %s\n\n",
              Plural(ds->iterations, "iteration").c_str(),
              ds->converged ? "converged" : "not converged (iteration cap)",
              finite_ll ? FormatDouble(ds->log_likelihood).c_str()
                        : "undefined (underflow; try --smoothing)");
  // One column per class, headed by its label, after `leading` columns.
  auto class_columns = [&](std::vector<Table::Column> leading) {
    for (int32_t k = 0; k < k_n; ++k) {
      leading.push_back({t.category_label(k), Table::kRight});
    }
    return leading;
  };
  Table priors(class_columns({{"class"}}));
  std::vector<std::string> prior_row = {"prior"};
  for (int32_t k = 0; k < k_n; ++k)
    prior_row.push_back(Fixed(ds->priors[k], 4));
  priors.AddRow(std::move(prior_row));
  priors.Print();
  std::printf("\n");
  Table items(class_columns({{"item"}, {"label"}}));
  for (int32_t i = 0; i < t.num_items(); ++i) {
    const double* post = ds->posteriors.data() + static_cast<size_t>(i) * k_n;
    std::vector<std::string> cells = {t.item_id(i),
                                      t.category_label(ds->label(i))};
    for (int32_t k = 0; k < k_n; ++k) cells.push_back(Fixed(post[k], 4));
    items.AddRow(std::move(cells));
  }
  items.Print();
  std::printf("\nconfusion matrices: P(given label | true class)\n");
  for (int32_t r = 0; r < t.num_raters(); ++r) {
    std::printf("\n");
    Table confusion(class_columns({{t.rater_name(r)}}));
    for (int32_t k = 0; k < k_n; ++k) {
      std::vector<std::string> cells = {"  true " + t.category_label(k)};
      for (int32_t l = 0; l < k_n; ++l) {
        cells.push_back(Fixed(ds->confusion(r, k, l), 4));
      }
      confusion.AddRow(std::move(cells));
    }
    confusion.Print();
  }
  return 0;
}

int RunMajority(const Args& args, const statistics::RatingTable& t,
                const std::string& source) {
  const statistics::MajorityVoteResult mv = statistics::MajorityVote(t);
  const int32_t k_n = mv.num_classes;
  if (args.Has("json")) {
    return PrintJson(render::MajorityVoteJson(t, mv, source));
  }
  std::printf(
      "%s: majority vote (ties go to the first class in sorted "
      "order), %s, %s\n\n",
      source.c_str(), Plural(t.num_items(), "item").c_str(),
      Plural(t.num_ratings(), "rating").c_str());
  std::vector<Table::Column> columns = {{"item"}, {"label"}, {"tied"}};
  for (int32_t k = 0; k < k_n; ++k) {
    columns.push_back({t.category_label(k), Table::kRight});
  }
  Table table(std::move(columns));
  for (int32_t i = 0; i < t.num_items(); ++i) {
    std::vector<std::string> cells = {t.item_id(i),
                                      mv.labels[i] == statistics::kMissing
                                          ? "-"
                                          : t.category_label(mv.labels[i]),
                                      mv.tied[i] ? "yes" : ""};
    for (int32_t k = 0; k < k_n; ++k) {
      cells.push_back(Fixed(mv.vote_share(i, k), 4));
    }
    table.AddRow(std::move(cells));
  }
  table.Print();
  return 0;
}

int RunAggregate(const Args& args) {
  StatusOr<std::string> method = args.Require("method");
  if (!method.ok()) return Fail(method.status());
  if (*method != "dawid-skene" && *method != "majority") {
    return Fail(InvalidArgumentError(
        "--method expects dawid-skene or majority, got \"" + *method + "\""));
  }
  if (!args.Has("csv")) return Fail(InvalidArgumentError("--csv is required"));
  StatusOr<statistics::RatingTable> table =
      LoadTable(args, args.Has("long"), statistics::Level::kNominal);
  if (!table.ok()) return FailLoad(table.status());
  const std::string source = args.Get("csv");
  return *method == "majority" ? RunMajority(args, *table, source)
                               : RunDawidSkene(args, *table, source);
}

Registrar agreement_cmd(Command{
    .words = {"agreement"},
    .summary =
        "inter-rater agreement: percent agreement, Cohen, Fleiss, Krippendorff",
    .flags = {{"csv", "FILE",
               "a rating table: one row per item, one column per rater"},
              {"level", "nominal|ordinal|interval|ratio",
               "measurement level of the ratings in --csv (default nominal)"},
              {"item-column", "auto|first|none",
               "whether --csv's first column names the items (default auto)"},
              {"data", "DIR", "the ledger's directory"},
              {"project", "P", "project id (with --data)"},
              {"field", "F", "only this schema field"},
              {"batch", "B", "only this calibration batch"},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              {"threshold", "X", "flag fields whose agreement is below X"},
              {"pseudonyms", "", "raters by pseudonym (with --data)"},
              {"json", "", "print JSON instead of a table"},
              ProgressFlag(),
              QuietFlag()},
    .run = RunAgreement,
    .notes = "Two forms: --csv FILE [--level L] [--item-column C] for a plain "
             "rating table, or --data DIR --project P [--field F] [--batch B] "
             "[--as-of SEQ|TIME] [--threshold X] for the ledger."});
Registrar aggregate_cmd(Command{
    .words = {"aggregate"},
    .summary =
        "soft labels from ratings: Dawid-Skene posteriors or majority vote",
    .flags = {{"csv", "FILE", "the rating table", true},
              {"long", "", "--csv is long: item,rater,label rows"},
              {"method", "dawid-skene|majority", "how to aggregate", true},
              {"json", "", "print JSON instead of a table"},
              {"max-iterations", "N", "Dawid-Skene EM iterations at most"},
              {"tolerance", "X", "Dawid-Skene convergence tolerance"},
              {"smoothing", "A", "Dawid-Skene additive smoothing"},
              {"item-column", "auto|first|none",
               "whether a wide --csv's first column names the items"}},
    .run = RunAggregate});

}  // namespace
}  // namespace consilium::cli
