// `consilium bench api`: the HTTP API under load from wrk on loopback
// (docs/server.md, "Benchmark"). It builds a scratch ledger (an admin, a
// researcher, an annotator, the dx-reasoning schema and example record, one
// annotation), starts this very binary as `consilium serve` on 127.0.0.1
// (port chosen by the kernel, plain HTTP) and runs wrk, bounded in time, for
// each phase:
//   1. GET /healthz: the server's own overhead, the baseline;
//   2. the record read: GET /v1/records/{id} (kRecordRead), which appends
//      a durable access event per request, as the annotator assigned to the
//      record; the access events appended are counted in the ledger
//      afterwards;
//   3. annotation submit over HTTP (validated, durable): POST --submit-route
//      with `consilium annotate` lines, each its own annotation id; beside
//      it the same run's library rate, `consilium bench annotate` (the
//      validated path) run as a child on the same machine.
// It prints throughput, latency percentiles, errors and the ratios
// record/healthz and HTTP-submit/library. With --soak S only phase 2 runs,
// for S seconds, and the server's RSS is sampled every second: printed idle,
// as the peaks of the window after the warm-up (the first fifth, at most
// 60 s) and of the last window, its maximum, and the peak of every 10 s
// (RssSampler).
// Figures belong in BENCHMARKS.md with the command that made them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "render/command_input.h"
#include "schemas/event.h"
#include "tools/bench/bench_examples.h"
#include "tools/cli.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;

// The record read under load: the record's content, with its durable access
// event (docs/authorization.md: the assigned annotator may read it).
constexpr const char* kRecordRead = "/v1/records/rec-1";

struct Setup {
  std::string reader_token;     // researcher of the project
  std::string annotator_token;  // dr-bench
  uint32_t schema_version = 0;
  std::string values;  // the example annotation's values
};

// Records the submit phase spreads its annotations over, each assigned to
// dr-bench: a physician annotates many records, a few times each (a
// record's adjudication view is rebuilt per annotation, as it should be for
// the handful a record gets; thousands on one record would measure that).
constexpr int kSubmitRecords = 4000;

