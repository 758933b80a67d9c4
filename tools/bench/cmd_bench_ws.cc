// `consilium bench ws`: the event stream's catch-up rate over the WebSocket
// (docs/websocket.md, "Benchmark"). Fills a scratch ledger with N events,
// serves it on loopback with the event stream, and has K followers (Beast
// clients, one thread each) follow from 0 until they hold every event,
// checking that sequence numbers arrive dense and in order. Issue 17's
// target: one follower catches up on 1M events at >= 200k events/s.
// With --adjudicators N: the adjudicators' claim -> decide round trip
// instead (tools/bench/bench_ws_adjudicators.h).
#include <unistd.h>

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "api/event_stream.h"
#include "api/server.h"
#include "ledger/ledger.h"
#include "tools/bench/bench_ws_adjudicators.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "bench-token";

struct FollowerRun {
  Status status = OkStatus();
  uint64_t events = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Follows from 0 until `want` events arrived, in order.
FollowerRun Follow(uint16_t port, uint64_t want) {
  FollowerRun run;
  try {
    net::io_context io;
    websocket::stream<beast::tcp_stream> ws(io);
    beast::get_lowest_layer(ws).connect(
        {net::ip::make_address("127.0.0.1"), port});
    ws.set_option(
        websocket::stream_base::decorator([](websocket::request_type& req) {
          req.set("Authorization", std::string("Bearer ") + kToken);
        }));
    ws.read_message_max(64 << 20);
    ws.handshake("127.0.0.1", api::kWebSocketPath);
    const auto start = Clock::now();
    ws.write(net::buffer(std::string(R"({"id":1,"type":"follow","from":0})")));
    beast::flat_buffer buf;
    while (run.events < want) {
      ws.read(buf);
      run.bytes += buf.size();
      json::value msg = json::parse(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      const json::object& o = msg.as_object();
      if (o.at("type") == "error") {
        run.status = InternalError(json::serialize(o));
        return run;
      }
      if (o.at("type") != "events") continue;
      for (const json::value& e : o.at("events").as_array()) {
        if (e.at("seq").to_number<uint64_t>() != run.events + 1) {
          run.status = InternalError("events out of order at " +
                                     std::to_string(run.events + 1));
          return run;
        }
        ++run.events;
      }
    }
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ws.close(websocket::close_code::normal);
  } catch (const std::exception& e) {
    run.status = UnavailableError(std::string("follower: ") + e.what());
  }
  return run;
}

Status Fill(Ledger& ledger, uint64_t events) {
  std::vector<EventDraft> batch;
  const std::string content(160, 'x');
  for (uint64_t i = 0; i < events; ++i) {
    batch.push_back(MakeRecordImported({"bench-importer", ""},
                                       "rec-" + std::to_string(i), "bench",
                                       content, "{}"));
    if (batch.size() == 2000 || i + 1 == events) {
      RETURN_IF_ERROR(ledger.AppendAll(std::move(batch)).status());
      batch.clear();
    }
  }
  return OkStatus();
}

int Run(const Args& args) {
  if (args.Has("adjudicators")) return RunWsAdjudicators(args);
  auto events = args.GetUint("events", 1'000'000);
  if (!events.ok()) return Fail(events.status());
  auto followers = args.GetUint("followers", 1);
  if (!followers.ok()) return Fail(followers.status());
  if (*events == 0 || *followers == 0 || *followers > 256) {
    return Fail(
        InvalidArgumentError("--events must be > 0 and --followers 1-256"));
  }
  const std::string dir = args.Get("dir", "/tmp") + "/consilium-bench-ws-" +
                          std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  if (Status s = Ledger::Init(dir); !s.ok()) return Fail(s);
  auto ledger = Ledger::Open(dir, {});
  if (!ledger.ok()) return Fail(ledger.status());
  const auto fill_start = Clock::now();
  if (Status s = Fill(**ledger, *events); !s.ok()) return Fail(s);
  const double fill_s =
      std::chrono::duration<double>(Clock::now() - fill_start).count();

  auto stream = api::EventStream::Start(ledger->get(), {}, {});
  auto handlers = std::make_shared<api::WsHandlers>();
  if (Status s = stream->AddTo(*handlers); !s.ok()) return Fail(s);
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.blocking_threads = std::max<size_t>(4, *followers);
  api::ServerDeps deps;
  deps.authenticator = std::make_shared<api::StaticTokenAuthenticator>(
      std::map<std::string, api::Principal>{{kToken, {"bench", {"admin"}}}});
  deps.websocket = handlers;
  auto server = api::Server::Start(options, api::Router(), std::move(deps));
  if (!server.ok()) return Fail(server.status());

  std::vector<FollowerRun> runs(*followers);
  std::vector<std::thread> threads;
  const uint16_t port = (*server)->port();
  for (size_t i = 0; i < runs.size(); ++i) {
    threads.emplace_back([&, i] { runs[i] = Follow(port, *events); });
  }
  for (std::thread& t : threads) t.join();
  (*server)->Shutdown();

  json::array rates;
  double slowest = 0, total_bytes = 0;
  for (const FollowerRun& r : runs) {
    if (!r.status.ok()) return Fail(r.status);
    rates.push_back(static_cast<double>(r.events) / r.seconds);
    slowest = std::max(slowest, r.seconds);
    total_bytes += static_cast<double>(r.bytes);
  }
  double min_rate = static_cast<double>(*events) / slowest;
  json::object o;
  o["events"] = *events;
  o["followers"] = *followers;
  o["fill_seconds"] = fill_s;
  o["catch_up_seconds_slowest"] = slowest;
  o["events_per_second_per_follower"] = std::move(rates);
  o["min_events_per_second"] = min_rate;
  o["total_events_per_second"] =
      static_cast<double>(*events * *followers) / slowest;
  o["megabytes_per_second"] = total_bytes / slowest / 1e6;
  o["target_events_per_second"] = 200'000;
  o["target_met"] = min_rate >= 200'000;
  if (args.Has("json")) return PrintJson(o);
  std::printf(
      "%llu events, %llu follower(s): slowest caught up in %.3f s, "
      "%.0f events/s each (target 200000), %.1f MB/s in total\n",
      static_cast<unsigned long long>(*events),
      static_cast<unsigned long long>(*followers), slowest, min_rate,
      total_bytes / slowest / 1e6);
  return 0;
}

Registrar bench_ws(Command{
    .words = {"bench", "ws"},
    .summary = "event-stream catch-up rate over the WebSocket (followers "
               "from 0 over loopback)",
    .flags = {{"events", "N", "events in the scratch ledger (default 1000000)"},
              {"followers", "K", "concurrent followers (default 1)"},
              {"adjudicators", "N",
               "instead: N adjudicators claim and decide over the WebSocket "
               "(1-256), beside the library's claim+decide rate"},
              {"items", "K",
               "with --adjudicators: disputed items (default "
               "20000)"},
              {"seconds", "S",
               "with --adjudicators: how long each run lasts "
               "(default 5)"},
              {"dir", "DIR", "where the scratch ledger goes (default /tmp)"},
              {"json", "", "print JSON"}},
    .run = Run});

}  // namespace
}  // namespace consilium::cli
