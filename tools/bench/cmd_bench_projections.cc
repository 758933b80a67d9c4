// `consilium bench projections [--annotations N] [--records R]
//                              [--data DIR [--fill-only]] [--json]`:
// the projection engine's figures (docs/statistics.md, "Ledger-backed
// analytics: performance"), all in one run:
//   * a ledger of N annotation events (default 200,000) on R records
//     (default 40,000) by 5 annotators, one small triage schema (one
//     categorical decision and a probability confidence), written in
//     batches with Ledger::AppendAll. In a scratch directory removed at the
//     end, or with --data in DIR, kept: a later run with the same N and R
//     reuses it without filling (so a 10M-event ledger is filled once, and
//     the RSS of a run that reuses it holds no memory of the fill);
//     --fill-only stops after filling DIR;
//   * raw scan, the like-for-like baseline of a rebuild: Ledger::Scan over
//     every event without recomputing hashes (with_hashes = false, as the
//     rebuild scans), so each event's bytes are still read from RocksDB,
//     copied and checked by the FlatBuffers verifier, and its body is
//     touched (type and table), but nothing is decoded or applied;
//   * full rebuild: BuildStateAsOf(head), the same scan plus Apply (value
//     extraction and validation included); annotation events per second and
//     the ratio to the raw scan (targets >= 500k/s and >= 0.5);
//   * memory: RSS (VmRSS) just before the rebuilds and with the rebuilt state
//     alive just after them, and the peak (getrusage ru_maxrss), before the
//     incremental and statistics sections allocate anything (target: <= 2 GB
//     after a rebuild of 10M events; measure it with --data in a process that
//     did not fill the ledger);
//   * incremental update: the last 10,000 annotation events applied one at a
//     time to the state of the events before them; median microseconds
//     (target <= 20);
//   * statistics over 1M synthetic ratings in memory (200k records x 5
//     annotators, 5 categories, seeded): ComputeAgreement (every kappa and
//     alpha variant; target <= 1 s) and Dawid-Skene, exactly 50 iterations
//     (target <= 3 s).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/engine.h"
#include "statistics/agreement.h"
#include "statistics/dawid_skene.h"
#include "statistics/rating_table.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

constexpr char kBenchSchema[] = R"({
  "id": "bench-triage", "version": 1, "title": "Bench triage",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive",
     "required": true,
     "categories": [{"code": "c0"}, {"code": "c1"}, {"code": "c2"},
                    {"code": "c3"}, {"code": "c4"}]},
    {"name": "confidence", "type": "confidence", "layer": "interpretive"}
  ]})";

struct ScratchDir {
  std::string path;
  bool keep = false;
  ScratchDir() {
    path = (std::filesystem::temp_directory_path() /
            ("consilium-bench-projections-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(path);
  }
  ~ScratchDir() {
    if (!keep) std::filesystem::remove_all(path);
  }
};

// The resident set size now (VmRSS of /proc/self/status), in KiB; -1 when
// it cannot be read.
int64_t CurrentRssKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

int64_t PeakRssKib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// The number of events Fill writes.
uint64_t FilledEvents(uint64_t annotations, uint64_t records) {
  return 7 + records + annotations;
}

Status Fill(Ledger& ledger, uint64_t annotations, uint64_t records) {
  const EventHeader admin{"admin", ""};
  std::vector<EventDraft> batch;
  batch.push_back(MakeProjectCreated(admin, "bench", "Bench"));
  for (int a = 0; a < 5; ++a) {
    PrincipalRegisteredFields f;
    const std::string id = "ann" + std::to_string(a);
    f.principal_id = id;
    batch.push_back(MakePrincipalRegistered(admin, f));
  }
  SchemaPublishedFields s;
  s.schema_id = "bench-triage";
  s.version = 1;
  s.definition = kBenchSchema;
  batch.push_back(MakeSchemaPublished(admin, s));
  RETURN_IF_ERROR(ledger.AppendAll(std::move(batch)).status());
  batch.clear();
  for (uint64_t r = 0; r < records; ++r) {
    batch.push_back(MakeRecordImported(admin, "r" + std::to_string(r), "bench",
                                       R"({"text":"bench record"})", "{}"));
    if (batch.size() == 2000) {
      RETURN_IF_ERROR(ledger.AppendAll(std::move(batch)).status());
      batch.clear();
    }
  }
  std::mt19937_64 rng(42);
  for (uint64_t i = 0; i < annotations; ++i) {
    const uint64_t record = i / 5 % records;
    const int annotator = static_cast<int>(i % 5);
    const std::string values = R"({"confidence":0.)" +
                               std::to_string(5 + rng() % 5) + R"(,"dx":"c)" +
                               std::to_string(rng() % 5) + R"("})";
    const std::string id = "a" + std::to_string(i);
    const std::string rec = "r" + std::to_string(record);
    const std::string who = "ann" + std::to_string(annotator);
    AnnotationSubmittedFields f;
    f.annotation_id = id;
    f.project_id = "bench";
    f.record_id = rec;
    f.annotator_id = who;
    f.schema_id = "bench-triage";
    f.schema_version = 1;
    f.values = values;
    batch.push_back(MakeAnnotationSubmitted({who, ""}, f));
    if (batch.size() == 2000 || i + 1 == annotations) {
      RETURN_IF_ERROR(ledger.AppendAll(std::move(batch)).status());
      batch.clear();
    }
  }
  return OkStatus();
}

