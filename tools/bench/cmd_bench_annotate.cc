// `consilium bench annotate`: validated annotation submissions through
// domain::CommandHandler (reasoning-aware schema dx-reasoning and its
// example annotation, validated against the example record) beside raw
// ledger appends of the same events, in the same run, at the same number of
// operations in flight. The raw path builds each event on the submitting
// thread (its own annotation id, so its own bytes and hash), exactly the
// event the validated path would append, and appends it with no parsing, no
// validation and no state: the difference between the two is what
// validation and command handling cost. The ratio is what we track (target >=
// 0.8: validation must not be the bottleneck). Each path runs under two
// harnesses (a few submitting threads with asynchronous calls; one thread per
// operation with synchronous calls) and is credited with its better one.
// Rounds alternate raw and validated so drift on a shared machine hits both.
// BENCHMARKS.md records figures.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "common/canonical_json.h"
#include "common/input.h"
#include "common/strict_json.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "render/command_input.h"
#include "schemas/event_json.h"
#include "tools/bench/bench_examples.h"
#include "tools/bench/process_cpu.h"
#include "tools/cli.h"
#include "tools/input_limits.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using domain::CommandHandler;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct ScratchDir {
  std::string path;
  ScratchDir(const std::string& base, const std::string& name) {
    path = base + "/consilium-bench-annotate-" + name + "-" +
           std::to_string(::getpid());
    std::filesystem::remove_all(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

struct Figures {
  uint64_t events = 0;
  double seconds = 0;
  // The process's CPU time during the run: every thread (submitters, the
  // ledger's and RocksDB's), so per event it is the whole path's cost. Less
  // sensitive than throughput to other load on a shared machine.
  double cpu_seconds = 0;
  std::vector<double> latency_us;
};

// `threads` submitting threads, each keeping `per_thread` asynchronous
// operations outstanding for `seconds`: `op(thread, i, done)` starts one
// (on the submitting thread: that is where validation and encoding run) and
// `done(ok)` reports its completion (from the ledger's acknowledger thread).
template <typename Op>
Figures RunAsync(int threads, int per_thread, double seconds, Op op) {
  struct Lane {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0;
    std::vector<double> lat;
  };
  std::vector<Lane> lanes(threads);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> ts;
  const double cpu_start = ProcessCpuSeconds();
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      Lane& lane = lanes[t];
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed) && !failed;
           ++i) {
        {
          std::unique_lock l(lane.mu);
          lane.cv.wait(l, [&] { return lane.outstanding < per_thread; });
          ++lane.outstanding;
        }
        auto s = Clock::now();
        op(t, i, [&, s](const Status& st) {
          double us =
              std::chrono::duration<double, std::micro>(Clock::now() - s)
                  .count();
          if (!st.ok() && !failed.exchange(true))
            std::fprintf(stderr, "bench: %s\n", st.ToString().c_str());
          if (st.ok()) total.fetch_add(1, std::memory_order_relaxed);
          std::lock_guard l(lane.mu);
          lane.lat.push_back(us);
          --lane.outstanding;
          lane.cv.notify_all();
        });
      }
      std::unique_lock l(lane.mu);
      lane.cv.wait(l, [&] { return lane.outstanding == 0; });
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  Figures f;
  f.seconds = Seconds(Clock::now() - start);
  f.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  f.events = failed ? 0 : total.load();
  for (auto& l : lanes)
    f.latency_us.insert(f.latency_us.end(), l.lat.begin(), l.lat.end());
  return f;
}

// `threads` threads, each calling the synchronous `op(thread, i)` in a loop.
template <typename Op>
Figures RunSync(int threads, double seconds, Op op) {
  return RunAsync(threads, 1, seconds,
                  [&](int t, uint64_t i, auto done) { done(op(t, i)); });
}

json::object Summary(Figures& f) {
  json::object o;
  std::sort(f.latency_us.begin(), f.latency_us.end());
  auto pct = [&](size_t num) {
    if (f.latency_us.empty()) return int64_t{0};
    return static_cast<int64_t>(std::llround(f.latency_us[std::min(
        f.latency_us.size() - 1, f.latency_us.size() * num / 100)]));
  };
  o["per_second"] = static_cast<int64_t>(
      std::llround(f.seconds > 0 ? f.events / f.seconds : 0));
  o["events"] = f.events;
  o["p50_us"] = pct(50);
  o["p99_us"] = pct(99);
  o["cpu_us_per_event"] =
      f.events > 0 ? std::round(f.cpu_seconds / f.events * 1e7) / 10 : 0.0;
  return o;
}

void Merge(Figures& into, Figures&& f) {
  into.events += f.events;
  into.seconds += f.seconds;
  into.cpu_seconds += f.cpu_seconds;
  into.latency_us.insert(into.latency_us.end(), f.latency_us.begin(),
                         f.latency_us.end());
}

