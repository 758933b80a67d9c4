#include "dataset/snapshot_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "common/input.h"
#include "common/strict_json.h"
#include "ledger/proof_verifier.h"
#include "projections/engine.h"

namespace consilium::dataset {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr size_t kManifestLimit = 4 * kMiB;
constexpr size_t kLineLimit = 256 * kMiB;

std::string ErrnoText() { return std::strerror(errno); }

// A file written through a temporary name: Commit syncs and renames it into
// place; destroyed uncommitted, it is removed.
class AtomicFile {
 public:
  static StatusOr<std::unique_ptr<AtomicFile>> Create(std::string path) {
    std::string tmp = path + ".partial";
    FILE* f = std::fopen(tmp.c_str(), "wbx");
    if (f == nullptr)
      return InternalError("creating " + tmp + ": " + ErrnoText());
    return std::unique_ptr<AtomicFile>(
        new AtomicFile(f, std::move(path), std::move(tmp)));
  }
  ~AtomicFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  Status Write(std::string_view s) {
    if (std::fwrite(s.data(), 1, s.size(), file_) != s.size()) {
      return InternalError("writing " + tmp_ + ": " + ErrnoText());
    }
    return OkStatus();
  }
  Status Commit() {
    bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return InternalError("writing " + path_ + ": " + ErrnoText());
    }
    committed_ = true;
    return OkStatus();
  }

 private:
  AtomicFile(FILE* f, std::string path, std::string tmp)
      : file_(f), path_(std::move(path)), tmp_(std::move(tmp)) {
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  FILE* file_;
  std::string path_, tmp_;
  bool committed_ = false;
};

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status PrepareDir(const std::string& outdir) {
  std::error_code ec;
  if (fs::exists(outdir, ec)) {
    if (!fs::is_directory(outdir, ec)) {
      return AlreadyExistsError(outdir + " exists and is not a directory");
    }
    if (!fs::is_empty(outdir, ec)) {
      return AlreadyExistsError(outdir +
                                " is not empty (a snapshot is never "
                                "overwritten: choose a new directory)");
    }
    return OkStatus();
  }
  fs::create_directories(outdir, ec);
  if (ec) return InternalError("creating " + outdir + ": " + ec.message());
  return OkStatus();
}

std::string Changed(std::string_view what, std::string_view detail) {
  return std::string(what) + " changed: " + std::string(detail);
}

// What VerifySnapshot reads of data.jsonl: its digest and size, and what
// its lines add up to; the first problem with a line.
struct DataScan {
  Hash256 sha256{};
  uint64_t bytes = 0;
  ExportCounts counts;
  std::string problem;
};

// Checks one line (without its newline) of data.jsonl against the spec and
// the line before it; adds it to the counts.
std::string CheckLine(std::string_view line, const ExportSpec& spec,
                      std::string& previous_id, ExportCounts& counts) {
  json::value v;
  if (!ParseStrictJson(line, {}, v).ok() || !v.is_object()) {
    return "is not a JSON object";
  }
  // Not re-serialized and compared: Boost.JSON 1.81 does not read every
  // shortest double back exactly (soft labels such as 5.2e-10); the bytes
  // are guarded by the digest, and with a ledger by the re-export.
  const json::object& o = v.as_object();
  const json::value* id = o.if_contains("record_id");
  const json::value* project = o.if_contains("project_id");
  const json::value* annotations = o.if_contains("annotations");
  const json::value* fields = o.if_contains("fields");
  const json::value* adjudications = o.if_contains("adjudications");
  if (id == nullptr || !id->is_string() || project == nullptr ||
      annotations == nullptr || !annotations->is_array() || fields == nullptr ||
      !fields->is_array() || adjudications == nullptr ||
      !adjudications->is_array()) {
    return "lacks record_id, project_id, annotations, fields or adjudications";
  }
  if (*project != json::value(spec.project)) {
    return "is not of the manifest's project";
  }
  if (counts.records > 0 && !(previous_id < id->as_string())) {
    return "is not after the line before it in record id order";
  }
  previous_id = std::string(id->as_string());
  ++counts.records;
  counts.annotations += annotations->as_array().size();
  for (const json::value& a : annotations->as_array()) {
    const json::value* r =
        a.is_object() ? a.as_object().if_contains("revisions") : nullptr;
    if (r != nullptr && r->is_array()) counts.revisions += r->as_array().size();
  }
  counts.fields += fields->as_array().size();
  counts.adjudications += adjudications->as_array().size();
  return "";
}

StatusOr<DataScan> ScanData(const std::string& path, const ExportSpec& spec) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"),
                                          &std::fclose);
  if (f == nullptr)
    return NotFoundError(path + ": cannot open: " + ErrnoText());
  DataScan scan;
  Sha256Hasher hasher;
  std::string buf(1 << 20, '\0'), line, previous_id;
  uint64_t number = 0;
  auto line_done = [&] {
    ++number;
    if (!scan.problem.empty()) return;
    std::string p = CheckLine(line, spec, previous_id, scan.counts);
    if (!p.empty()) scan.problem = "line " + std::to_string(number) + " " + p;
  };
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    std::string_view chunk(buf.data(), n);
    hasher.Update(chunk);
    scan.bytes += n;
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      line.append(chunk.substr(0, nl));
      if (line.size() > kLineLimit) {
        return DataLossError(
            Changed("data.jsonl",
                    "a line is longer than " + FormatByteLimit(kLineLimit)));
      }
      if (nl == std::string_view::npos) break;
      line_done();
      line.clear();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (std::ferror(f.get()))
    return DataLossError("reading " + path + ": " + ErrnoText());
  if (!line.empty() && scan.problem.empty()) {
    scan.problem = "its last line has no newline";
  }
  scan.sha256 = hasher.Finish();
  return scan;
}

