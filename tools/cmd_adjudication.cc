// Adjudication policies and queues (docs/adjudication.md, "Command line"):
//   consilium policy set FILE --data DIR --project P --as A
//   consilium policy show --data DIR --project P [--as-of SEQ|TIME] [--json]
//   consilium queue list --data DIR --project P [--all] [--as-of SEQ|TIME]
//       [--json]
//   consilium queue show --data DIR --project P --record R --field F
//       [--as-of SEQ|TIME] [--json]
// `policy set` runs AdjudicationCommands::SetPolicy through the write side
// and prints {"seq","hash"} like every single-event command. The read
// commands replay the domain state and the AdjudicationModel over the ledger
// prefix (tools/adjudication_source.h); --json prints the documents of
// render/adjudication_json.h, otherwise readable tables.
// (`adjudicate claim|heartbeat|release|decide` are in cmd_adjudicate.cc.)
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "common/clock.h"
#include "domain/command_handler.h"
#include "render/adjudication_json.h"
#include "render/adjudication_reads.h"
#include "render/commit_json.h"
#include "schemas/event.h"
#include "schemas/event_json.h"
#include "tools/adjudication_source.h"
#include "tools/cli.h"
#include "tools/content_keys.h"
#include "tools/input_limits.h"
#include "tools/open_ledger.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace adj = ::consilium::adjudication;

// ---- policy set / show -----------------------------------------------------

int PolicySet(const Args& args) {
  auto project = args.Require("project");
  auto actor = args.Require("as");
  if (!project.ok()) return Fail(project.status());
  if (!actor.ok()) return Fail(actor.status());
  auto text =
      ReadBoundedFile(args.positional[0], kSchemaFileLimit, "policy file");
  if (!text.ok()) return Fail(text.status());
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  auto keys = OpenContentKeys(args.Get("data"));  // encryption at rest
  if (!keys.ok()) return Fail(keys.status());
  adj::AdjudicationModel model;
  domain::Model* models[] = {&model};
  auto handler = domain::CommandHandler::Open(
      ledger->get(), {.content_keys = keys->keys()}, models);
  if (!handler.ok()) return Fail(handler.status());
  adj::AdjudicationCommands commands(&(*handler)->core(), &model,
                                     SystemClock());
  auto c = commands.SetPolicy(*actor, *project, *text);
  if (!c.ok()) return Fail(c.status(), 1);
  return PrintJsonLine(render::CommittedJson(*c));
}

// The sequence number of the project's current AdjudicationPolicySet, found
// while replaying (the queue keeps the policy, not the event).
struct PolicyEvents {
  std::string project;
  std::optional<uint64_t> current;
};

std::string FieldPolicyText(const adj::FieldPolicy& f) {
  std::vector<std::string> triggers;
  if (f.disagreement) triggers.push_back("any disagreement");
  if (f.entropy_at_least)
    triggers.push_back("normalized entropy >= " +
                       Fixed(*f.entropy_at_least, 2));
  if (f.mean_confidence_at_most) {
    triggers.push_back("mean confidence <= " +
                       Fixed(*f.mean_confidence_at_most, 2));
  }
  if (f.calibration_batch) triggers.push_back("calibration batch");
  if (f.prelabel_contradicted) triggers.push_back("pre-label contradicted");
  std::string t;
  for (const std::string& s : triggers) t += (t.empty() ? "" : " or ") + s;
  if (t.empty()) t = "never (no trigger)";
  std::string priority = std::string(adj::PriorityRuleName(f.priority));
  if (f.priority == adj::PriorityRule::kExplicit)
    priority += " " + std::to_string(f.explicit_priority);
  return t + "; from " + std::to_string(f.min_annotations) +
         " annotations; priority " + priority + "; " +
         std::to_string(f.adjudicators) + " adjudicator" +
         (f.adjudicators == 1 ? "" : "s");
}

