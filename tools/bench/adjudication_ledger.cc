#include "tools/bench/adjudication_ledger.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "domain/command_handler.h"
#include "schemas/event.h"

namespace consilium::cli {
namespace {

constexpr std::string_view kSchema = R"({"id": "bench-sev", "version": 1,
  "title": "Bench severity", "fields": [{"name": "severity",
  "type": "ordinal", "layer": "interpretive", "required": true,
  "levels": ["stable", "guarded", "serious", "critical"]}]})";

}  // namespace

std::string BenchAdjudicator(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "adj-%03llu",
                static_cast<unsigned long long>(i));
  return buf;
}

Status BuildAdjudicationLedger(Ledger& ledger, uint64_t items,
                               uint64_t adjudicators) {
  const std::string project(kBenchProject);
  {
    ASSIGN_OR_RETURN(auto h, domain::CommandHandler::Open(&ledger, {}));
    RETURN_IF_ERROR(
        h->RegisterPrincipal("admin",
                             {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
            .status());
    RETURN_IF_ERROR(
        h->CreateProject("admin",
                         {.id = project, .name = "Bench", .overlap_target = 3})
            .status());
    RETURN_IF_ERROR(h->PublishSchema("admin", kSchema).status());
    for (int a = 1; a <= 3; ++a) {
      RETURN_IF_ERROR(h->RegisterPrincipal(
                           "admin", {.id = "ann-" + std::to_string(a),
                                     .roles = {{fb::Role::Annotator, project}}})
                          .status());
    }
    for (uint64_t a = 0; a < adjudicators; ++a) {
      RETURN_IF_ERROR(
          h->RegisterPrincipal("admin",
                               {.id = BenchAdjudicator(a),
                                .roles = {{fb::Role::Adjudicator, project}}})
              .status());
    }
  }
  std::vector<EventDraft> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return OkStatus();
    auto c = ledger.AppendAll(std::move(batch));
    batch.clear();
    return c.status();
  };
  for (uint64_t r = 0; r < items; ++r) {
    const std::string record = "rec-" + std::to_string(r);
    batch.push_back(MakeRecordImported({"admin", ""}, record, kBenchProject,
                                       R"({"text":"bench"})", "{}"));
    for (int a = 0; a < 3; ++a) {
      const std::string who = "ann-" + std::to_string(a + 1);
      const std::string values =
          std::string(R"({"severity":")") + kBenchLevels[a] + "\"}";
      batch.push_back(MakeAnnotationSubmitted(
          {who, ""}, {.annotation_id = who + "-" + record,
                      .project_id = kBenchProject,
                      .record_id = record,
                      .annotator_id = who,
                      .schema_id = "bench-sev",
                      .schema_version = 1,
                      .values = values}));
    }
    if (batch.size() >= 2000) RETURN_IF_ERROR(flush());
  }
  return flush();
}

}  // namespace consilium::cli
