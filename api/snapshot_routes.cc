#include "api/snapshot_routes.h"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "api/internal/body_reader.h"
#include "api/internal/query.h"
#include "common/hash.h"
#include "dataset/backup.h"
#include "dataset/pseudonyms.h"
#include "dataset/snapshot_dir.h"
#include "dataset/snapshot_tags.h"
#include "domain/authorizer.h"
#include "ledger/checkpoint.h"
#include "projections/engine.h"

namespace consilium::api {
namespace {

namespace fs = std::filesystem;

struct SnapshotState {
  AppContext context;
  std::optional<NoteSigner> signer;
  std::mutex export_mu;  // one export at a time: each holds a whole state
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "120" -> 120; a tag name -> its sequence number (of this project).
StatusOr<std::pair<uint64_t, std::string>> Version(const Ledger& ledger,
                                                   const std::string& project,
                                                   const std::string& v) {
  bool digits = !v.empty() && v.size() <= 19;
  for (char c : v) digits = digits && c >= '0' && c <= '9';
  uint64_t seq = 0;
  std::string tag;
  if (digits) {
    seq = std::stoull(v);
  } else {
    ASSIGN_OR_RETURN(dataset::SnapshotTag t,
                     dataset::FindSnapshotTag(ledger, v));
    if (t.project != project)
      return NotFoundError("snapshot tag " + v + " names project " + t.project +
                           ", not " + project);
    seq = t.as_of_seq;
    tag = t.name;
  }
  uint64_t head = ledger.head().seq;
  if (seq == 0 || seq > head)
    return OutOfRangeError("snapshot " + v +
                           " is not an event of the ledger (1.." +
                           std::to_string(head) + ")");
  return std::make_pair(seq, tag);
}

// Exports the spec into a fresh temporary directory and returns `file` of
// it: the CLI's ExportSnapshot, so the bytes are the CLI's.
StatusOr<std::string> Export(SnapshotState& st, const std::string& project,
                             const std::string& version,
                             dataset::ContentMode content, const char* file) {
  Ledger& ledger = *st.context.ledger;
  ASSIGN_OR_RETURN(auto v, Version(ledger, project, version));
  dataset::ExportSpec spec{.project = project,
                           .as_of_seq = v.first,
                           .tag = v.second,
                           .content = content};
  std::lock_guard<std::mutex> lock(st.export_mu);
  ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> cp,
                   ledger.CheckpointAt(v.first));
  if (!cp) {
    if (!st.signer)
      return FailedPreconditionError(
          "no signed checkpoint of exactly " + std::to_string(v.first) +
          " events is stored and the server has no signing key (consilium "
          "configure --checkpoint-key)");
    ASSIGN_OR_RETURN(StoredCheckpoint signed_cp,
                     ledger.SignCheckpoint(*st.signer, v.first));
    cp = std::move(signed_cp);
  }
  ASSIGN_OR_RETURN(dataset::Pseudonymizer ps,
                   dataset::Pseudonymizer::LoadOrCreate(ledger.dir()));
  // Encryption at rest: the server's keys open sealed content and free text,
  // as the CLI's do (tools/content_keys.h).
  const ContentKeys keys = st.context.handler->Read(
      [](const domain::DomainState& s) { return s.content_keys(); });
  ASSIGN_OR_RETURN(projections::AnalyticsState state,
                   projections::BuildStateAsOf(ledger, v.first, keys));
  static std::atomic<uint64_t> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 ("consilium-snapshot-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter.fetch_add(1)));
  StatusOr<dataset::Manifest> m = dataset::ExportSnapshot(
      ledger, state, spec, ps, *cp, ledger.CheckpointVerifierKey(),
      {st.context.software_version, st.context.software_revision}, dir.string(),
      keys);
  std::string bytes = m.ok() ? Slurp(dir / file) : "";
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!m.ok()) return m.status();
  return bytes;
}

// The record content a snapshot carries for this reader (docs/snapshots.md,
// "From a running server"): `?content=full|hash`; by default the most the
// reader may have. Full content is for readers granted the project's record
// content (an admin of the project); everyone else allowed in (researchers)
// gets content hashes, and asking for more is PermissionDenied.
StatusOr<dataset::ContentMode> ContentFor(const SnapshotState& st,
                                          const Request& r,
                                          const std::string& project) {
  ASSIGN_OR_RETURN(internal::Query q,
                   internal::Query::Parse(r.query, {"content"}));
  const std::string& reader = r.principal->id;
  const bool granted =
      st.context.handler->Read([&](const domain::DomainState& s) -> bool {
        return domain::Authorizer(s, reader).RequireAdmin(project).ok();
      });
  if (!q.Has("content")) {
    return granted ? dataset::ContentMode::kFull : dataset::ContentMode::kHash;
  }
  StatusOr<dataset::ContentMode> mode =
      dataset::ParseContentMode(q.Get("content"));
  if (!mode.ok()) {
    return InvalidArgumentError(
        "query parameter content: expects full or hash, got \"" +
        q.Get("content") + "\"");
  }
  if (*mode == dataset::ContentMode::kFull && !granted) {
    return PermissionDeniedError(
        "principal " + reader +
        " may not export the record content of project " + project +
        " (needs admin in project " + project +
        "; researchers export content hashes: content=hash)");
  }
  return *mode;
}

Response SnapshotFile(SnapshotState& st, const Request& r, const char* file,
                      const char* content_type) {
  const std::string& project = r.params.at("project");
  const std::string& version = r.params.at("version");
  StatusOr<dataset::ContentMode> content = ContentFor(st, r, project);
  if (!content.ok()) return st.context.Fail(r, r.path, content.status());
  StatusOr<std::string> bytes = Export(st, project, version, *content, file);
  if (!bytes.ok()) return st.context.Fail(r, r.path, bytes.status());
  // The access record is durable before any byte of the data leaves
  // (DESIGN.md invariant 3); the manifest holds no record content.
  if (std::string_view(file) == dataset::kDataFile) {
    Status s =
        st.context.RecordRead(r.principal->id, "dataset", project, "export", r);
    if (!s.ok()) return st.context.Fail(r, r.path, s);
  }
  Response out;
  out.content_type = content_type;
  out.body = std::move(*bytes);
  return out;
}

Response Backup(SnapshotState& st, const Request& r) {
  StatusOr<internal::BodyReader> body = internal::BodyReader::Parse(r);
  if (!body.ok()) return ErrorResponse(body.status());
  StatusOr<std::string> out = body->String("out", true);
  if (!out.ok()) return ErrorResponse(out.status());
  if (Status s = body->Finish(); !s.ok()) return ErrorResponse(s);
  if (out->empty() || (*out)[0] != '/')
    return ErrorResponse(InvalidArgumentError(
        "request body: out: must be an absolute path on the server"));
  StatusOr<dataset::BackupInfo> info =
      dataset::BackupDataDir(*st.context.ledger, *out);
  if (!info.ok()) return st.context.Fail(r, r.path, info.status());
  return JsonResponse(
      200,
      {{"format", "consilium-backup/1"},
       {"out", *out},
       {"head", {{"seq", info->head.seq}, {"hash", ToHex(info->head.hash)}}},
       {"pseudonym_key", info->pseudonym_key}});
}

Status MayExport(const domain::Authorizer& auth, const Request& r) {
  return auth.MayReadProjectAnalytics(r.params.at("project"),
                                      "the dataset snapshots");
}

}  // namespace

Status AddSnapshotRoutes(RouteTable& table, const AppContext& context) {
  auto st = std::make_shared<SnapshotState>();
  st->context = context;
  ASSIGN_OR_RETURN(std::optional<std::string> key_file,
                   context.ledger->GetSetting("checkpoint_key_file"));
  if (key_file) {
    StatusOr<NoteSigner> signer = ReadKeyFile(*key_file);
    if (!signer.ok())
      return signer.status().WithContext("checkpoint_key_file " + *key_file);
    st->signer.emplace(std::move(*signer));
  }
  const std::string base = "/v1/projects/{project}/snapshots/{version}/";
  RETURN_IF_ERROR(table.Add({.method = "GET",
                             .pattern = base + "data.jsonl",
                             .blocking =
                                 [st](const Request& r) {
                                   return SnapshotFile(*st, r,
                                                       dataset::kDataFile,
                                                       "application/x-ndjson");
                                 }},
                            MayExport));
  RETURN_IF_ERROR(table.Add({.method = "GET",
                             .pattern = base + "manifest.json",
                             .blocking =
                                 [st](const Request& r) {
                                   return SnapshotFile(*st, r,
                                                       dataset::kManifestFile,
                                                       "application/json");
                                 }},
                            MayExport));
  return table.Add(
      {.method = "POST",
       .pattern = "/v1/admin/backup",
       .blocking = [st](const Request& r) { return Backup(*st, r); }},
      rules::GlobalAdmin);
}

}  // namespace consilium::api
