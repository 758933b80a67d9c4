#include "api/analytics_routes.h"

#include <optional>
#include <string>
#include <utility>

#include "adjudication/as_of.h"
#include "adjudication/model.h"
#include "api/internal/query.h"
#include "api/internal/read_support.h"
#include "api/read_routes.h"
#include "domain/authorizer.h"
#include "projections/analytics.h"
#include "projections/pseudonyms.h"
#include "render/adjudication_json.h"
#include "render/analytics_json.h"

namespace consilium::api {
namespace {

namespace p = ::consilium::projections;
using internal::DocumentResponse;
using internal::Query;
using internal::ReadState;

// An access event's purpose as the client states it: 1-128 bytes, no
// control characters. "api" when not given.
StatusOr<std::string> Purpose(const Query& q) {
  if (!q.Has("purpose")) return std::string("api");
  std::string purpose = q.Get("purpose");
  bool ok = !purpose.empty() && purpose.size() <= 128;
  for (unsigned char c : purpose) ok = ok && c >= 0x20 && c != 0x7f;
  if (!ok) {
    return InvalidArgumentError(
        "query parameter purpose: 1-128 bytes without control characters");
  }
  return purpose;
}

// The reader sees annotator ids (else pseudonyms): domain::Authorizer's
// SeesIdentities, over the write side's state now.
bool SeesIdentities(const AnalyticsDeps& deps, const Principal& reader,
                    std::string_view project) {
  return deps.core->Read([&](const domain::DomainState& state) {
    return domain::Authorizer(state, reader.id).SeesIdentities(project);
  });
}

// A researcher's distribution: the adjudicators and weighed annotators of
// each field's adjudication decisions by pseudonym, like the annotators.
void PseudonymizeOutcomes(const p::AnalyticsState& state,
                          boost::json::object& doc) {
  auto rename = [&](boost::json::value* id) {
    if (id != nullptr && id->is_string()) {
      *id = p::PseudonymOf(state, std::string(id->as_string()));
    }
  };
  boost::json::value* fields = doc.if_contains("fields");
  if (fields == nullptr || !fields->is_array()) return;
  for (boost::json::value& f : fields->as_array()) {
    boost::json::value* adj = f.as_object().if_contains("adjudication");
    if (adj == nullptr) continue;
    for (boost::json::value& d : adj->as_object()["decisions"].as_array()) {
      rename(d.as_object().if_contains("adjudicator"));
      for (boost::json::value& w : d.as_object()["weighed"].as_array()) {
        rename(w.as_object().if_contains("annotator"));
      }
    }
  }
}

Response Distribution(const AnalyticsDeps& deps, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {"as_of", "purpose"});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<std::string> purpose = Purpose(*q);
  if (!purpose.ok()) return ErrorResponse(purpose.status());
  const Principal& reader = *request.principal;
  const std::string& record = request.params.at("id");
  // Invariant 3: the access is durable before anything is computed from
  // the record's annotations (NotFound for a record the domain lacks).
  StatusOr<Committed> access = TimeAppend(deps.metrics, "record_access", [&] {
    return deps.access->RecordAccess(reader.id, {.resource_kind = "record",
                                                 .resource_id = record,
                                                 .action = "read_distribution",
                                                 .purpose = *purpose,
                                                 .allowed = true});
  });
  if (!access.ok()) return ErrorResponse(access.status());
  if (!deps.engine->WaitForSeq(access->seq, deps.catch_up_timeout_ms)) {
    return ErrorResponse(
        UnavailableError("the read model has not reached event " +
                         std::to_string(access->seq) + " yet; try again"));
  }
  std::optional<p::RecordDistribution> dist;
  bool pseudonyms = false;
  uint64_t at = 0;
  Response read = ReadState(
      *deps.engine, *deps.ledger, q->Get("as_of"),
      [&](const p::AnalyticsState& state, uint64_t seq) {
        auto d = p::LabelDistribution(state, record, /*soft_labels=*/true);
        if (!d.ok()) return ErrorResponse(d.status());
        pseudonyms = !SeesIdentities(deps, reader, d->project);
        if (pseudonyms) {
          p::PseudonymizeDistribution(state, &*d);
        }
        dist = std::move(*d);
        at = seq;
        return Response{};
      });
  if (!dist.has_value()) return read;
  // The adjudication state at the same position beside each field, as
  // `consilium distribution --json` prints it: the model replayed over
  // events 1..at, outside the read model's lock.
  auto replayed = adjudication::ReplayAdjudication(*deps.ledger, at);
  if (!replayed.ok()) return ErrorResponse(replayed.status());
  boost::json::object doc = render::DistributionJson(*dist, at);
  render::AddAdjudicationOutcomes(doc, [&](std::string_view path) {
    return replayed->model->FindItem(dist->project,
                                     {record, std::string(path)});
  });
  if (pseudonyms) {
    deps.engine->Read([&](const p::AnalyticsState& state) {
      PseudonymizeOutcomes(state, doc);
    });
  }
  return DocumentResponse(200, doc, JsonStyle::kIndented);
}

Response Agreement(const AnalyticsDeps& deps, const Request& request) {
  StatusOr<Query> q =
      Query::Parse(request.query, {"field", "batch", "threshold", "as_of"});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<double> threshold =
      q->Double("threshold", p::kDefaultAgreementThreshold);
  if (!threshold.ok()) return ErrorResponse(threshold.status());
  p::AgreementQuery query{.project = request.params.at("project"),
                          .field = q->Get("field"),
                          .batch = q->Get("batch")};
  const bool identities =
      SeesIdentities(deps, *request.principal, query.project);
  return ReadState(*deps.engine, *deps.ledger, q->Get("as_of"),
                   [&](const p::AnalyticsState& state, uint64_t seq) {
                     auto fields = p::ComputeFieldAgreement(state, query);
                     if (!fields.ok()) return ErrorResponse(fields.status());
                     if (!query.field.empty() && fields->empty()) {
                       return ErrorResponse(
                           NotFoundError("project \"" + query.project +
                                         "\" has no human values at field \"" +
                                         query.field + "\""));
                     }
                     if (!identities) p::PseudonymizeAgreement(state, &*fields);
                     const p::CalibrationLoopReport loop =
                         p::RankFields(*fields, *threshold);
                     return DocumentResponse(
                         200,
                         render::LedgerAgreementJson(query.project, query.batch,
                                                     seq, *fields, loop),
                         JsonStyle::kIndented);
                   });
}

// The principal id a pseudonymized reader means by `annotator` (a
// pseudonym); the text itself when no principal has that pseudonym, which
// CalibrateAnnotators then reports as NotFound.
std::string AnnotatorByPseudonym(const p::AnalyticsState& state,
                                 const std::string& pseudonym) {
  for (const auto& [id, info] : state.principals()) {
    if (info.pseudonym == pseudonym) return id;
  }
  return pseudonym;
}

Response Calibration(const AnalyticsDeps& deps, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {"annotator", "as_of"});
  if (!q.ok()) return ErrorResponse(q.status());
  const std::string& project = request.params.at("project");
  const bool identities = SeesIdentities(deps, *request.principal, project);
  return ReadState(
      *deps.engine, *deps.ledger, q->Get("as_of"),
      [&](const p::AnalyticsState& state, uint64_t seq) {
        std::string annotator = q->Get("annotator");
        if (!identities && !annotator.empty()) {
          annotator = AnnotatorByPseudonym(state, annotator);
        }
        // Accuracy against adjudicated, as `consilium calibration` reads
        // it: the items' outcomes at the same position.
        auto replayed = adjudication::ReplayAdjudication(*deps.ledger, seq);
        if (!replayed.ok()) return ErrorResponse(replayed.status());
        const p::AdjudicationOutcomes outcomes =
            adjudication::OutcomesOf(*replayed->model, project);
        auto cal = p::CalibrateAnnotators(state, project, annotator, &outcomes);
        if (!cal.ok()) {
          // Never echo the id a pseudonym stands for.
          if (!identities && cal.status().code() == StatusCode::kNotFound) {
            return ErrorResponse(
                NotFoundError("annotator " + q->Get("annotator") +
                              " has no annotation in project " + project));
          }
          return ErrorResponse(cal.status());
        }
        if (!identities) p::PseudonymizeCalibration(state, &*cal);
        return DocumentResponse(200,
                                render::CalibrationJson(project, seq, *cal),
                                JsonStyle::kIndented);
      });
}

}  // namespace

std::vector<Route> AnalyticsRoutes(const AnalyticsDeps& deps) {
  return {
      {.method = "GET",
       .pattern = std::string(kDistributionRoute),
       .blocking = [deps](const Request& r) { return Distribution(deps, r); }},
      {.method = "GET",
       .pattern = std::string(kAgreementRoute),
       .blocking = [deps](const Request& r) { return Agreement(deps, r); }},
      {.method = "GET",
       .pattern = std::string(kCalibrationRoute),
       .blocking = [deps](const Request& r) { return Calibration(deps, r); }},
  };
}

}  // namespace consilium::api