// Principals, project, schema, kSubmitRecords records each assigned to
// dr-bench, one annotation.
StatusOr<Setup> BuildLedger(const std::string& dir,
                            const std::filesystem::path& examples) {
  ASSIGN_OR_RETURN(std::string schema, Slurp(examples / "dx-reasoning.json"));
  ASSIGN_OR_RETURN(std::string record,
                   Slurp(examples / "annotations/dx-reasoning.record.json"));
  Setup out;
  ASSIGN_OR_RETURN(out.values,
                   Slurp(examples / "annotations/dx-reasoning.values.json"));
  RETURN_IF_ERROR(Ledger::Init(dir));
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {}));
  ASSIGN_OR_RETURN(auto handler,
                   domain::CommandHandler::Open(ledger.get(), {}));
  domain::CommandHandler& h = *handler;
  json::value rec;
  RETURN_IF_ERROR(ParseStrictJson(record, {}, rec));
  if (!rec.is_object()) return InvalidArgumentError("example record: object");
  if (rec.get_object().contains("images") &&
      rec.get_object()["images"].as_array().empty()) {
    rec.get_object().erase("images");
  }
  std::vector<std::string> lines;
  for (int i = 1; i <= kSubmitRecords; ++i) {
    rec.get_object()["id"] = "rec-" + std::to_string(i);
    lines.push_back(WriteStoredJson(rec, JsonStyle::kCompact));
  }
  RETURN_IF_ERROR(
      h.RegisterPrincipal("admin",
                          {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
          .status());
  RETURN_IF_ERROR(
      h.CreateProject("admin", {.id = "bench", .name = "Bench"}).status());
  ASSIGN_OR_RETURN(auto reader,
                   h.RegisterPrincipal(
                       "admin", {.id = "reader",
                                 .roles = {{fb::Role::Researcher, "bench"}}}));
  ASSIGN_OR_RETURN(auto annotator,
                   h.RegisterPrincipal(
                       "admin", {.id = "dr-bench",
                                 .roles = {{fb::Role::Annotator, "bench"}}}));
  out.reader_token = reader.token.token;
  out.annotator_token = annotator.token.token;
  RETURN_IF_ERROR(h.PublishSchema("admin", schema).status());
  ASSIGN_OR_RETURN(
      auto imported,
      h.ImportRecords("admin", "bench", render::ParseRecordLines(lines), true));
  if (!imported.all_ok()) return imported.lines[0].status;
  RETURN_IF_ERROR(h.Assign("admin", "bench", "rec-1", "dr-bench").status());
  // The other assignments as one bulk write (thousands of single commands,
  // each its own sync, would take most of a minute); the server replays
  // them like any other.
  std::vector<EventDraft> assignments;
  for (int i = 2; i <= kSubmitRecords; ++i) {
    assignments.push_back(MakeAssignmentCreated(
        {"admin", ""}, "bench", "rec-" + std::to_string(i), "dr-bench"));
  }
  out.schema_version = h.Read([](const domain::DomainState& s) {
    return s.LatestSchemaVersion("dx-reasoning");
  });
  RETURN_IF_ERROR(
      h.SubmitAnnotation("dr-bench", {.annotation_id = "seed",
                                      .record_id = "rec-1",
                                      .annotator_id = "dr-bench",
                                      .schema_id = "dx-reasoning",
                                      .schema_version = out.schema_version,
                                      .values = out.values})
          .status());
  handler.reset();  // the write side's state is not needed past this point
  RETURN_IF_ERROR(ledger->AppendAll(std::move(assignments)).status());
  return out;
}

// `consilium serve` as a child of this process, stopped with SIGTERM.
class ServerChild {
 public:
  ~ServerChild() { Stop(); }
  Status Start(const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) return InternalError("pipe failed");
    pid_ = fork();
    if (pid_ < 0) return InternalError("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl("/proc/self/exe", "consilium", "serve", "--data", dir.c_str(),
            "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[512];
    const std::string prefix = "listening on ";
    while (out != nullptr && std::fgets(line, sizeof line, out) != nullptr) {
      std::string l(line);
      size_t at = l.find(prefix);
      if (at == std::string::npos) continue;
      url_ = l.substr(at + prefix.size());
      url_.erase(url_.find_last_not_of("\r\n") + 1);
      break;
    }
    // The child's later lines go nowhere (it only prints "stopped").
    if (out != nullptr) std::fclose(out);
    if (url_.empty()) return UnavailableError("consilium serve did not start");
    return OkStatus();
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  const std::string& url() const { return url_; }
  // Resident set size in KiB (VmRSS), 0 when unreadable.
  int64_t RssKib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    while (in >> key) {
      if (key == "VmRSS:") {
        int64_t kib = 0;
        in >> kib;
        return kib;
      }
      in.ignore(4096, '\n');
    }
    return 0;
  }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

struct LoadSpec {
  std::string method = "GET";
  std::string path = {};
  std::string token = {};  // empty: no Authorization header
  // POST: "%ID%" (a unique id) and "%REC%" (one of the records) replaced
  // per request.
  std::string body_template = {};
};

// The wrk script: the Authorization header, per-request bodies with unique
// ids, and a done() that prints one machine-readable line.
std::string WrkScript(const LoadSpec& spec) {
  std::string s = "wrk.method = \"" + spec.method + "\"\n";
  if (!spec.token.empty()) {
    s += "wrk.headers[\"Authorization\"] = \"Bearer " + spec.token + "\"\n";
  }
  if (!spec.body_template.empty()) {
    json::string tmpl(spec.body_template);
    s += "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
         "local tmpl = " +
         json::serialize(tmpl) +
         "\n"
         "local counter = 0\n"
         "threads = 0\n"
         "-- tid: a global of each thread's state, set by setup() (a local\n"
         "-- here would shadow it)\n"
         "function setup(thread) threads = threads + 1; thread:set(\"tid\", "
         "threads) end\n"
         "function request()\n"
         "  counter = counter + 1\n"
         "  local body = tmpl:gsub(\"%%ID%%\", \"h\" .. tid .. \"-\" .. "
         "counter)\n"
         "  body = body:gsub(\"%%REC%%\", \"rec-\" .. ((counter * 7 + tid) "
         "% " +
         std::to_string(kSubmitRecords) +
         " + 1))\n"
         "  return wrk.format(nil, nil, nil, body)\n"
         "end\n";
  }
  s += R"(function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_status":%d,' ..
    '"errors_timeout":%d}\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
)";
  return s;
}

struct LoadOptions {
  double seconds = 10;
  int connections = 64;
  int threads = 2;
  std::string scratch;
};

// Runs wrk against `url` and returns its summary with throughput and
// latencies in ms. Unavailable when wrk is missing or prints no summary.
StatusOr<json::object> RunWrk(const std::string& url, const LoadSpec& spec,
                              const LoadOptions& o, const std::string& name) {
  const std::string script = o.scratch + "/" + name + ".lua";
  std::ofstream(script) << WrkScript(spec);
  char duration[32];
  // wrk takes whole seconds.
  std::snprintf(duration, sizeof duration, "%.0fs", std::ceil(o.seconds));
  const std::string cmd = "wrk --timeout 10s -t" + std::to_string(o.threads) +
                          " -c" + std::to_string(o.connections) + " -d" +
                          duration + " -s " + script + " " + url + spec.path +
                          " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return UnavailableError("cannot run wrk");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  const int rc = pclose(p);
  size_t at = text.find("WRKJSON ");
  if (at == std::string::npos) {
    return UnavailableError("wrk (exit " + std::to_string(rc) +
                            ") gave no summary: " + text.substr(0, 300) +
                            (rc == 127 << 8 ? " (install wrk: "
                                              "scripts/install-deps.sh)"
                                            : ""));
  }
  json::value raw =
      json::parse(text.substr(at + 8, text.find('\n', at) - at - 8));
  json::object& r = raw.as_object();
  json::object out;
  const double secs = r["duration_us"].to_number<double>() / 1e6;
  const int64_t requests = r["requests"].to_number<int64_t>();
  const int64_t failed = r["errors_status"].to_number<int64_t>() +
                         r["errors_connect"].to_number<int64_t>() +
                         r["errors_read"].to_number<int64_t>() +
                         r["errors_write"].to_number<int64_t>() +
                         r["errors_timeout"].to_number<int64_t>();
  out["method"] = spec.method;
  out["path"] = spec.path;
  out["connections"] = o.connections;
  out["seconds"] = std::round(secs * 100) / 100;
  out["requests"] = requests;
  out["failed"] = failed;
  out["per_second"] = secs > 0 ? std::round((requests - failed) / secs) : 0.0;
  for (const char* q : {"p50", "p90", "p99", "max"}) {
    out[std::string(q) + "_ms"] =
        std::round(r[std::string(q) + "_us"].to_number<double>() / 10) / 100;
  }
  out["wrk"] = std::move(r);  // its raw summary, microseconds
  return out;
}

// Access events among events from+1..head, read from the ledger
// (read-only, beside the server that holds it).
StatusOr<int64_t> AccessEventsAfter(const std::string& dir, uint64_t from) {
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {.read_only = true}));
  int64_t n = 0;
  RETURN_IF_ERROR(ledger->Scan(
      from + 1, 0,
      [&](const StoredEvent& e) {
        n += e.event()->body_type() == fb::EventBody::AccessRecorded;
        return true;
      },
      /*with_hashes=*/false));
  return n;
}

