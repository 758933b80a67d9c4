// The fixture of the integration tests: a ledger, a CommandHandler with an
// AdjudicationModel attached, the adjudication command set over the same
// core, a fake clock, and a small project:
//   project p (overlap target 2); schema adj@1: dx (categorical a/b/c,
//   interpretive), finding (categorical x/y, descriptive), conf (probability
//   confidence), note (text); records r1..r4 assigned to annotators
//   a1..a4; adjudicators k1, k2, k3 (k3 also an annotator), senior s1; a
//   model principal m1 (annotator); k3 and s1 may annotate too.
#ifndef CONSILIUM_TESTS_ADJUDICATION_ADJUDICATION_FIXTURE_H_
#define CONSILIUM_TESTS_ADJUDICATION_ADJUDICATION_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "domain/command_handler.h"
#include "tests/testing/command_lines.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::adjudication {

inline constexpr char kSchema[] = R"({
  "id": "adj", "version": 1, "title": "adjudication test",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive",
     "categories": ["a", "b", "c"]},
    {"name": "finding", "type": "categorical", "layer": "descriptive",
     "categories": ["x", "y"]},
    {"name": "conf", "type": "confidence", "layer": "interpretive"},
    {"name": "note", "type": "text", "layer": "interpretive"}
  ]})";

class AdjudicationFixture {
 public:
  void Start() {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    OpenLedger();
    Reopen();
  }

  void OpenLedger() {
    LedgerOptions o;
    o.clock = &clock_;
    auto l = Ledger::Open(dir_.path(), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
  }

  // A fresh model and handler over the same ledger: a rebuild.
  void Reopen() {
    adj_.reset();
    handler_.reset();
    model_ = std::make_unique<AdjudicationModel>();
    domain::Model* models[] = {model_.get()};
    domain::CommandHandlerOptions opts;
    opts.clock = &clock_;
    auto h = domain::CommandHandler::Open(ledger_.get(), opts, models);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
    adj_ = std::make_unique<AdjudicationCommands>(&handler_->core(),
                                                  model_.get(), &clock_);
  }

  // Closes everything, ledger included, and opens it again (a restart).
  void Restart() {
    adj_.reset();
    handler_.reset();
    model_.reset();
    ledger_.reset();
    OpenLedger();
    Reopen();
  }

  void Populate(uint32_t overlap = 2) {
    using domain::RoleSpec;
    Ok(handler_
           ->RegisterPrincipal(
               "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
           .status());
    Ok(handler_
           ->CreateProject("admin",
                           {.id = "p", .name = "P", .overlap_target = overlap})
           .status());
    for (const char* who : {"a1", "a2", "a3", "a4"}) {
      Ok(handler_
             ->RegisterPrincipal(
                 "admin", {.id = who, .roles = {{fb::Role::Annotator, "p"}}})
             .status());
    }
    for (const char* who : {"k1", "k2"}) {
      Ok(handler_
             ->RegisterPrincipal(
                 "admin", {.id = who, .roles = {{fb::Role::Adjudicator, "p"}}})
             .status());
    }
    for (const char* who : {"k3", "s1"}) {
      Ok(handler_
             ->RegisterPrincipal("admin",
                                 {.id = who,
                                  .roles = {{fb::Role::Adjudicator, "p"},
                                            {fb::Role::Annotator, "p"}}})
             .status());
    }
    Ok(handler_
           ->RegisterPrincipal("admin", {.id = "m1",
                                         .kind = fb::PrincipalKind::Model,
                                         .model_name = "net",
                                         .model_version = "1",
                                         .roles = {{fb::Role::Annotator, "p"}}})
           .status());
    Ok(handler_->PublishSchema("admin", kSchema).status());
    std::vector<std::string> lines;
    for (int i = 1; i <= 4; ++i) {
      lines.push_back(R"({"id":"r)" + std::to_string(i) +
                      R"(","text":"note of record )" + std::to_string(i) +
                      R"("})");
    }
    auto r = testing::ImportLines(*handler_, "admin", "p", lines, true);
    ASSERT_TRUE(r.ok() && r->all_ok());
    for (int i = 1; i <= 4; ++i) {
      for (const char* who : {"a1", "a2", "a3", "a4", "k3", "s1"}) {
        Ok(handler_->Assign("admin", "p", "r" + std::to_string(i), who)
               .status());
      }
    }
  }

  static void Ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.ToString(); }

  static std::string Values(const std::string& dx, double conf = -1,
                            const std::string& finding = "") {
    std::string v = R"({"dx":")" + dx + "\"";
    if (conf >= 0) v += R"(,"conf":)" + std::to_string(conf);
    if (!finding.empty()) v += R"(,"finding":")" + finding + "\"";
    return v + "}";
  }

  StatusOr<Committed> Submit(const std::string& id, const std::string& record,
                             const std::string& who,
                             const std::string& values) {
    return handler_->SubmitAnnotation(who, {.annotation_id = id,
                                            .record_id = record,
                                            .annotator_id = who,
                                            .schema_id = "adj",
                                            .schema_version = 1,
                                            .values = values});
  }
  StatusOr<Committed> Revise(const std::string& id, uint32_t expected,
                             const std::string& who,
                             const std::string& values) {
    return handler_->ReviseAnnotation(who, {.annotation_id = id,
                                            .expected_revision = expected,
                                            .values = values,
                                            .reason = "second look"});
  }
  StatusOr<Committed> Withdraw(const std::string& id, uint32_t expected,
                               const std::string& who) {
    return handler_->WithdrawAnnotation(
        who,
        {.annotation_id = id, .expected_revision = expected, .reason = "oops"});
  }

  // The model's state, read under the core's lock.
  std::string Debug() const {
    return handler_->Read(
        [&](const domain::DomainState&) { return model_->DebugString(); });
  }
  size_t Depth() const {
    return handler_->Read(
        [&](const domain::DomainState&) { return model_->Depth("p"); });
  }
  ItemState StateOf(const std::string& record, const std::string& field) {
    return handler_->Read([&](const domain::DomainState&) {
      const ItemInfo* i = model_->FindItem("p", {record, field});
      return i == nullptr ? ItemState::kNotDisputed : i->state;
    });
  }

  // A model rebuilt from the ledger as it is now (DomainState::Apply over a
  // full scan), compared with the live one.
  std::string Rebuilt() const {
    AdjudicationModel fresh;
    domain::Model* models[] = {&fresh};
    domain::DomainState state;
    Status s = ledger_->Scan(1, 0, [&](const StoredEvent& e) {
      state.Apply(e, models);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return fresh.DebugString();
  }

  uint64_t Head() const { return ledger_->head().seq; }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<AdjudicationModel> model_;
  std::unique_ptr<domain::CommandHandler> handler_;
  std::unique_ptr<AdjudicationCommands> adj_;
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_TESTS_ADJUDICATION_ADJUDICATION_FIXTURE_H_
