// `consilium bench sealed [--records N] [--batch B] [--json]`: encryption at
// rest against plaintext, in one run on two scratch ledgers removed at the
// end (docs/encryption.md, "Performance"):
//   * import: N records (about 1 KiB of note text each) through the import
//     path (render::ParseRecordLines, CommandHandler::ImportRecords), B per
//     command, each command one durable write: plain ledger, then a ledger
//     with a key store (every record sealed under its own subject's data
//     key, so a key is created per record as well: KeyStore::CreateKeys,
//     two syncs per command);
//   * read: every record through render::ReadRecordDocument (what `record
//     show` and GET /v1/records/{id} return), opening the sealed content;
//   * known-subject import: N more records, each naming the subject of one
//     of the first N (a second note for a known patient: its key exists),
//     on the plain ledger without subjects;
//   * the encrypted rate as a fraction of the plain one, for each.
// Figures vary with the machine and what else runs: BENCHMARKS.md records
// them with the command that produced them.
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/aead.h"
#include "common/key_store.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "render/command_input.h"
#include "render/domain_json.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Rates {
  double import_per_s = 0;  // every record a new subject
  double read_per_s = 0;
  double import_known_per_s = 0;  // subjects whose data keys exist
};

// Imports records `prefix`0.. `prefix`N-1, `batch` a command; with
// `subject_prefix`, record i names subject `subject_prefix`i.
Status ImportAll(domain::CommandHandler& handler, const std::string& prefix,
                 const std::string& subject_prefix, uint64_t records,
                 uint64_t batch) {
  const std::string text(1000, 'n');
  for (uint64_t first = 0; first < records; first += batch) {
    std::vector<std::string> lines;
    for (uint64_t r = first; r < records && r < first + batch; ++r) {
      const std::string subject =
          subject_prefix.empty()
              ? ""
              : R"(,"subject":")" + subject_prefix + std::to_string(r) + "\"";
      lines.push_back(R"({"id":")" + prefix + std::to_string(r) +
                      R"(","text":")" + text + "\"" + subject + "}");
    }
    std::vector<domain::RecordLine> parsed = render::ParseRecordLines(lines);
    ASSIGN_OR_RETURN(domain::BulkReport report,
                     handler.ImportRecords("admin", "bench", parsed, false));
    if (!report.all_ok()) return InternalError("a bench record was rejected");
  }
  return OkStatus();
}

double PerSecond(uint64_t n, Clock::time_point start) {
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return s > 0 ? static_cast<double>(n) / s : 0;
}

StatusOr<Rates> RunMode(const std::string& dir, bool sealed, uint64_t records,
                        uint64_t batch) {
  RETURN_IF_ERROR(Ledger::Init(dir));
  std::unique_ptr<KeyStore> store;
  if (sealed) {
    ASSIGN_OR_RETURN(std::string kek, RandomBytes(kAeadKeyBytes));
    ASSIGN_OR_RETURN(store, KeyStore::Create(dir + "/keys", std::move(kek)));
  }
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {}));
  ASSIGN_OR_RETURN(auto handler,
                   domain::CommandHandler::Open(
                       ledger.get(), {.content_keys = {sealed, store.get()}}));
  RETURN_IF_ERROR(
      handler->CreateProject("admin", {.id = "bench", .name = "Bench"})
          .status());
  Rates rates;
  auto start = Clock::now();
  RETURN_IF_ERROR(ImportAll(*handler, "r", "", records, batch));
  rates.import_per_s = PerSecond(records, start);
  start = Clock::now();
  for (uint64_t r = 0; r < records; ++r) {
    ASSIGN_OR_RETURN(
        json::object doc,
        render::ReadRecordDocument(*handler, *ledger, "r" + std::to_string(r)));
    if (!doc.contains("content")) return InternalError("no content read");
  }
  rates.read_per_s = PerSecond(records, start);
  // A second note for each patient: sealed under the key the first import
  // created (a plain ledger keeps no subjects, so its records name none).
  start = Clock::now();
  RETURN_IF_ERROR(ImportAll(*handler, "k", sealed ? "r" : "", records, batch));
  rates.import_known_per_s = PerSecond(records, start);
  return rates;
}

int Run(const Args& args) {
  auto records = args.GetUint("records", 20'000);
  if (!records.ok()) return Fail(records.status());
  auto batch = args.GetUint("batch", 100);
  if (!batch.ok()) return Fail(batch.status());
  if (*records == 0 || *batch == 0)
    return Fail(InvalidArgumentError("--records and --batch must be >= 1"));
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "consilium-bench-sealed-XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return Fail(InternalError("cannot create a scratch directory"));
  StatusOr<Rates> plain = RunMode(tmpl + "/plain", false, *records, *batch);
  StatusOr<Rates> sealed =
      plain.ok() ? RunMode(tmpl + "/sealed", true, *records, *batch)
                 : plain.status();
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  if (!sealed.ok()) return Fail(sealed.status(), 1);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  if (args.Has("json")) {
    json::object o;
    o["records"] = *records;
    o["batch"] = *batch;
    o["plain"] = {{"import_per_s", plain->import_per_s},
                  {"read_per_s", plain->read_per_s},
                  {"import_known_per_s", plain->import_known_per_s}};
    o["sealed"] = {{"import_per_s", sealed->import_per_s},
                   {"read_per_s", sealed->read_per_s},
                   {"import_known_per_s", sealed->import_known_per_s}};
    o["import_ratio"] = ratio(sealed->import_per_s, plain->import_per_s);
    o["read_ratio"] = ratio(sealed->read_per_s, plain->read_per_s);
    o["import_known_ratio"] =
        ratio(sealed->import_known_per_s, plain->import_known_per_s);
    return PrintJsonLine(o);
  }
  std::printf("%llu records of 1 KB, %llu per import command\n",
              static_cast<unsigned long long>(*records),
              static_cast<unsigned long long>(*batch));
  std::printf("%-8s %14s %14s %18s\n", "mode", "import rec/s", "read rec/s",
              "known-subject rec/s");
  std::printf("%-8s %14.0f %14.0f %18.0f\n", "plain", plain->import_per_s,
              plain->read_per_s, plain->import_known_per_s);
  std::printf("%-8s %14.0f %14.0f %18.0f\n", "sealed", sealed->import_per_s,
              sealed->read_per_s, sealed->import_known_per_s);
  std::printf(
      "sealed/plain: import %.3f, read %.3f, known-subject import %.3f\n",
      ratio(sealed->import_per_s, plain->import_per_s),
      ratio(sealed->read_per_s, plain->read_per_s),
      ratio(sealed->import_known_per_s, plain->import_known_per_s));
  return 0;
}

Registrar bench_sealed(Command{
    .words = {"bench", "sealed"},
    .summary = "record import and read throughput, plaintext against "
               "encryption at rest",
    .flags = {{"records", "N", "records per mode (default 20000)"},
              {"batch", "B", "records per import command (default 100)"},
              {"json", "", "print JSON"}},
    .run = Run});

}  // namespace
}  // namespace consilium::cli