StatusOr<uint64_t> HeadOf(const std::string& dir) {
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {.read_only = true}));
  return ledger->head().seq;
}

// The library rate of the same run: `consilium bench annotate` (validated
// submits through the CommandHandler), as a child.
StatusOr<double> LibraryRate(double seconds, int inflight,
                             const std::string& examples_flag) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", seconds);
  // popen runs a shell, whose /proc/self/exe is the shell: name ourselves.
  std::error_code ec;
  const std::string self =
      std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return UnavailableError("cannot find this executable");
  const std::string cmd = "'" + self +
                          "' bench annotate --json --rounds 1 "
                          "--seconds " +
                          std::string(secs) + " --inflight " +
                          std::to_string(inflight) + examples_flag +
                          " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return UnavailableError("cannot run bench annotate");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  if (pclose(p) != 0) return UnavailableError("bench annotate failed");
  json::value v = json::parse(text);
  return v.at("validated_annotation_submit")
      .at("per_second")
      .to_number<double>();
}

double Ratio(const json::object& a, const json::object& b) {
  const double x = a.at("per_second").to_number<double>();
  const double y = b.at("per_second").to_number<double>();
  return y > 0 ? std::round(x / y * 1000) / 1000 : 0;
}

// Phase 3: POSTs of `consilium annotate` lines by dr-bench.
StatusOr<json::object> SubmitPhase(const ServerChild& server,
                                   const Setup& setup, const LoadOptions& o,
                                   const std::string& route) {
  json::object line;
  line["annotation_id"] = "%ID%";
  line["record"] = "%REC%";  // spread over the kSubmitRecords records
  line["annotator"] = "dr-bench";
  line["schema"] = "dx-reasoning@" + std::to_string(setup.schema_version);
  json::value values;
  RETURN_IF_ERROR(ParseStrictJson(setup.values, {}, values));
  line["values"] = std::move(values);
  return RunWrk(server.url(),
                {.method = "POST",
                 .path = route,
                 .token = setup.annotator_token,
                 .body_template = WriteStoredJson(line, JsonStyle::kCompact)},
                o, "submit");
}

