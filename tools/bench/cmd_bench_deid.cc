// `consilium bench deid`: scan speed of the de-identification detectors, in
// MB/s of note text on one core (issue 20: at least 5 MB/s). The corpus is
// generated here, deterministically (a fixed-seed generator): notes of a few
// hundred bytes to a few KiB mixing clinical prose, headers, lists and
// signatures with the identifiers the detectors look for and the look-alikes
// they must pass over (doses, vitals, lab values). Every note is scanned once
// per round on this thread; the figure is bytes scanned over wall time, with
// the process CPU time beside it. BENCHMARKS.md records figures.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "deid/detector.h"
#include "tools/bench/process_cpu.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;

// splitmix64: the same corpus on every machine.
struct Random {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  template <size_t N>
  const char* Pick(const char* const (&from)[N]) {
    return from[Next() % N];
  }
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Next() % (hi - lo + 1));
  }
};

const char* const kFirst[] = {"Hope", "Will", "John",   "Maria",   "Priya",
                              "Wei",  "Rose", "Dmitri", "Aaliyah", "Grace"};
const char* const kLast[] = {"Garcia",    "Okonkwo", "Smith",
                             "Nguyen",    "Brown",   "Kowalski",
                             "Abernathy", "Patel",   "Rossi"};
const char* const kProse[] = {
    "Patient reports intermittent chest pain radiating to the left arm, "
    "worse with exertion, relieved by rest. ",
    "Denies fever, chills, nausea or vomiting. Tolerating PO intake. ",
    "BP 132/84, HR 88, RR 16, SpO2 97% on RA, T 98.6F. ",
    "Continue oxycodone-acetaminophen 5/325 mg 1 tab q6h PRN pain. ",
    "Labs: Na 138, K 4.1, Cr 1.2, WBC 11.2, Hgb 10.4, Plt 245. ",
    "Assessment: community-acquired pneumonia (ICD-10 J18.9), improving. ",
    "History of type 2 diabetes since 2009 and hypertension. ",
    "Plan: repeat CXR in 6 weeks, follow up with PCP in 2 weeks. ",
    "A 67-year-old woman with COPD presenting with dyspnea. ",
    "Metoprolol 25 mg BID, lisinopril 10 mg daily, 1/2 tab at night. ",
};

std::string Identifier(Random& r) {
  char buf[160];
  switch (r.Next() % 10) {
    case 0:
      std::snprintf(buf, sizeof buf, "Seen by Dr. %s %s. ", r.Pick(kFirst),
                    r.Pick(kLast));
      break;
    case 1:
      std::snprintf(buf, sizeof buf, "Admitted on %02d/%02d/20%02d. ",
                    r.Int(1, 12), r.Int(1, 28), r.Int(10, 25));
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "MRN: %08d. ", r.Int(1, 99999999));
      break;
    case 3:
      std::snprintf(buf, sizeof buf, "Call (%03d) %03d-%04d. ", r.Int(201, 989),
                    r.Int(200, 999), r.Int(0, 9999));
      break;
    case 4:
      std::snprintf(buf, sizeof buf, "A %d-year-old man. ", r.Int(90, 104));
      break;
    case 5:
      std::snprintf(buf, sizeof buf,
                    "Lives at %d Oak Street, Springfield, "
                    "IL %05d. ",
                    r.Int(1, 9999), r.Int(10000, 99999));
      break;
    case 6:
      std::snprintf(buf, sizeof buf, "Email %s.%s@example.org. ",
                    r.Pick(kFirst), r.Pick(kLast));
      break;
    case 7:
      std::snprintf(buf, sizeof buf,
                    "Discussed with daughter %s on March "
                    "%dth. ",
                    r.Pick(kFirst), r.Int(4, 28));
      break;
    case 8:
      std::snprintf(buf, sizeof buf, "Portal: https://portal.example.org/p/%d ",
                    r.Int(1000, 9999));
      break;
    default:
      std::snprintf(buf, sizeof buf, "\n-- %s %s, MD\n", r.Pick(kFirst),
                    r.Pick(kLast));
  }
  return buf;
}

std::vector<std::string> Corpus(size_t bytes) {
  Random r{20261207};
  std::vector<std::string> notes;
  size_t total = 0;
  while (total < bytes) {
    std::string note = "PROGRESS NOTE\n";
    const int parts = r.Int(4, 30);
    for (int p = 0; p < parts; ++p) {
      note += (r.Next() % 3 == 0) ? Identifier(r) : std::string(r.Pick(kProse));
    }
    total += note.size();
    notes.push_back(std::move(note));
  }
  return notes;
}

int Run(const Args& args) {
  auto mb = args.GetDouble("mb", 16);
  auto rounds = args.GetUint("rounds", 3);
  if (!mb.ok()) return Fail(mb.status());
  if (!rounds.ok()) return Fail(rounds.status());
  if (!(*mb > 0 && *mb <= 4096) || *rounds < 1 || *rounds > 1000) {
    return Fail(InvalidArgumentError(
        "--mb must be in (0, 4096] and --rounds in [1, 1000]"));
  }
  auto detector = deid::Detector::Create({});
  if (!detector.ok()) return Fail(detector.status());
  std::vector<std::string> notes =
      Corpus(static_cast<size_t>(*mb * 1024 * 1024));
  size_t bytes = 0;
  for (const std::string& n : notes) bytes += n.size();
  double best_seconds = 0, cpu_seconds = 0;
  size_t hits = 0;
  for (uint64_t round = 0; round < *rounds; ++round) {
    hits = 0;
    const double cpu_start = ProcessCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& n : notes) hits += (*detector)->Scan(n).size();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (round == 0 || s < best_seconds) {
      best_seconds = s;
      cpu_seconds = ProcessCpuSeconds() - cpu_start;
    }
  }
  const double rate = static_cast<double>(bytes) / 1e6 / best_seconds;
  if (args.Has("json")) {
    return PrintJson(json::object{{"bytes", bytes},
                                  {"cpu_seconds", cpu_seconds},
                                  {"hits", hits},
                                  {"mb_per_s", rate},
                                  {"notes", notes.size()},
                                  {"rounds", *rounds},
                                  {"seconds", best_seconds},
                                  {"threads", 1}});
  }
  std::printf(
      "deid scan, one thread: %zu notes, %zu bytes, %zu hits; best "
      "of %llu rounds %.3f s (CPU %.3f s): %.1f MB/s\n",
      notes.size(), bytes, hits, static_cast<unsigned long long>(*rounds),
      best_seconds, cpu_seconds, rate);
  return 0;
}

Registrar bench_deid(Command{
    .words = {"bench", "deid"},
    .summary = "de-identification scan speed, MB/s of note text on one core",
    .flags = {{"mb", "MB", "size of the generated corpus (default 16)"},
              {"rounds", "N",
               "scans of the corpus; the best counts "
               "(default 3)"},
              {"json", "", "print JSON"}},
    .run = Run});

}  // namespace
}  // namespace consilium::cli
