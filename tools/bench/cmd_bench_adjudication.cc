// `consilium bench adjudication`: the adjudication engine through the
// library (issue 15, "Performance"; figures go into BENCHMARKS.md with the
// command that produced them):
//
//   setup    a scratch ledger: a project (overlap 3), a one-field ordinal
//            schema, 3 annotators and --adjudicators adjudicators, then
//            --items records with three disagreeing annotations each
//            (3 x --items annotation events; default 333,334 items, so
//            just over 1M), appended raw in large synced batches;
//   rebuild  CommandHandler::Open with the AdjudicationModel attached: the
//            restart path, rebuilding the domain state, every queue and
//            lease from the ledger (and, beside it, the domain state alone);
//   cycles   --adjudicators concurrent adjudicators running Claim then
//            Decide through AdjudicationCommands for --seconds (or until the
//            queue is empty), every claim and decision a durable event
//            (group commit); cycles/s, claim and cycle latency. Twice: as a
//            server runs them (claim_decide: ClaimAsync/DecideAsync, every
//            adjudicator in flight at once on --drivers threads that post
//            each next step), and one blocked thread per adjudicator
//            (claim_decide_threads: Claim/Decide);
//   raw      as many claim-sized events in flight, appended straight to a
//            fresh ledger for as long, the same two ways (AppendAsync on the
//            drivers; Append on a thread each): the raw append rates, and
//            each cycles' event rate as a ratio of its raw rate;
//   queue    claim latency of the queue model alone (Queue::CheckClaim, the
//            claim's O(log n) part) at --small and --large queued items
//            (default 10k and 1M), p50/p99 over --probes claims.
//
// --json prints one compact JSON object; otherwise one "key value" line
// per figure. Small numbers (--items 300 --seconds 0.2 --large 5000) make
// it a smoke test (ctest bench_adjudication_smoke).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "adjudication/queue.h"
#include "common/canonical_json.h"
#include "common/clock.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "schemas/event.h"
#include "tools/bench/adjudication_ledger.h"
#include "tools/bench/async_drivers.h"
#include "tools/bench/process_cpu.h"
#include "tools/cli.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kProject = kBenchProject;
constexpr const auto& kLevels = kBenchLevels;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct ScratchDir {
  std::string path;
  ScratchDir(const std::string& base, const std::string& name) {
    path = base + "/consilium-bench-adjudication-" + name + "-" +
           std::to_string(::getpid());
    std::filesystem::remove_all(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

// {"per_second", "p50_us", "p99_us", "count"} of a set of latencies.
json::object Latency(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto pct = [&](size_t num) {
    if (us.empty()) return 0.0;
    return std::round(us[std::min(us.size() - 1, us.size() * num / 100)] * 10) /
           10;
  };
  json::object o;
  o["count"] = us.size();
  o["p50_us"] = pct(50);
  o["p99_us"] = pct(99);
  return o;
}

Status BuildLedger(const std::string& dir, uint64_t items,
                   uint64_t adjudicators) {
  RETURN_IF_ERROR(Ledger::Init(dir));
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {}));
  return BuildAdjudicationLedger(*ledger, items, adjudicators);
}

struct CycleFigures {
  uint64_t cycles = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // the process's CPU time over the run
  std::vector<double> claim_us, cycle_us;
  Status error;
};

// `threads` adjudicators claiming and deciding until `seconds` pass or the
// queue is empty (NotFound).
CycleFigures RunCycles(adj::AdjudicationCommands& commands, uint64_t threads,
                       double seconds) {
  std::vector<CycleFigures> lanes(threads);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> running{threads};
  const auto start = Clock::now();
  std::vector<std::thread> ts;
  for (uint64_t t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      CycleFigures& f = lanes[t];
      struct Done {
        std::atomic<uint64_t>& n;
        ~Done() { n.fetch_sub(1); }
      } done{running};
      const std::string who = BenchAdjudicator(t);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto c0 = Clock::now();
        auto claim = commands.Claim(who, kProject);
        const auto c1 = Clock::now();
        if (!claim.ok()) {
          if (claim.status().code() != StatusCode::kNotFound)
            f.error = claim.status();
          return;
        }
        adj::DecideCommand d;
        d.lease = claim->lease;
        d.field = claim->item.field;
        d.value_json = "\"serious\"";
        d.rationale = "bench";
        auto decided = commands.Decide(who, d);
        if (!decided.ok()) {
          f.error = decided.status();
          return;
        }
        f.claim_us.push_back(
            std::chrono::duration<double, std::micro>(c1 - c0).count());
        f.cycle_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - c0)
                .count());
        ++f.cycles;
      }
    });
  }
  while (Seconds(Clock::now() - start) < seconds && running.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : ts) t.join();
  CycleFigures out;
  out.seconds = Seconds(Clock::now() - start);
  for (CycleFigures& f : lanes) {
    out.cycles += f.cycles;
    out.claim_us.insert(out.claim_us.end(), f.claim_us.begin(),
                        f.claim_us.end());
    out.cycle_us.insert(out.cycle_us.end(), f.cycle_us.begin(),
                        f.cycle_us.end());
    if (!f.error.ok() && out.error.ok()) out.error = f.error;
  }
  return out;
}