struct ApiFlags {
  LoadOptions load;
  double soak = 0;
  double library_seconds = 3;
  std::string submit_route;
};

StatusOr<ApiFlags> ReadFlags(const Args& args) {
  ApiFlags f;
  ASSIGN_OR_RETURN(f.load.seconds, args.GetDouble("seconds", 10));
  ASSIGN_OR_RETURN(uint64_t c, args.GetUint("connections", 64));
  ASSIGN_OR_RETURN(uint64_t t, args.GetUint("threads", 2));
  ASSIGN_OR_RETURN(f.soak, args.GetDouble("soak", 0));
  ASSIGN_OR_RETURN(f.library_seconds, args.GetDouble("library-seconds", 3));
  f.submit_route = args.Get("submit-route", "/v1/annotations");
  if (!(f.load.seconds >= 1 && f.load.seconds <= 3600) || c == 0 || c > 4096 ||
      t == 0 || t > 64 || t > c || !(f.soak >= 0) ||
      !(f.library_seconds > 0 && f.library_seconds <= 600)) {
    return InvalidArgumentError(
        "--seconds in [1, 3600], --connections in [1, 4096], --threads in "
        "[1, 64] and at most --connections, --soak >= 0, --library-seconds in "
        "(0, 600]");
  }
  f.load.connections = static_cast<int>(c);
  f.load.threads = static_cast<int>(t);
  return f;
}