Status CheckData(const std::string& outdir, const Manifest& m,
                 const std::function<void(std::string_view)>& passed) {
  ASSIGN_OR_RETURN(DataScan scan, ScanData(outdir + "/" + kDataFile, m.spec));
  if (scan.sha256 != m.data_sha256) {
    return DataLossError(Changed(
        "data.jsonl", "its SHA-256 is " + ToHex(scan.sha256) +
                          ", the manifest says " + ToHex(m.data_sha256)));
  }
  if (scan.bytes != m.data_bytes) {
    return DataLossError(Changed(
        "manifest", "data.bytes says " + std::to_string(m.data_bytes) +
                        ", data.jsonl has " + std::to_string(scan.bytes)));
  }
  passed("data.jsonl: SHA-256 " + ToHex(scan.sha256) + " as in the manifest");
  if (!scan.problem.empty()) {
    return DataLossError(Changed("data.jsonl", scan.problem));
  }
  if (!(scan.counts == m.counts)) {
    return DataLossError(Changed(
        "manifest", "its counts are not what data.jsonl holds (" +
                        std::to_string(scan.counts.records) + " records, " +
                        std::to_string(scan.counts.annotations) +
                        " annotations)"));
  }
  passed("data.jsonl: " + std::to_string(scan.counts.records) +
         " lines of project " + m.spec.project +
         " in record order; counts as in the manifest");
  return OkStatus();
}

Status CheckSignature(const Manifest& m, const NoteVerifier& verifier,
                      const std::function<void(std::string_view)>& passed) {
  StatusOr<std::string> body = verifier.Open(m.checkpoint.note);
  if (!body.ok()) {
    return UnauthenticatedError("checkpoint not signed by " +
                                verifier.VerifierKey() + ": " +
                                body.status().message());
  }
  if (m.verifier_key != verifier.VerifierKey()) {
    return DataLossError(
        Changed("manifest", "ledger.verifier_key is not the key that signed"));
  }
  passed("checkpoint: signed by " + verifier.VerifierKey() + " (" +
         m.checkpoint.checkpoint.origin + ", size " +
         std::to_string(m.checkpoint.checkpoint.size) + ")");
  return OkStatus();
}

StatusOr<std::string> LedgerOrigin(const Ledger& ledger) {
  ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> latest,
                   ledger.LatestCheckpoint());
  if (!latest) {
    return FailedPreconditionError("snapshot of a different ledger: " +
                                   ledger.dir() + " has signed no checkpoint");
  }
  return latest->checkpoint.origin;
}

Status CheckAgainstLedger(const Manifest& m, const Ledger& ledger,
                          const std::function<void(std::string_view)>& passed) {
  const Checkpoint& cp = m.checkpoint.checkpoint;
  ASSIGN_OR_RETURN(std::string origin, LedgerOrigin(ledger));
  if (origin != cp.origin) {
    return FailedPreconditionError(
        "snapshot of a different ledger: its origin is \"" + cp.origin +
        "\", the ledger's \"" + origin + "\"");
  }
  ASSIGN_OR_RETURN(Head head, ledger.CheckedHead());
  if (head.seq < cp.size) {
    return FailedPreconditionError(
        "snapshot of a different ledger: it covers " + std::to_string(cp.size) +
        " events, " + ledger.dir() + " holds " + std::to_string(head.seq));
  }
  ASSIGN_OR_RETURN(Hash256 root, ledger.RootAt(cp.size));
  if (root != cp.root) {
    return FailedPreconditionError(
        "snapshot of a different ledger: the ledger's root at size " +
        std::to_string(cp.size) + " is " + ToBase64(root) +
        ", the snapshot's " + ToBase64(cp.root));
  }
  ASSIGN_OR_RETURN(merkle::ConsistencyBundle b,
                   ledger.ProveConsistency(cp.size, head.seq));
  Status s =
      merkle::VerifyConsistency(cp.size, head.seq, b.proof, cp.root, b.root2);
  if (!s.ok()) {
    return FailedPreconditionError(
        "snapshot of a different ledger: consistency proof from " +
        std::to_string(cp.size) + " to " + std::to_string(head.seq) +
        " fails: " + s.message());
  }
  passed("ledger: the snapshot's tree of " + std::to_string(cp.size) +
         " events is a prefix of the ledger's " + std::to_string(head.seq) +
         " (consistency proof verified)");
  return OkStatus();
}