// `adjudicators` adjudicators in flight at once on `drivers` threads, as a
// server runs them: each claims (ClaimAsync), and when the claim completes a
// driver sends its decision (DecideAsync), and so on, until `seconds` pass
// or the queue is empty. No thread waits for a sync.
CycleFigures RunCyclesAsync(adj::AdjudicationCommands& commands,
                            uint64_t adjudicators, size_t drivers,
                            double seconds) {
  std::vector<CycleFigures> lanes(adjudicators);
  std::vector<std::string> who(adjudicators);
  for (uint64_t t = 0; t < adjudicators; ++t) who[t] = BenchAdjudicator(t);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  uint64_t running = adjudicators;
  auto finish = [&](uint64_t t, Status error) {
    lanes[t].error = std::move(error);
    std::lock_guard l(mu);
    if (--running == 0) cv.notify_all();
  };
  const auto start = Clock::now();
  {
    Drivers pool(drivers);
    std::function<void(uint64_t)> claim = [&](uint64_t t) {
      if (stop.load(std::memory_order_relaxed)) return finish(t, OkStatus());
      const auto c0 = Clock::now();
      commands.ClaimAsync(
          who[t], kProject, {}, [&, t, c0](StatusOr<adj::ClaimResult> r) {
            pool.Post([&, t, c0, r = std::move(r)] {
              if (!r.ok()) {
                return finish(t, r.status().code() == StatusCode::kNotFound
                                     ? OkStatus()
                                     : r.status());
              }
              const auto c1 = Clock::now();
              adj::DecideCommand d;
              d.lease = r->lease;
              d.field = r->item.field;
              d.value_json = "\"serious\"";
              d.rationale = "bench";
              commands.DecideAsync(
                  who[t], d, [&, t, c0, c1](StatusOr<Committed> decided) {
                    pool.Post([&, t, c0, c1, decided = std::move(decided)] {
                      if (!decided.ok()) return finish(t, decided.status());
                      CycleFigures& f = lanes[t];
                      f.claim_us.push_back(
                          std::chrono::duration<double, std::micro>(c1 - c0)
                              .count());
                      f.cycle_us.push_back(
                          std::chrono::duration<double, std::micro>(
                              Clock::now() - c0)
                              .count());
                      ++f.cycles;
                      claim(t);
                    });
                  });
            });
          });
    };
    for (uint64_t t = 0; t < adjudicators; ++t) {
      pool.Post([&claim, t] { claim(t); });
    }
    std::unique_lock l(mu);
    cv.wait_for(l, std::chrono::duration<double>(seconds),
                [&] { return running == 0; });
    stop = true;
    cv.wait(l, [&] { return running == 0; });
  }  // the drivers have run every task
  CycleFigures out;
  out.seconds = Seconds(Clock::now() - start);
  for (CycleFigures& f : lanes) {
    out.cycles += f.cycles;
    out.claim_us.insert(out.claim_us.end(), f.claim_us.begin(),
                        f.claim_us.end());
    out.cycle_us.insert(out.cycle_us.end(), f.cycle_us.begin(),
                        f.cycle_us.end());
    if (!f.error.ok() && out.error.ok()) out.error = f.error;
  }
  return out;
}