// The server's RSS, sampled once a second while a soak runs. The first
// fifth of the run (at most 60 s) is its warm-up: RocksDB's memtables and
// block cache fill then, up to their configured sizes. Growth is measured
// from the window after the warm-up to the last window (each as long as the
// warm-up), so a leak (growth that goes on) shows and a cache that has
// filled does not; the idle figure and the series are printed beside it,
// so nothing is hidden.
class RssSampler {
 public:
  RssSampler(const ServerChild& server, double seconds)
      : server_(server),
        warmup_samples_(static_cast<size_t>(std::min(60.0, seconds / 5))) {
    thread_ = std::thread([this] { Run(); });
  }
  ~RssSampler() { Stop(); }
  void Stop() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Call after Stop(). RSS moves in a sawtooth (a memtable fills, is
  // flushed and its memory returned), so the start and end figures are the
  // peaks of a window each: the one right after the warm-up and the last.
  // A leak raises the later peak; a filled cache does not.
  void Report(int64_t idle_kib, json::object& r) const {
    const size_t n = samples_.size();  // one a second
    const size_t window = std::max<size_t>(1, warmup_samples_);
    auto peak = [&](size_t from, size_t to) {
      int64_t m = 0;
      for (size_t i = from; i < std::min(to, n); ++i) {
        m = std::max(m, samples_[i]);
      }
      return m;
    };
    const int64_t start = peak(warmup_samples_, warmup_samples_ + window);
    const int64_t end = peak(n > window ? n - window : 0, n);
    r["rss_idle_kib"] = idle_kib;
    r["rss_start_kib"] = start;  // peak of the window after the warm-up
    r["rss_end_kib"] = end;      // peak of the last window
    r["rss_max_kib"] = peak(0, n);
    r["rss_window_seconds"] = window;
    r["warmup_seconds"] = warmup_samples_;
    r["rss_growth_after_warmup"] =
        start > 0 ? static_cast<double>(end - start) / start : 0.0;
    json::array every10;
    for (size_t i = 0; i < n; i += 10) every10.push_back(peak(i, i + 10));
    r["rss_kib_peak_every_10s"] = std::move(every10);
  }

 private:
  void Run() {
    std::unique_lock l(mu_);
    while (!cv_.wait_for(l, std::chrono::seconds(1), [&] { return stop_; })) {
      samples_.push_back(server_.RssKib());
    }
  }
  const ServerChild& server_;
  const size_t warmup_samples_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<int64_t> samples_;
  std::thread thread_;
};

// Phase 2 (or the soak), with the access events it appended counted.
StatusOr<json::object> RecordPhase(const ServerChild& server,
                                   const Setup& setup, LoadOptions o,
                                   const std::string& dir, double soak) {
  ASSIGN_OR_RETURN(uint64_t before, HeadOf(dir));
  const int64_t rss_idle = server.RssKib();
  if (soak > 0) o.seconds = soak;
  std::optional<RssSampler> sampler;
  if (soak > 0) sampler.emplace(server, soak);
  ASSIGN_OR_RETURN(json::object r,
                   RunWrk(server.url(),
                          {.path = kRecordRead, .token = setup.annotator_token},
                          o, "record"));
  if (sampler) {  // the load is over: later samples would not be under it
    sampler->Stop();
    sampler->Report(rss_idle, r);
  }
  ASSIGN_OR_RETURN(r["access_events_appended"], AccessEventsAfter(dir, before));
  return r;
}

void Print(const json::object& out, bool as_json) {
  if (as_json) {
    std::printf("%s\n", WriteStoredJson(out, JsonStyle::kCompact).c_str());
    return;
  }
  for (const auto& kv : out) {
    std::printf("%-32s %s\n", std::string(kv.key()).c_str(),
                WriteStoredJson(kv.value(), JsonStyle::kCompact).c_str());
  }
}

int BenchApi(const Args& args) {
  StatusOr<ApiFlags> flags = ReadFlags(args);
  if (!flags.ok()) return Fail(flags.status());
  const std::string base =
      args.Get("dir", std::filesystem::temp_directory_path().string());
  const std::string scratch =
      base + "/consilium-bench-api-" + std::to_string(::getpid());
  std::filesystem::remove_all(scratch);
  std::filesystem::create_directories(scratch);
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{scratch};
  flags->load.scratch = scratch;
  const std::string dir = scratch + "/ledger";
  StatusOr<Setup> setup = BuildLedger(dir, ExamplesDir(args));
  if (!setup.ok()) return Fail(setup.status().WithContext("bench setup"));
  ServerChild server;
  if (Status s = server.Start(dir); !s.ok()) return Fail(s);
  json::object out;
  out["server"] = server.url();
  out["cores"] = std::thread::hardware_concurrency();
  if (flags->soak > 0) {
    auto soak = RecordPhase(server, *setup, flags->load, dir, flags->soak);
    if (!soak.ok()) return Fail(soak.status(), 1);
    out["soak"] = std::move(*soak);
    Print(out, args.Has("json"));
    return 0;
  }
  auto healthz =
      RunWrk(server.url(), {.path = "/healthz"}, flags->load, "healthz");
  if (!healthz.ok()) return Fail(healthz.status(), 1);
  auto record = RecordPhase(server, *setup, flags->load, dir, 0);
  if (!record.ok()) return Fail(record.status(), 1);
  auto submit = SubmitPhase(server, *setup, flags->load, flags->submit_route);
  if (!submit.ok()) return Fail(submit.status(), 1);
  server.Stop();
  const std::string examples_flag =
      args.Has("examples") ? " --examples " + args.Get("examples") : "";
  auto library = LibraryRate(flags->library_seconds, flags->load.connections,
                             examples_flag);
  if (!library.ok()) return Fail(library.status(), 1);
  out["ratio_record_read_vs_healthz"] = Ratio(*record, *healthz);
  out["healthz"] = std::move(*healthz);
  out["record_read"] = std::move(*record);
  const bool served = submit->at("requests").to_number<int64_t>() >
                      submit->at("failed").to_number<int64_t>();
  out["annotation_submit_http"] = std::move(*submit);
  out["library_annotate_per_second"] = std::round(*library);
  out["ratio_http_submit_vs_library"] =
      served && *library > 0 ? std::round(out["annotation_submit_http"]
                                              .at("per_second")
                                              .to_number<double>() /
                                          *library * 1000) /
                                   1000
                             : json::value(nullptr);
  if (!served) {
    out["annotation_submit_note"] =
        "every POST " + flags->submit_route +
        " was refused: this build does not serve that route";
  }
  out["targets"] =
      json::parse(R"({"record_read_per_second":15000,"record_read_p99_ms":15,)"
                  R"("ratio_http_submit_vs_library":0.4})");
  Print(out, args.Has("json"));
  return 0;
}

Registrar bench_api(Command{
    .words = {"bench", "api"},
    .summary = "the HTTP API under wrk on loopback: healthz, a record read "
               "with its access event, annotation submit vs the library",
    .flags = {{"seconds", "S", "duration of each phase (default 10)"},
              {"connections", "C", "open connections (default 64)"},
              {"threads", "T", "wrk threads (default 2)"},
              {"library-seconds", "S",
               "duration of the bench annotate run (default 3)"},
              {"submit-route", "PATH",
               "the annotation submit route (default /v1/annotations)"},
              {"soak", "S",
               "only the record read, for S seconds; prints the server's RSS "
               "idle, its peaks after the warm-up (a fifth, at most 60 s) and "
               "at the end, and every 10 s"},
              {"dir", "DIR", "scratch directory (default: the temp dir)"},
              {"examples", "DIR", "schemas/examples (default: found nearby)"},
              {"json", "", "print JSON"}},
    .run = BenchApi,
    .notes = "Needs wrk (scripts/install-deps.sh). Plain HTTP on 127.0.0.1; "
             "the server is this binary's `consilium serve` as a child. "
             "docs/server.md, \"Benchmark\"."});

}  // namespace
}  // namespace consilium::cli