Status CheckReexport(const Manifest& m, const Ledger& ledger,
                     const std::function<void(std::string_view)>& passed,
                     const ContentKeys& keys) {
  StatusOr<Pseudonymizer> ps = Pseudonymizer::LoadOrCreate(ledger.dir(), false);
  if (!ps.ok()) {
    return FailedPreconditionError(
        "cannot re-export the snapshot from the ledger: " +
        ps.status().message());
  }
  if (ps->KeyId() != m.pseudonym_key_id) {
    return FailedPreconditionError(
        "cannot re-export the snapshot from the ledger: its pseudonym key " +
        ps->KeyId() + " is not the snapshot's " + m.pseudonym_key_id);
  }
  ASSIGN_OR_RETURN(projections::AnalyticsState state,
                   projections::BuildStateAsOf(ledger, m.spec.as_of_seq, keys));
  Sha256Hasher hasher;
  StatusOr<ExportCounts> counts = WriteSnapshotLines(
      ledger, state, m.spec, *ps,
      [&](std::string_view line) {
        hasher.Update(line);
        return OkStatus();
      },
      keys);
  if (!counts.ok()) {
    return DataLossError(Changed(
        "manifest", "its spec does not export: " + counts.status().message()));
  }
  Hash256 digest = hasher.Finish();
  if (digest != m.data_sha256) {
    return DataLossError(Changed(
        "manifest", "re-exporting its spec from the ledger gives SHA-256 " +
                        ToHex(digest) + ", not " + ToHex(m.data_sha256)));
  }
  passed("re-export: the spec gives the same bytes from the ledger");
  return OkStatus();
}

}  // namespace

StatusOr<Manifest> ExportSnapshot(
    const Ledger& ledger, const projections::AnalyticsState& state,
    const ExportSpec& spec, const Pseudonymizer& pseudonyms,
    const StoredCheckpoint& checkpoint, const std::string& verifier_key,
    const SoftwareInfo& software, const std::string& outdir,
    const ContentKeys& keys,
    const std::function<void(uint64_t done, uint64_t total)>& progress) {
  if (checkpoint.checkpoint.size != spec.as_of_seq) {
    return InvalidArgumentError("the manifest needs the checkpoint of " +
                                std::to_string(spec.as_of_seq) +
                                " events, not of " +
                                std::to_string(checkpoint.checkpoint.size));
  }
  RETURN_IF_ERROR(PrepareDir(outdir));
  Manifest m;
  m.spec = spec;
  m.checkpoint = checkpoint;
  m.verifier_key = verifier_key;
  m.software = software;
  m.pseudonym_key_id = pseudonyms.KeyId();
  ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> data,
                   AtomicFile::Create(outdir + "/" + kDataFile));
  Sha256Hasher hasher;
  uint64_t written = 0, total = 0;
  if (progress) {
    total = state.RecordsOfProject(spec.project).size();
    progress(0, total);
  }
  ASSIGN_OR_RETURN(m.counts, WriteSnapshotLines(
                                 ledger, state, spec, pseudonyms,
                                 [&](std::string_view line) {
                                   hasher.Update(line);
                                   m.data_bytes += line.size();
                                   Status s = data->Write(line);
                                   if (s.ok() && progress)
                                     progress(++written, total);
                                   return s;
                                 },
                                 keys));
  m.data_sha256 = hasher.Finish();
  RETURN_IF_ERROR(data->Commit());
  ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> manifest,
                   AtomicFile::Create(outdir + "/" + kManifestFile));
  RETURN_IF_ERROR(manifest->Write(ManifestText(m)));
  RETURN_IF_ERROR(manifest->Commit());
  SyncDir(outdir);
  return m;
}

StatusOr<Manifest> VerifySnapshot(
    const std::string& outdir, const NoteVerifier& verifier,
    const Ledger* ledger, const std::function<void(std::string_view)>& passed,
    const ContentKeys& keys) {
  auto say = [&](std::string_view line) {
    if (passed) passed(line);
  };
  ASSIGN_OR_RETURN(std::string text,
                   ReadBoundedFile(outdir + "/" + kManifestFile, kManifestLimit,
                                   "snapshot manifest"));
  StatusOr<Manifest> m = ParseManifest(text);
  if (!m.ok()) return DataLossError(Changed("manifest", m.status().message()));
  say("manifest: well formed, canonical");
  RETURN_IF_ERROR(CheckSignature(*m, verifier, say));
  RETURN_IF_ERROR(CheckData(outdir, *m, say));
  if (ledger != nullptr) {
    RETURN_IF_ERROR(CheckAgainstLedger(*m, *ledger, say));
    RETURN_IF_ERROR(CheckReexport(*m, *ledger, say, keys));
  }
  return m;
}

}  // namespace consilium::dataset