int Run(const Args& args) {
  auto annotations = args.GetUint("annotations", 200'000);
  if (!annotations.ok()) return Fail(annotations.status());
  auto records = args.GetUint("records", 40'000);
  if (!records.ok()) return Fail(records.status());
  if (*records == 0 || *annotations < 10'000) {
    return Fail(InvalidArgumentError(
        "--records must be > 0 and --annotations >= 10000"));
  }
  ScratchDir scratch;
  std::string dir = scratch.path;
  bool reuse = false;
  if (args.Has("data")) {
    scratch.keep = true;
    dir = args.Get("data");
    reuse = std::filesystem::exists(std::filesystem::path(dir) / "CURRENT");
  }
  const uint64_t expected = FilledEvents(*annotations, *records);
  if (!reuse) {
    if (Status s = Ledger::Init(dir); !s.ok()) return Fail(s);
  }
  LedgerOptions ledger_options;
  ledger_options.read_only = reuse;
  auto ledger = Ledger::Open(dir, ledger_options);
  if (!ledger.ok()) return Fail(ledger.status());
  double fill_s = 0;
  if (!reuse) {
    const auto fill_start = Clock::now();
    if (Status s = Fill(**ledger, *annotations, *records); !s.ok())
      return Fail(s);
    fill_s = Seconds(Clock::now() - fill_start);
  }
  const uint64_t head = (*ledger)->head().seq;
  if (args.Has("fill-only")) {
    if (!args.Has("data")) {
      return Fail(InvalidArgumentError("--fill-only needs --data DIR"));
    }
    std::printf("%s holds %llu events (filled in %.1f s)\n", dir.c_str(),
                static_cast<unsigned long long>(head), fill_s);
    return head == expected ? 0 : 1;
  }
  if (head != expected) {
    return Fail(FailedPreconditionError(
        dir + " holds " + std::to_string(head) + " events, not the " +
        std::to_string(expected) +
        " this --annotations/--records fill writes; use the same counts or "
        "an empty --data directory"));
  }

  // Raw scan and rebuild, alternated twice; each credited with its best. The
  // last rebuilt state stays alive for the RSS reading.
  double scan_s = 1e30, rebuild_s = 1e30;
  uint64_t touched = 0;
  const int64_t rss_before_kib = CurrentRssKib();
  std::optional<p::AnalyticsState> rebuilt;
  for (int round = 0; round < 2; ++round) {
    auto t0 = Clock::now();
    Status s = (*ledger)->Scan(
        1, 0,
        [&](const StoredEvent& e) {
          const fb::Event* ev = e.event();
          touched += static_cast<uint64_t>(ev->body_type()) +
                     (ev->body() != nullptr ? 1 : 0);
          return true;
        },
        /*with_hashes=*/false);
    if (!s.ok()) return Fail(s);
    scan_s = std::min(scan_s, Seconds(Clock::now() - t0));
    rebuilt.reset();
    t0 = Clock::now();
    StatusOr<p::AnalyticsState> state = p::BuildStateAsOf(**ledger, head);
    if (!state.ok()) return Fail(state.status());
    rebuild_s = std::min(rebuild_s, Seconds(Clock::now() - t0));
    rebuilt.emplace(std::move(*state));
  }
  const int64_t rss_after_kib = CurrentRssKib();
  const int64_t rss_kib = PeakRssKib();
  const uint64_t state_annotations = rebuilt->annotations().size();
  rebuilt.reset();

  // Incremental: the last 10,000 events one at a time.
  const uint64_t tail = 10'000;
  StatusOr<p::AnalyticsState> base = p::BuildStateAsOf(**ledger, head - tail);
  if (!base.ok()) return Fail(base.status());
  std::vector<double> per_event_us;
  per_event_us.reserve(tail);
  Status s = (*ledger)->Scan(head - tail + 1, 0, [&](const StoredEvent& e) {
    const auto t0 = Clock::now();
    base->Apply(e, ledger->get());
    per_event_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    return true;
  });
  if (!s.ok()) return Fail(s);
  std::sort(per_event_us.begin(), per_event_us.end());
  const double median_us = per_event_us[per_event_us.size() / 2];
  const double p99_us = per_event_us[per_event_us.size() * 99 / 100];

  // Statistics on 1M synthetic ratings: 200k items x 5 raters, 5 categories,
  // each rater right with probability 0.7.
  const int32_t items = 200'000, raters = 5, classes = 5;
  std::vector<std::string> item_ids, rater_names, labels;
  for (int32_t i = 0; i < items; ++i)
    item_ids.push_back("i" + std::to_string(i));
  for (int32_t r = 0; r < raters; ++r)
    rater_names.push_back("r" + std::to_string(r));
  for (int32_t c = 0; c < classes; ++c) labels.push_back(std::to_string(c));
  std::vector<statistics::Rating> ratings;
  ratings.reserve(static_cast<size_t>(items) * raters);
  std::mt19937_64 rng(7);
  for (int32_t i = 0; i < items; ++i) {
    const int32_t truth = static_cast<int32_t>(rng() % classes);
    for (int32_t r = 0; r < raters; ++r) {
      const int32_t given =
          rng() % 10 < 7 ? truth : static_cast<int32_t>(rng() % classes);
      ratings.push_back({i, r, given});
    }
  }
  StatusOr<statistics::RatingTable> table =
      statistics::RatingTable::FromRatings(
          std::move(item_ids), std::move(rater_names), std::move(labels),
          std::move(ratings), statistics::Level::kOrdinal);
  if (!table.ok()) return Fail(table.status());
  auto t0 = Clock::now();
  const statistics::AgreementReport report =
      statistics::ComputeAgreement(*table);
  const double agreement_s = Seconds(Clock::now() - t0);
  statistics::DawidSkeneOptions options;
  options.max_iterations = 50;
  options.tolerance = 0;
  t0 = Clock::now();
  StatusOr<statistics::DawidSkeneResult> ds =
      statistics::DawidSkene(*table, options);
  const double ds_s = Seconds(Clock::now() - t0);
  if (!ds.ok()) return Fail(ds.status());

  const double scan_rate = head / scan_s;
  const double rebuild_rate = head / rebuild_s;
  const double annotation_rate = static_cast<double>(*annotations) / rebuild_s;
  json::object o;
  o["events"] = head;
  o["annotation_events"] = *annotations;
  o["records"] = *records;
  o["fill_seconds"] = fill_s;
  o["raw_scan_seconds"] = scan_s;
  o["raw_scan_events_per_second"] = scan_rate;
  o["rebuild_seconds"] = rebuild_s;
  o["rebuild_events_per_second"] = rebuild_rate;
  o["rebuild_annotation_events_per_second"] = annotation_rate;
  o["rebuild_to_scan_ratio"] = rebuild_rate / scan_rate;
  o["incremental_events"] = tail;
  o["incremental_median_us"] = median_us;
  o["incremental_p99_us"] = p99_us;
  o["stats_ratings"] = table->num_ratings();
  o["agreement_all_variants_seconds"] = agreement_s;
  o["krippendorff_alpha_ordinal"] =
      report.krippendorff_alpha_ordinal.value
          ? json::value(*report.krippendorff_alpha_ordinal.value)
          : json::value();
  o["dawid_skene_50_iterations_seconds"] = ds_s;
  o["dawid_skene_iterations"] = ds->iterations;
  o["ledger_reused"] = reuse;
  o["state_annotations"] = state_annotations;
  o["rss_kib_before_rebuild"] = rss_before_kib;
  o["rss_kib_after_rebuild"] = rss_after_kib;
  o["max_rss_kib_after_rebuild"] = rss_kib;
  o["targets_met"] = annotation_rate >= 500'000 &&
                     rebuild_rate / scan_rate >= 0.5 && median_us <= 20 &&
                     agreement_s <= 1 && ds_s <= 3;
  o["checksum"] = touched;  // keeps the raw scan's work observable
  if (args.Has("json")) return PrintJson(o);
  std::printf(
      "%llu events (%llu annotations on %llu records)\n"
      "raw scan           %10.0f events/s\n"
      "full rebuild       %10.0f events/s (%.0f annotation events/s), "
      "%.2f of the raw scan\n"
      "incremental update median %.2f us, p99 %.2f us per event\n"
      "agreement, every variant, 1M ratings: %.3f s\n"
      "Dawid-Skene, 50 iterations, 1M ratings: %.3f s\n"
      "RSS before rebuild %lld KiB, after (state alive) %lld KiB, "
      "peak %lld KiB%s\n",
      static_cast<unsigned long long>(head),
      static_cast<unsigned long long>(*annotations),
      static_cast<unsigned long long>(*records), scan_rate, rebuild_rate,
      annotation_rate, rebuild_rate / scan_rate, median_us, p99_us, agreement_s,
      ds_s, static_cast<long long>(rss_before_kib),
      static_cast<long long>(rss_after_kib), static_cast<long long>(rss_kib),
      reuse ? " (ledger reused, no fill in this process)" : "");
  return 0;
}

Registrar bench_projections(Command{
    .words = {"bench", "projections"},
    .summary = "projection engine rebuild, incremental update and "
               "agreement/Dawid-Skene timings",
    .flags = {{"annotations", "N", "annotations (default 200000)"},
              {"records", "R", "records (default 40000)"},
              {"data", "DIR", "keep and reuse the filled ledger here"},
              {"fill-only", "", "fill --data and stop"},
              {"json", "", "print JSON"}},
    .run = Run});

}  // namespace
}  // namespace consilium::cli