EventDraft RawClaimDraft(const std::string& who) {
  const uint64_t seqs[] = {1, 2, 3};
  const std::string ids[] = {"ann-1-rec-0", "ann-2-rec-0", "ann-3-rec-0"};
  return MakeAdjudicationClaimed({who, ""}, {.project_id = kProject,
                                             .record_id = "rec-0",
                                             .field_path = "severity",
                                             .expires_us = 0,
                                             .weighed_seqs = seqs,
                                             .weighed_annotation_ids = ids});
}

// The async cycles' baseline: `in_flight` claim-sized appends outstanding
// at once (Ledger::AppendAsync; each completion posts the next append to
// `drivers` threads) for `seconds`.
CycleFigures RunRawAppendsAsync(Ledger& ledger, uint64_t in_flight,
                                size_t drivers, double seconds) {
  std::vector<uint64_t> counts(in_flight, 0);
  std::vector<std::string> who(in_flight);
  for (uint64_t t = 0; t < in_flight; ++t) who[t] = BenchAdjudicator(t);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  uint64_t running = in_flight;
  Status error;
  const auto start = Clock::now();
  {
    Drivers pool(drivers);
    std::function<void(uint64_t)> append = [&](uint64_t t) {
      if (stop.load(std::memory_order_relaxed)) {
        std::lock_guard l(mu);
        if (--running == 0) cv.notify_all();
        return;
      }
      ledger.AppendAsync(RawClaimDraft(who[t]), [&, t](StatusOr<Committed> c) {
        pool.Post([&, t, ok = c.status()] {
          if (!ok.ok()) {
            std::lock_guard l(mu);
            if (error.ok()) error = ok;
            if (--running == 0) cv.notify_all();
            return;
          }
          ++counts[t];
          append(t);
        });
      });
    };
    for (uint64_t t = 0; t < in_flight; ++t) {
      pool.Post([&append, t] { append(t); });
    }
    std::unique_lock l(mu);
    cv.wait_for(l, std::chrono::duration<double>(seconds),
                [&] { return running == 0; });
    stop = true;
    cv.wait(l, [&] { return running == 0; });
  }
  CycleFigures out;
  out.seconds = Seconds(Clock::now() - start);
  for (uint64_t n : counts) out.cycles += n;
  out.error = error;
  return out;
}