int BenchAnnotate(const Args& args) {
  auto inflight = args.GetUint("inflight", 64);
  auto submitters = args.GetUint(
      "threads", std::max(1u, std::thread::hardware_concurrency()));
  auto secs = args.GetDouble("seconds", 3);
  auto rounds = args.GetUint("rounds", 2);
  if (!inflight.ok()) return Fail(inflight.status());
  if (!submitters.ok()) return Fail(submitters.status());
  if (!secs.ok()) return Fail(secs.status());
  if (!rounds.ok()) return Fail(rounds.status());
  if (*inflight == 0 || *inflight > 4096 || *submitters == 0 ||
      *submitters > 256 || *rounds == 0) {
    return Fail(InvalidArgumentError(
        "--inflight in [1, 4096], --threads in [1, 256], --rounds >= 1"));
  }
  std::filesystem::path ex = ExamplesDir(args);
  auto schema = Slurp(ex / "dx-reasoning.json");
  auto record = Slurp(ex / "annotations/dx-reasoning.record.json");
  auto values = Slurp(ex / "annotations/dx-reasoning.values.json");
  for (const auto* s : {&schema, &record, &values}) {
    if (!s->ok()) return Fail(s->status().WithContext("--examples"));
  }
  std::string base =
      args.Get("dir", std::filesystem::temp_directory_path().string());

  // Validated path: a handler over its own ledger, set up like a project.
  ScratchDir vdir(base, "validated");
  if (Status s = Ledger::Init(vdir.path); !s.ok()) return Fail(s);
  auto vledger = Ledger::Open(vdir.path, {});
  if (!vledger.ok()) return Fail(vledger.status());
  auto handler = CommandHandler::Open(vledger->get(), {});
  if (!handler.ok()) return Fail(handler.status());
  CommandHandler& h = **handler;
  {
    // The record import line: the example record's shape plus an id.
    json::value rec;
    if (!ParseStrictJson(*record, {}, rec).ok() || !rec.is_object())
      return Fail(InvalidArgumentError("example record is not a JSON object"));
    rec.get_object()["id"] = "rec-1";
    if (rec.get_object().contains("images") &&
        rec.get_object()["images"].as_array().empty()) {
      rec.get_object().erase("images");
    }
    std::vector<std::string> lines = {
        WriteStoredJson(rec, JsonStyle::kCompact)};
    Status s = h.RegisterPrincipal(
                    "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
                   .status();
    if (s.ok())
      s = h.CreateProject("admin", {.id = "bench", .name = "Bench"}).status();
    if (s.ok())
      s = h.RegisterPrincipal(
               "admin",
               {.id = "dr-bench", .roles = {{fb::Role::Annotator, "bench"}}})
              .status();
    if (s.ok()) s = h.PublishSchema("admin", *schema).status();
    if (s.ok()) {
      auto r = h.ImportRecords("admin", "bench",
                               render::ParseRecordLines(lines), true);
      s = !r.ok() ? r.status() : r->all_ok() ? OkStatus() : r->lines[0].status;
    }
    if (s.ok()) s = h.Assign("admin", "bench", "rec-1", "dr-bench").status();
    if (!s.ok()) return Fail(s.WithContext("bench setup"));
  }
  const uint32_t version = h.Read([](const domain::DomainState& s) {
    return s.LatestSchemaVersion("dx-reasoning");
  });

  // Raw path: the same event bytes, appended without validation.
  ScratchDir rdir(base, "raw");
  if (Status s = Ledger::Init(rdir.path); !s.ok()) return Fail(s);
  auto rledger = Ledger::Open(rdir.path, {});
  if (!rledger.ok()) return Fail(rledger.status());
  // Ids the same length as the validated run's ("a-TT-IIIIIIII"), so the
  // events have the same size.
  auto id_of = [](uint64_t t, uint64_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "a-%02llu-%08llu",
                  static_cast<unsigned long long>(t),
                  static_cast<unsigned long long>(i));
    return std::string(buf);
  };
  auto proto = [&](uint64_t t, uint64_t i) {
    return MakeAnnotationSubmitted({"dr-bench", ""},
                                   {.annotation_id = id_of(t, i),
                                    .project_id = "bench",
                                    .record_id = "rec-1",
                                    .annotator_id = "dr-bench",
                                    .schema_id = "dx-reasoning",
                                    .schema_version = version,
                                    .values = *values});
  };
  const EventDraft size_probe = proto(0, 0);

  const int nthreads =
      static_cast<int>(std::min<uint64_t>(*submitters, *inflight));
  const int per_thread =
      static_cast<int>((*inflight + nthreads - 1) / nthreads);
  // Two harnesses, both at `inflight` operations in flight: a few
  // submitting threads using the asynchronous APIs, and one thread per
  // operation using the synchronous ones. Each path's figure is its better
  // harness, so the ratio never flatters the validated path.
  Figures raw_async, raw_sync, val_async, val_sync;
  uint64_t round_offset = 0;
  auto submit = [&](int t, uint64_t i) {
    return domain::SubmitAnnotationCommand{
        .annotation_id = id_of(t, round_offset + i),
        .record_id = "rec-1",
        .annotator_id = "dr-bench",
        .schema_id = "dx-reasoning",
        .schema_version = version,
        .values = *values};
  };
  const int sync_threads = static_cast<int>(*inflight);
  for (uint64_t round = 0; round < *rounds; ++round) {
    Merge(raw_async,
          RunAsync(nthreads, per_thread, *secs,
                   [&](int t, uint64_t i, auto done) {
                     (*rledger)->AppendAsync(
                         proto(t, round_offset + i),
                         [done](StatusOr<Committed> c) { done(c.status()); });
                   }));
    Merge(val_async,
          RunAsync(nthreads, per_thread, *secs,
                   [&](int t, uint64_t i, auto done) {
                     h.SubmitAnnotationAsync(
                         "dr-bench", submit(t, i),
                         [done](StatusOr<Committed> c) { done(c.status()); });
                   }));
    round_offset += 10'000'000;  // ids stay unique across runs
    Merge(raw_sync, RunSync(sync_threads, *secs, [&](int t, uint64_t i) {
            return (*rledger)->Append(proto(t, round_offset + i)).status();
          }));
    Merge(val_sync, RunSync(sync_threads, *secs, [&](int t, uint64_t i) {
            return h.SubmitAnnotation("dr-bench", submit(t, i)).status();
          }));
    round_offset += 10'000'000;
  }
  auto rate = [](const Figures& f) {
    return f.seconds > 0 ? f.events / f.seconds : 0;
  };
  Figures& raw = rate(raw_async) >= rate(raw_sync) ? raw_async : raw_sync;
  Figures& validated = rate(val_async) >= rate(val_sync) ? val_async : val_sync;
  if (raw.events == 0 || validated.events == 0)
    return Fail(InternalError("a benchmark run failed"), 1);

  json::object out;
  out["schema"] = "dx-reasoning@" + std::to_string(version);
  out["event_bytes"] = size_probe.bytes().size();
  out["values_bytes"] = values->size();
  out["inflight"] = *inflight;
  out["submitting_threads"] = nthreads;
  out["rounds"] = *rounds;
  out["seconds_per_run"] = *secs;
  out["cores"] = std::thread::hardware_concurrency();
  const bool raw_is_async = &raw == &raw_async;
  const bool val_is_async = &validated == &val_async;
  json::object r = Summary(raw);
  json::object v = Summary(validated);
  double rr = static_cast<double>(r["per_second"].as_int64());
  double vv = static_cast<double>(v["per_second"].as_int64());
  r["harness"] = raw_is_async ? "async" : "sync_threads";
  v["harness"] = val_is_async ? "async" : "sync_threads";
  out["raw_ledger_append"] = r;
  out["validated_annotation_submit"] = v;
  json::object all;
  all["raw_async"] = Summary(raw_async);
  all["raw_sync_threads"] = Summary(raw_sync);
  all["validated_async"] = Summary(val_async);
  all["validated_sync_threads"] = Summary(val_sync);
  out["runs"] = all;
  out["ratio_validated_vs_raw"] =
      rr > 0 ? std::round(vv / rr * 1000) / 1000 : 0;
  out["target_ratio"] = 0.8;
  if (args.Has("json")) {
    std::printf("%s\n", WriteStoredJson(out, JsonStyle::kCompact).c_str());
  } else {
    for (const auto& kv : out) {
      std::printf("%-30s %s\n", std::string(kv.key()).c_str(),
                  WriteStoredJson(kv.value(), JsonStyle::kCompact).c_str());
    }
  }
  return 0;
}

Registrar bench_annotate(Command{
    .words = {"bench", "annotate"},
    .summary = "validated annotation submits vs raw ledger appends of the "
               "same events",
    .flags = {{"inflight", "N", "submits in flight (default 64)"},
              {"threads", "T", "submitting threads (default: all cores)"},
              {"seconds", "S", "duration of each round (default 3)"},
              {"rounds", "R", "rounds (default 2)"},
              {"dir", "DIR", "scratch directory (default: the temp dir)"},
              {"examples", "DIR", "schemas/examples (default: found nearby)"},
              {"json", "", "print JSON"}},
    .run = BenchAnnotate});

}  // namespace
}  // namespace consilium::cli
