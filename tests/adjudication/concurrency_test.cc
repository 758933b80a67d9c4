// AdjudicationCommands under real concurrency: many adjudicators claiming
// and deciding at once (group commit), while annotators revise. No item is
// held twice, every acknowledged decision is in the model, every refused
// one is not, and the live model equals a rebuild.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::adjudication {
namespace {

class ConcurrencyTest : public ::testing::Test, public AdjudicationFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(Populate());
  }
};

TEST_F(ConcurrencyTest, ParallelClaimsAndDecisionsNeverShareAnItem) {
  constexpr int kItems = 24;
  constexpr int kThreads = 12;
  std::vector<std::string> lines;
  for (int i = 0; i < kItems; ++i) {
    lines.push_back(R"({"id":"c)" + std::to_string(i) + R"(","text":"t"})");
  }
  auto imported = testing::ImportLines(*handler_, "admin", "p", lines, true);
  ASSERT_TRUE(imported.ok() && imported->all_ok());
  for (int i = 0; i < kItems; ++i) {
    const std::string r = "c" + std::to_string(i);
    Ok(handler_->Assign("admin", "p", r, "a1").status());
    Ok(handler_->Assign("admin", "p", r, "a2").status());
    Ok(Submit(r + "-a1", r, "a1", Values("a")).status());
    Ok(Submit(r + "-a2", r, "a2", Values("b")).status());
  }
  std::vector<std::string> adjudicators;
  for (int t = 0; t < kThreads; ++t) {
    adjudicators.push_back("j" + std::to_string(t));
    Ok(handler_
           ->RegisterPrincipal("admin",
                               {.id = adjudicators.back(),
                                .roles = {{fb::Role::Adjudicator, "p"}}})
           .status());
  }
  ASSERT_EQ(Depth(), static_cast<size_t>(kItems));

  std::mutex mu;
  std::set<std::string> held_now;  // items held by a running claim
  std::vector<std::pair<uint64_t, uint64_t>> acknowledged;  // lease, seq
  std::vector<uint64_t> refused;  // leases whose decision was Aborted
  std::atomic<int> overlaps{0}, aborted{0}, other_errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, who = adjudicators[t]] {
      while (true) {
        StatusOr<ClaimResult> c = adj_->Claim(who, "p");
        if (!c.ok()) {
          if (c.status().code() == StatusCode::kNotFound) return;
          if (c.status().code() != StatusCode::kAborted) ++other_errors;
          continue;
        }
        {
          std::lock_guard l(mu);
          if (!held_now.insert(c->item.record).second) ++overlaps;
        }
        StatusOr<Committed> d = adj_->Decide(who, {.lease = c->lease,
                                                   .field = "dx",
                                                   .value_json = "\"a\"",
                                                   .rationale = "reviewed"});
        {
          std::lock_guard l(mu);
          held_now.erase(c->item.record);
          if (d.ok()) acknowledged.emplace_back(c->lease, d->seq);
          if (d.status().code() == StatusCode::kAborted) {
            refused.push_back(c->lease);
          }
        }
        if (!d.ok()) {
          if (d.status().code() == StatusCode::kAborted) {
            ++aborted;
            // The annotations changed: the lease is still ours; give it
            // back so the item is not stuck.
            (void)adj_->Release(who, c->lease);
          } else {
            ++other_errors;
          }
        }
      }
    });
  }
  // Revisions racing the decisions: a2 flips r's value back and forth.
  std::thread reviser([&] {
    for (int round = 0; round < 3 && !stop; ++round) {
      for (int i = 0; i < kItems; i += 3) {
        const std::string r = "c" + std::to_string(i);
        (void)Revise(r + "-a2", 1 + round, "a2",
                     Values(round % 2 == 0 ? "c" : "b"));
      }
    }
  });
  reviser.join();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(other_errors.load(), 0);
  // Every acknowledged decision ended its lease as decided at its seq;
  // every refused one did not.
  handler_->Read([&](const domain::DomainState&) {
    const Queue* q = model_->FindQueue("p");
    EXPECT_EQ(q->leases(), 0u);
    for (const auto& [lease, seq] : acknowledged) {
      const auto end = q->EndOf(lease);
      ASSERT_TRUE(end.has_value());
      EXPECT_EQ(end->first, LeaseEndReason::kDecided);
      EXPECT_EQ(end->second, seq);
    }
    for (uint64_t lease : refused) {
      const auto end = q->EndOf(lease);
      ASSERT_TRUE(end.has_value());
      EXPECT_NE(end->first, LeaseEndReason::kDecided);
    }
  });
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kItems));
  EXPECT_EQ(Debug(), Rebuilt());
}

}  // namespace
}  // namespace consilium::adjudication