int PolicyShow(const Args& args) {
  auto project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  PolicyEvents events{*project, std::nullopt};
  auto loaded = LoadAdjudication(
      args, [&](const StoredEvent& e, const adj::AdjudicationModel&) {
        const auto* p = e.event()->body_as_AdjudicationPolicySet();
        if (p != nullptr && p->project_id()->string_view() == events.project)
          events.current = e.seq;
      });
  if (!loaded.ok()) return Fail(loaded.status());
  const adj::Queue* queue = loaded->model->FindQueue(*project);
  if (queue == nullptr)
    return Fail(NotFoundError("no project \"" + *project + "\""), 1);
  const adj::ProjectPolicy& policy = queue->policy();
  // A policy event the model did not take (none is, after SetPolicy's
  // checks) must not be cited as the current one.
  const std::optional<uint64_t> policy_seq =
      policy.version == 0 ? std::nullopt : events.current;
  if (args.Has("json"))
    return PrintJson(render::PolicyJson(policy, policy_seq, loaded->seq));
  if (policy.version == 0) {
    std::printf("project %s: built-in default policy, as of event %llu\n",
                project->c_str(), static_cast<unsigned long long>(loaded->seq));
  } else {
    std::printf(
        "project %s: policy version %lld (event %llu), as of event "
        "%llu\n",
        project->c_str(), static_cast<long long>(policy.version),
        static_cast<unsigned long long>(policy_seq.value_or(0)),
        static_cast<unsigned long long>(loaded->seq));
  }
  std::string seniors;
  for (const std::string& s : policy.senior_adjudicators)
    seniors += (seniors.empty() ? "" : ", ") + s;
  std::printf("leases %lld s; senior tier: %s\n",
              static_cast<long long>(policy.lease_micros / 1000000),
              seniors.empty() ? "none (escalation refused)" : seniors.c_str());
  Table table({{"field"}, {"layer"}, {"enters adjudication when"}}, "  ");
  for (const auto& [path, f] : policy.fields) {
    table.AddRow(
        {path, std::string(schemas::LayerName(f.layer)), FieldPolicyText(f)});
  }
  for (schemas::Layer layer :
       {schemas::Layer::kInterpretive, schemas::Layer::kDescriptive}) {
    adj::ProjectPolicy unnamed = policy;
    unnamed.fields.clear();
    table.AddRow({"(other fields)", std::string(schemas::LayerName(layer)),
                  FieldPolicyText(unnamed.For("", layer))});
  }
  table.Print();
  return 0;
}

// ---- queue list / show -------------------------------------------------

