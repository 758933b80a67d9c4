// SIGTERM while annotations are being submitted over TLS to a real
// `consilium serve`: the server stops accepting, lets the requests in
// flight finish, exits 0, and every submission it acknowledged (201) is in
// the ledger afterwards (acknowledged means durable); nothing else is.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api::testing {
namespace {

class AppShutdownTest : public ServeFixture {};

TEST_F(AppShutdownTest, SigtermFinishesInFlightAppendsAndLosesNoAcknowledged) {
  AddUser("admin", "--role admin");
  Cli("project create --id p1 --name ICU");
  Cli("schema publish " + ::consilium::testing::SourceDir() +
      "/schemas/examples/icu-severity.json");
  const std::string token = AddUser("dr-a", "--role annotator --project p1");
  Cli("import records --project p1 " +
      WriteFile("r.jsonl", "{\"id\":\"rec-1\",\"text\":\"x\"}\n"));
  Cli("assign --project p1 --record rec-1 --annotator dr-a");
  Start();

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<int> answered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string id = "a-" + std::to_string(t) + "-" + std::to_string(i);
        HttpCall call{.method = "POST",
                      .target = "/v1/annotations",
                      .headers = {{"Authorization", "Bearer " + token},
                                  {"Content-Type", "application/json"}},
                      .body = R"({"annotation_id":")" + id +
                              R"(","record":"rec-1","schema":"icu-severity@1",)"
                              R"("values":{"severity":"stable"}})"};
        StatusOr<HttpReply> r =
            Fetch(port_, call, {.enabled = true, .ca_file = ca_});
        if (!r.ok()) {
          if (stop) return;  // refused: the server is stopping
          continue;
        }
        ++answered;
        if (r->status == 201) {
          std::lock_guard lock(mu);
          acked.insert(id);
        } else {
          ADD_FAILURE() << r->status << " " << r->body;
        }
      }
    });
  }
  // Bounded: a server that died (a sanitizer's report ends it) answers
  // nothing, and the clients would retry for ever.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (answered < 40 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  if (answered < 40) {
    for (std::thread& c : clients) c.join();
    FAIL() << "only " << answered << " answers in 120 s; is consilium serve "
           << "running? (its log is above)";
  }
  Stop();  // SIGTERM while the clients are still sending; exit 0
  for (std::thread& c : clients) c.join();

  std::set<std::string> stored;
  for (const boost::json::object& e : Events()) {
    if (e.at("type").as_string() == "AnnotationSubmitted") {
      stored.insert(std::string(e.at("body").at("annotation_id").as_string()));
    }
  }
  EXPECT_GE(acked.size(), 40u);
  for (const std::string& id : acked) EXPECT_TRUE(stored.count(id)) << id;
  // A submission appended but not answered (the connection closed after
  // the grace period) would be stored and not acknowledged: within the
  // grace period every in-flight one is answered.
  EXPECT_EQ(stored.size(), acked.size());
}

}  // namespace
}  // namespace consilium::api::testing
