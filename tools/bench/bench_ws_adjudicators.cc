#include "tools/bench/bench_ws_adjudicators.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adjudication/commands.h"
#include "api/app.h"
#include "api/server.h"
#include "api/ws_adjudication.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "schemas/event.h"
#include "tools/bench/adjudication_ledger.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kProject = kBenchProject;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Lane {
  uint64_t cycles = 0;
  std::vector<double> cycle_us;
  Status error = OkStatus();
};

struct Figures {
  uint64_t cycles = 0;
  double seconds = 0;
  std::vector<double> cycle_us;
  Status error = OkStatus();
};

// Runs `body(lane, index, stop)` on `n` threads for `seconds` (or until
// every lane returned), and gathers the lanes.
template <class Body>
Figures RunLanes(uint64_t n, double seconds, Body body) {
  std::vector<Lane> lanes(n);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> running{n};
  const auto start = Clock::now();
  std::vector<std::thread> ts;
  for (uint64_t t = 0; t < n; ++t) {
    ts.emplace_back([&, t] {
      body(lanes[t], t, stop);
      running.fetch_sub(1);
    });
  }
  while (Seconds(Clock::now() - start) < seconds && running.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : ts) t.join();
  Figures out;
  out.seconds = Seconds(Clock::now() - start);
  for (Lane& l : lanes) {
    out.cycles += l.cycles;
    out.cycle_us.insert(out.cycle_us.end(), l.cycle_us.begin(),
                        l.cycle_us.end());
    if (!l.error.ok() && out.error.ok()) out.error = l.error;
  }
  return out;
}

// The library's cycle (`bench adjudication`): Claim, then Decide.
// `budget`: the cycles left to the library, so the WebSocket run after it
// still finds items.
void LibraryLane(adj::AdjudicationCommands& commands, Lane& lane, uint64_t t,
                 const std::atomic<bool>& stop, std::atomic<int64_t>& budget) {
  const std::string who = BenchAdjudicator(t);
  while (!stop.load(std::memory_order_relaxed) && budget.fetch_sub(1) > 0) {
    const auto c0 = Clock::now();
    auto claim = commands.Claim(who, kProject);
    if (!claim.ok()) {
      if (claim.status().code() != StatusCode::kNotFound)
        lane.error = claim.status();
      return;
    }
    adj::DecideCommand d{.lease = claim->lease,
                         .field = claim->item.field,
                         .value_json = "\"serious\"",
                         .rationale = "bench"};
    if (auto decided = commands.Decide(who, d); !decided.ok()) {
      lane.error = decided.status();
      return;
    }
    lane.cycle_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - c0).count());
    ++lane.cycles;
  }
}

// One adjudicator over the WebSocket: claim, decide, each answered by id
// (pushes in between are skipped).
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& token) : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(
        {net::ip::make_address("127.0.0.1"), port});
    ws_.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) {
          req.set("Authorization", "Bearer " + token);
        }));
    ws_.read_message_max(64 << 20);
    ws_.handshake("127.0.0.1", api::kWebSocketPath);
  }
  ~WsClient() {
    beast::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
  }

  StatusOr<json::object> Call(json::object msg) {
    const uint64_t id = ++next_id_;
    msg["id"] = id;
    ws_.write(net::buffer(json::serialize(msg)));
    for (;;) {
      ws_.read(buf_);
      json::value v = json::parse(beast::buffers_to_string(buf_.data()));
      buf_.consume(buf_.size());
      json::object& o = v.as_object();
      const json::value* got = o.if_contains("id");
      if (got == nullptr || !got->is_number() ||
          got->to_number<uint64_t>() != id) {
        continue;  // a push
      }
      if (o.at("type") == "error") {
        const json::object& e = o.at("error").as_object();
        const std::string code(e.at("code").as_string());
        return Status(
            code == "NOT_FOUND" ? StatusCode::kNotFound : StatusCode::kInternal,
            code + ": " + std::string(e.at("message").as_string()));
      }
      return std::move(o.at("result").as_object());
    }
  }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  uint64_t next_id_ = 0;
};

void WsLane(uint16_t port, Lane& lane, uint64_t t,
            const std::atomic<bool>& stop) {
  try {
    WsClient client(port, BenchAdjudicator(t));
    while (!stop.load(std::memory_order_relaxed)) {
      const auto c0 = Clock::now();
      auto claim = client.Call({{"type", "claim"}, {"queue", kProject}});
      if (!claim.ok()) {
        if (claim.status().code() != StatusCode::kNotFound)
          lane.error = claim.status();
        return;
      }
      auto decided = client.Call({{"type", "decide"},
                                  {"lease", claim->at("lease")},
                                  {"field", claim->at("field")},
                                  {"value", "serious"},
                                  {"rationale", "bench"}});
      if (!decided.ok()) {
        lane.error = decided.status();
        return;
      }
      lane.cycle_us.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - c0).count());
      ++lane.cycles;
    }
  } catch (const std::exception& e) {
    lane.error = UnavailableError(std::string("adjudicator: ") + e.what());
  }
}

json::object Report(const Figures& f) {
  std::vector<double> us = f.cycle_us;
  std::sort(us.begin(), us.end());
  auto pct = [&](size_t num) {
    if (us.empty()) return 0.0;
    return std::round(us[std::min(us.size() - 1, us.size() * num / 100)] /
                      100) /
           10;  // ms, one decimal
  };
  json::object o;
  o["decisions"] = f.cycles;
  o["seconds"] = f.seconds;
  o["decisions_per_second"] = static_cast<double>(f.cycles) / f.seconds;
  o["round_trip_p50_ms"] = pct(50);
  o["round_trip_p99_ms"] = pct(99);
  return o;
}