std::string Age(int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

int QueueList(const Args& args) {
  auto project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  auto loaded = LoadAdjudication(args);
  if (!loaded.ok()) return Fail(loaded.status());
  const adj::Queue* queue = loaded->model->FindQueue(*project);
  if (queue == nullptr)
    return Fail(NotFoundError("no project \"" + *project + "\""), 1);
  auto limit = args.GetUint("limit", 0);
  if (!limit.ok()) return Fail(limit.status());
  std::vector<const adj::ItemInfo*> items =
      render::QueueListItems(*queue, args.Has("all"), *limit);
  std::vector<render::QueueEntry> entries;
  for (const adj::ItemInfo* i : items) {
    auto t = EventTime(*loaded->ledger, i->opened_seq);
    if (!t.ok()) return Fail(t.status());
    entries.push_back({i, *t});
  }
  if (args.Has("json")) {
    return PrintJson(render::QueueListJson(*project, loaded->seq,
                                           loaded->now_us, queue->queued(),
                                           queue->leases(), entries));
  }
  std::printf("project %s, as of event %llu: %zu queued, %zu leased\n",
              project->c_str(), static_cast<unsigned long long>(loaded->seq),
              queue->queued(), queue->leases());
  if (entries.empty()) {
    std::printf("no items%s\n", args.Has("all") ? "" : " waiting");
    return 0;
  }
  Table table({{"record"},
               {"field"},
               {"state"},
               {"priority", Table::kRight},
               {"annot.", Table::kRight},
               {"age", Table::kRight},
               {"lease", Table::kRight},
               {"reason"}});
  for (const render::QueueEntry& e : entries) {
    const adj::ItemInfo& i = *e.item;
    const int64_t age = std::max<int64_t>(0, loaded->now_us - e.opened_us);
    table.AddRow(
        {i.key.record, i.key.field, std::string(adj::ItemStateName(i.state)),
         std::to_string(i.evaluation.priority),
         std::to_string(i.current.size()), Age(age / 1000000),
         i.lease == 0 ? "" : std::to_string(i.lease), i.evaluation.reason});
  }
  table.Print();
  return 0;
}

int QueueShow(const Args& args) {
  auto project = args.Require("project");
  auto record = args.Require("record");
  auto field = args.Require("field");
  if (!project.ok()) return Fail(project.status());
  if (!record.ok()) return Fail(record.status());
  if (!field.ok()) return Fail(field.status());
  const adj::ItemKey key{*record, *field};
  std::vector<render::ItemHistoryEntry> history;
  auto loaded = LoadItemHistory(args, *project, key, &history);
  if (!loaded.ok()) return Fail(loaded.status());
  if (loaded->model->FindQueue(*project) == nullptr)
    return Fail(NotFoundError("no project \"" + *project + "\""), 1);
  const adj::ItemInfo* item = loaded->model->FindItem(*project, key);
  if (item == nullptr) {
    return Fail(NotFoundError("record \"" + *record + "\" field \"" + *field +
                              "\" has never been evaluated for adjudication "
                              "in project \"" +
                              *project + "\""),
                1);
  }
  auto opened = EventTime(*loaded->ledger, item->opened_seq);
  if (!opened.ok()) return Fail(opened.status());
  const adj::LeaseInfo* lease =
      item->lease == 0 ? nullptr : loaded->model->FindLease(item->lease).held;
  if (args.Has("json")) {
    return PrintJson(render::ItemShowJson(*project, loaded->seq, *item, *opened,
                                          loaded->now_us, lease, history));
  }
  std::printf("%s %s: %s (project %s, as of event %llu)\n", record->c_str(),
              field->c_str(),
              std::string(adj::ItemStateName(item->state)).c_str(),
              project->c_str(), static_cast<unsigned long long>(loaded->seq));
  std::printf("  %s; priority %lld\n", item->evaluation.reason.c_str(),
              static_cast<long long>(item->evaluation.priority));
  std::string current;
  for (const adj::AnnotationRef& r : item->current)
    current += (current.empty() ? "" : ", ") + r.annotator + " #" +
               std::to_string(r.seq);
  std::printf("  current annotations: %s\n",
              current.empty() ? "none" : current.c_str());
  if (lease != nullptr) {
    std::printf("  lease %llu held by %s until %s\n",
                static_cast<unsigned long long>(lease->id),
                lease->adjudicator.c_str(),
                FormatTimestamp(lease->expires_us).c_str());
  }
  std::printf("history\n");
  Table table({{}, {}, {}, {}, {}, {}}, "  ");
  for (const render::ItemHistoryEntry& h : history) {
    table.AddRow(
        {"#" + std::to_string(h.seq), FormatTimestamp(h.timestamp_us), h.what,
         h.actor, h.lease == 0 ? "" : "lease " + std::to_string(h.lease),
         h.detail + (h.cites
                         ? " (cites decision #" + std::to_string(*h.cites) + ")"
                         : "")});
  }
  table.Print();
  return 0;
}

std::vector<Flag> ReadFlags(std::vector<Flag> extra) {
  std::vector<Flag> flags = {DataFlag(), {"project", "P", "project id", true}};
  flags.insert(flags.end(), extra.begin(), extra.end());
  flags.push_back(
      {"as-of", "SEQ|TIME", "as the ledger stood at an event or a time"});
  flags.push_back({"json", "", "print JSON instead of a table"});
  return flags;
}

Registrar policy_set(Command{
    .words = {"policy", "set"},
    .summary = "set a project's adjudication policy (docs/adjudication.md)",
    .positionals = {{"FILE", "the policy document, JSON"}},
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"as", "A", "acting principal: an admin of the project", true}},
    .run = PolicySet});
Registrar policy_show(Command{
    .words = {"policy", "show"},
    .summary = "a project's adjudication policy, every default resolved",
    .flags = ReadFlags({}),
    .run = PolicyShow});
Registrar queue_list(Command{
    .words = {"queue", "list"},
    .summary = "items waiting for adjudication, in claim order",
    .flags = ReadFlags({{"all", "", "also decided and ambiguous items"},
                        {"limit", "N",
                         "only the first N items (default: all)"}}),
    .run = QueueList});
Registrar queue_show(Command{
    .words = {"queue", "show"},
    .summary = "one item's adjudication state, lease, decisions and history",
    .flags = ReadFlags({{"record", "R", "record id", true},
                        {"field", "F", "field (schema path)", true}}),
    .run = QueueShow});

}  // namespace
}  // namespace consilium::cli