// `threads` threads appending claim-sized events (an AdjudicationClaimed
// as the command drafts it) straight to the ledger for `seconds`.
CycleFigures RunRawAppends(Ledger& ledger, uint64_t threads, double seconds) {
  std::vector<uint64_t> counts(threads, 0);
  std::atomic<bool> stop{false};
  Status error;
  std::mutex error_mu;
  const auto start = Clock::now();
  std::vector<std::thread> ts;
  for (uint64_t t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      const std::string who = BenchAdjudicator(t);
      while (!stop.load(std::memory_order_relaxed)) {
        auto c = ledger.Append(RawClaimDraft(who));
        if (!c.ok()) {
          std::lock_guard l(error_mu);
          if (error.ok()) error = c.status();
          return;
        }
        ++counts[t];
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  CycleFigures out;
  out.seconds = Seconds(Clock::now() - start);
  for (uint64_t n : counts) out.cycles += n;
  out.error = error;
  return out;
}

// Claim latency of the queue model alone at `items` queued items: the
// median and 99th percentile of Queue::CheckClaim over `probes` claims,
// each applied and released so the queue stays the same size.
json::object QueueClaimLatency(uint64_t items, uint64_t probes) {
  adj::Queue q(adj::ProjectPolicy::Default(std::string(kProject), 3));
  uint64_t seq = 0;
  for (uint64_t r = 0; r < items; ++r) {
    adj::FieldView v;
    for (int a = 0; a < 3; ++a) {
      v.annotations.push_back(
          {"ann-" + std::to_string(a + 1), kLevels[a], std::nullopt, ++seq});
    }
    q.Apply(seq, adj::ItemUpdated{{"rec-" + std::to_string(r), "severity"},
                                  schemas::Layer::kInterpretive,
                                  std::move(v)});
  }
  std::vector<double> us;
  us.reserve(probes);
  const int64_t now = 1'000'000;
  for (uint64_t i = 0; i < probes; ++i) {
    const std::string who = BenchAdjudicator(i % 64);
    const auto t0 = Clock::now();
    auto plan = q.CheckClaim(who, now);
    us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!plan.ok()) break;
    const uint64_t lease = ++seq;
    q.Apply(lease, adj::Claimed{lease, who, plan->item, plan->expires_us});
    q.Apply(++seq, adj::Released{lease});
  }
  json::object o = Latency(std::move(us));
  o["queued"] = q.queued();
  return o;
}

int64_t PerSecond(double n, double seconds) {
  return seconds > 0 ? std::llround(n / seconds) : 0;
}

struct BenchArgs {
  uint64_t items = 0, adjudicators = 0, small = 0, large = 0, probes = 0;
  uint64_t drivers = 0;
  double seconds = 0;
  std::string dir;
};

StatusOr<BenchArgs> ReadBenchArgs(const Args& args) {
  BenchArgs b;
  ASSIGN_OR_RETURN(b.items, args.GetUint("items", 333'334));
  ASSIGN_OR_RETURN(b.adjudicators, args.GetUint("adjudicators", 64));
  ASSIGN_OR_RETURN(b.small, args.GetUint("small", 10'000));
  ASSIGN_OR_RETURN(b.large, args.GetUint("large", 1'000'000));
  ASSIGN_OR_RETURN(b.probes, args.GetUint("probes", 20'000));
  ASSIGN_OR_RETURN(b.seconds, args.GetDouble("seconds", 3));
  ASSIGN_OR_RETURN(b.drivers, args.GetUint("drivers", 2));
  if (b.drivers == 0 || b.drivers > 64 || b.items == 0 ||
      b.items > 10'000'000 || b.adjudicators == 0 || b.adjudicators > 999 ||
      b.small == 0 || b.large == 0 || b.large > 10'000'000 || b.probes == 0 ||
      !(b.seconds > 0)) {
    return InvalidArgumentError(
        "--items in [1, 10000000], --adjudicators in [1, 999], --small and "
        "--large in [1, 10000000], --probes >= 1, --seconds > 0, "
        "--drivers in [1, 64]");
  }
  b.dir = args.Get("dir", std::filesystem::temp_directory_path().string());
  return b;
}

// The restart path: the write side rebuilt from the ledger, with (or
// without) the adjudication model; its time and the queue depth it found.
struct Opened {
  std::unique_ptr<domain::CommandHandler> handler;
  double seconds = 0;
};
StatusOr<Opened> OpenTimed(Ledger* ledger, adj::AdjudicationModel* model) {
  domain::Model* models[] = {model};
  const auto t0 = Clock::now();
  Opened o;
  ASSIGN_OR_RETURN(
      o.handler,
      domain::CommandHandler::Open(
          ledger, {},
          model == nullptr ? std::span<domain::Model* const>()
                           : std::span<domain::Model* const>(models)));
  o.seconds = Seconds(Clock::now() - t0);
  return o;
}

struct RunFigures {
  double setup_seconds = 0;
  uint64_t events = 0;
  double domain_only_seconds = 0, rebuild_seconds = 0;
  size_t queued = 0, left = 0;
};

// Process CPU time per cycle (or event): less disturbed by other load on
// the machine than the rates.
double CpuMicrosEach(const CycleFigures& f) {
  return f.cycles > 0 ? std::round(f.cpu_seconds / f.cycles * 1e7) / 10 : 0;
}

json::object CyclesJson(CycleFigures& cycles, const RunFigures& f) {
  json::object c;
  c["cycles"] = cycles.cycles;
  c["seconds"] = std::round(cycles.seconds * 1000) / 1000;
  c["per_second"] = PerSecond(cycles.cycles, cycles.seconds);
  c["events_per_second"] = PerSecond(2.0 * cycles.cycles, cycles.seconds);
  c["cpu_us_per_cycle"] = CpuMicrosEach(cycles);
  c["queue_drained"] = f.left == 0;
  c["claim"] = Latency(std::move(cycles.claim_us));
  c["cycle"] = Latency(std::move(cycles.cycle_us));
  return c;
}

json::object RawJson(const CycleFigures& raw) {
  json::object r;
  r["events"] = raw.cycles;
  r["seconds"] = std::round(raw.seconds * 1000) / 1000;
  r["per_second"] = PerSecond(raw.cycles, raw.seconds);
  r["cpu_us_per_event"] = CpuMicrosEach(raw);
  return r;
}

// The cycles' event rate (two events a cycle) over the raw append rate.
double EventRatio(const CycleFigures& cycles, const CycleFigures& raw) {
  const double raw_rate = raw.seconds > 0 ? raw.cycles / raw.seconds : 0;
  const double cycle_events =
      cycles.seconds > 0 ? 2.0 * cycles.cycles / cycles.seconds : 0;
  return raw_rate > 0 ? std::round(cycle_events / raw_rate * 1000) / 1000 : 0;
}

struct Runs {
  CycleFigures cycles, cycles_threads, raw, raw_threads;
};

json::object ResultsJson(const BenchArgs& b, const RunFigures& f, Runs& r) {
  json::object out;
  out["items"] = b.items;
  out["annotation_events"] = 3 * b.items;
  out["adjudicators"] = b.adjudicators;
  out["drivers"] = b.drivers;
  out["cores"] = std::thread::hardware_concurrency();
  out["setup_seconds"] = std::round(f.setup_seconds * 1000) / 1000;
  json::object rebuild;
  rebuild["events"] = f.events;
  rebuild["queued"] = f.queued;
  rebuild["seconds"] = std::round(f.rebuild_seconds * 1000) / 1000;
  rebuild["domain_only_seconds"] =
      std::round(f.domain_only_seconds * 1000) / 1000;
  rebuild["events_per_second"] = PerSecond(f.events, f.rebuild_seconds);
  out["rebuild"] = std::move(rebuild);
  const double ratio = EventRatio(r.cycles, r.raw);
  const double ratio_threads = EventRatio(r.cycles_threads, r.raw_threads);
  json::object c = CyclesJson(r.cycles, f);
  c["target_per_second"] = 20000;
  out["claim_decide"] = std::move(c);
  out["claim_decide_threads"] = CyclesJson(r.cycles_threads, f);
  out["raw_ledger_append"] = RawJson(r.raw);
  out["raw_ledger_append_threads"] = RawJson(r.raw_threads);
  out["ratio_cycle_events_vs_raw"] = ratio;
  out["ratio_cycle_events_vs_raw_threads"] = ratio_threads;
  json::object q;
  q["small"] = QueueClaimLatency(b.small, b.probes);
  q["large"] = QueueClaimLatency(b.large, b.probes);
  out["queue_claim_latency"] = std::move(q);
  return out;
}

int BenchAdjudication(const Args& args) {
  auto b = ReadBenchArgs(args);
  if (!b.ok()) return Fail(b.status());
  ScratchDir dir(b->dir, "ledger");
  const auto s0 = Clock::now();
  if (Status s = BuildLedger(dir.path, b->items, b->adjudicators); !s.ok())
    return Fail(s.WithContext("bench setup"), 1);
  const double setup_seconds = Seconds(Clock::now() - s0);
  auto ledger = Ledger::Open(dir.path, {});
  if (!ledger.ok()) return Fail(ledger.status(), 1);
  const uint64_t events = (*ledger)->head().seq;
  double domain_only = 0;
  {
    auto plain = OpenTimed(ledger->get(), nullptr);
    if (!plain.ok()) return Fail(plain.status(), 1);
    domain_only = plain->seconds;
  }
  adj::AdjudicationModel model;
  auto opened = OpenTimed(ledger->get(), &model);
  if (!opened.ok()) return Fail(opened.status(), 1);
  domain::CommandHandler& h = *opened->handler;
  const size_t queued =
      h.Read([&](const domain::DomainState&) { return model.Depth(kProject); });
  adj::AdjudicationCommands commands(&h.core(), &model, SystemClock());
  Runs runs;
  // Each run with the process's CPU time over it.
  auto timed = [](auto run) {
    const double cpu0 = ProcessCpuSeconds();
    CycleFigures f = run();
    f.cpu_seconds = ProcessCpuSeconds() - cpu0;
    return f;
  };
  runs.cycles = timed([&] {
    return RunCyclesAsync(commands, b->adjudicators, b->drivers, b->seconds);
  });
  if (!runs.cycles.error.ok())
    return Fail(runs.cycles.error.WithContext("cycles"), 1);
  runs.cycles_threads =
      timed([&] { return RunCycles(commands, b->adjudicators, b->seconds); });
  if (!runs.cycles_threads.error.ok())
    return Fail(runs.cycles_threads.error.WithContext("cycles (threads)"), 1);
  const size_t left =
      h.Read([&](const domain::DomainState&) { return model.Depth(kProject); });

  ScratchDir raw_dir(b->dir, "raw");
  if (Status s = Ledger::Init(raw_dir.path); !s.ok()) return Fail(s, 1);
  auto raw_ledger = Ledger::Open(raw_dir.path, {});
  if (!raw_ledger.ok()) return Fail(raw_ledger.status(), 1);
  runs.raw = timed([&] {
    return RunRawAppendsAsync(**raw_ledger, b->adjudicators, b->drivers,
                              std::max(0.2, runs.cycles.seconds));
  });
  if (!runs.raw.error.ok())
    return Fail(runs.raw.error.WithContext("raw appends"), 1);
  runs.raw_threads = timed([&] {
    return RunRawAppends(**raw_ledger, b->adjudicators,
                         std::max(0.2, runs.cycles_threads.seconds));
  });
  if (!runs.raw_threads.error.ok())
    return Fail(runs.raw_threads.error.WithContext("raw appends (threads)"), 1);

  json::object out = ResultsJson(
      *b, {setup_seconds, events, domain_only, opened->seconds, queued, left},
      runs);
  if (args.Has("json")) {
    std::printf("%s\n", WriteStoredJson(out, JsonStyle::kCompact).c_str());
  } else {
    for (const auto& kv : out) {
      std::printf("%-28s %s\n", std::string(kv.key()).c_str(),
                  WriteStoredJson(kv.value(), JsonStyle::kCompact).c_str());
    }
  }
  return 0;
}

Registrar bench_adjudication(Command{
    .words = {"bench", "adjudication"},
    .summary = "claim+decide cycles/s with concurrent adjudicators, raw "
               "append rate, claim latency, queue rebuild time",
    .flags = {{"items", "N",
               "disputed records (default 333334: 1M annotation "
               "events)"},
              {"adjudicators", "K", "concurrent adjudicators (default 64)"},
              {"seconds", "S", "duration of each cycle run (default 3)"},
              {"drivers", "D",
               "threads driving the async adjudicators (default 2)"},
              {"small", "N",
               "queued items, first latency probe (default 10000)"},
              {"large", "N", "queued items, second probe (default 1000000)"},
              {"probes", "N", "claims timed per probe (default 20000)"},
              {"dir", "DIR", "scratch directory (default: the temp dir)"},
              {"json", "", "print JSON"}},
    .run = BenchAdjudication});

}  // namespace
}  // namespace consilium::cli