// Opens the App over the built ledger, runs the library lanes, then serves
// it and runs the WebSocket lanes.
StatusOr<json::object> Measure(Ledger& ledger, uint64_t n, uint64_t items,
                               double seconds) {
  api::AppOptions app_options;  // named: GCC 12 warns (falsely) about
                                // a braced temporary's std::function members
  ASSIGN_OR_RETURN(auto app, api::App::Open(&ledger, std::move(app_options)));
  ASSIGN_OR_RETURN(api::Router routes, app->BuildRouter());
  std::atomic<int64_t> budget{static_cast<int64_t>(items / 2)};
  Figures library = RunLanes(n, seconds, [&](Lane& l, uint64_t t, auto& stop) {
    LibraryLane(app->adjudication(), l, t, stop, budget);
  });
  RETURN_IF_ERROR(library.error);
  // The library lanes append without waiting for the read side (nothing
  // they do reads it), so it is behind when they stop. The WebSocket lanes
  // start once it has caught up, so their figures are not the library's
  // backlog; the catch-up is reported apart, and so is how far behind the
  // read side is when the WebSocket lanes stop (0: it kept up).
  const auto backlog_start = Clock::now();
  const uint64_t backlog = ledger.head().seq - app->engine().seq();
  if (!app->engine().WaitForSeq(ledger.head().seq, 300'000)) {
    return UnavailableError(
        "the read side did not catch up with the library lanes' events "
        "within 300 s");
  }
  const double catch_up = Seconds(Clock::now() - backlog_start);
  auto adjudication = api::WsAdjudication::Start(app.get(), {});
  auto handlers = std::make_shared<api::WsHandlers>();
  RETURN_IF_ERROR(adjudication->AddTo(*handlers));
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.blocking_threads = std::max<size_t>(4, n);
  api::ServerDeps deps = app->Deps();
  std::map<std::string, api::Principal> tokens;
  for (uint64_t t = 0; t < n; ++t)
    tokens[BenchAdjudicator(t)] = {BenchAdjudicator(t),
                                   {"adjudicator@bench-adj"}};
  deps.authenticator = std::make_shared<api::StaticTokenAuthenticator>(tokens);
  deps.websocket = handlers;
  ASSIGN_OR_RETURN(auto server, api::Server::Start(options, std::move(routes),
                                                   std::move(deps)));
  const uint16_t port = server->port();
  Figures ws = RunLanes(n, seconds, [&](Lane& l, uint64_t t, auto& stop) {
    WsLane(port, l, t, stop);
  });
  const uint64_t lag_at_end = ledger.head().seq - app->engine().seq();
  server->Shutdown();
  server->Wait();
  adjudication->Stop();
  RETURN_IF_ERROR(ws.error);
  json::object o;
  o["adjudicators"] = n;
  o["websocket"] = Report(ws);
  o["library"] = Report(library);
  o["read_side"] = json::object{{"backlog_after_library_events", backlog},
                                {"catch_up_seconds", catch_up},
                                {"lag_events_at_end", lag_at_end}};
  const double lib_rate = static_cast<double>(library.cycles) / library.seconds;
  const double ws_rate = static_cast<double>(ws.cycles) / ws.seconds;
  o["ratio_websocket_to_library"] = lib_rate > 0 ? ws_rate / lib_rate : 0.0;
  o["target_round_trip_p99_ms"] = 20;
  o["target_decisions_per_second"] = 5000;
  return o;
}

}  // namespace

int RunWsAdjudicators(const Args& args) {
  auto n = args.GetUint("adjudicators", 256);
  if (!n.ok()) return Fail(n.status());
  auto items = args.GetUint("items", 20000);
  if (!items.ok()) return Fail(items.status());
  auto seconds = args.GetDouble("seconds", 5);
  if (!seconds.ok()) return Fail(seconds.status());
  if (*n == 0 || *n > 256 || *items == 0 || *seconds <= 0) {
    return Fail(InvalidArgumentError(
        "--adjudicators must be 1-256, --items > 0 and --seconds > 0"));
  }
  const std::string dir = args.Get("dir", "/tmp") + "/consilium-bench-ws-adj-" +
                          std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  if (Status s = Ledger::Init(dir); !s.ok()) return Fail(s);
  auto ledger = Ledger::Open(dir, {});
  if (!ledger.ok()) return Fail(ledger.status());
  if (Status s = BuildAdjudicationLedger(**ledger, *items, *n); !s.ok())
    return Fail(s);
  StatusOr<json::object> o = Measure(**ledger, *n, *items, *seconds);
  if (!o.ok()) return Fail(o.status());
  (*o)["items"] = *items;
  if (args.Has("json")) return PrintJson(*o);
  const json::object& w = o->at("websocket").as_object();
  const json::object& l = o->at("library").as_object();
  std::printf(
      "%llu adjudicators over the WebSocket: %.0f decisions/s, round trip "
      "p50 %.1f ms p99 %.1f ms (targets: >= 5000/s, p99 <= 20 ms)\n"
      "library claim+decide: %.0f decisions/s, cycle p99 %.1f ms; ratio "
      "%.2f\n",
      static_cast<unsigned long long>(*n),
      w.at("decisions_per_second").to_number<double>(),
      w.at("round_trip_p50_ms").to_number<double>(),
      w.at("round_trip_p99_ms").to_number<double>(),
      l.at("decisions_per_second").to_number<double>(),
      l.at("round_trip_p99_ms").to_number<double>(),
      o->at("ratio_websocket_to_library").to_number<double>());
  return 0;
}

}  // namespace consilium::cli
