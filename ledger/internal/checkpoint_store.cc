// Signed checkpoints (the automatic cadence and SignCheckpoint), ledger
// settings and projection checkpoints: everything Ledger::Impl
// (ledger_impl.h) keeps in the checkpoints, meta and projections families
// besides the head.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/storage_layout.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

void Ledger::Impl::MaybeCheckpoint(rocksdb::WriteBatch& wb, const Head& h) {
  const NoteSigner* signer = options_.checkpoint_signer;
  if (signer == nullptr) return;
  bool by_count =
      options_.checkpoint_every_events > 0 &&
      h.seq - last_checkpoint_size_ >= options_.checkpoint_every_events;
  bool by_time = options_.checkpoint_every_ms > 0 &&
                 h.timestamp_us - last_checkpoint_us_ >=
                     options_.checkpoint_every_ms * 1000;
  if (!by_count && !by_time) return;
  // range_ is exactly the tree these stored nodes describe, so this
  // checkpoint extends every earlier one by construction.
  auto note = signer->Sign(
      FormatCheckpointBody({signer->name(), h.seq, range_.Root()}));
  if (!note.ok()) return;  // the next commit tries again
  wb.Put(cf(kCheckpoints), SeqKey(h.seq), *note);
  std::lock_guard l(checkpoint_mu_);
  if (origin_.empty()) {
    origin_ = signer->name();
    vkey_ = signer->VerifierKey();
    wb.Put(cf(kMeta), kMetaOrigin, origin_);
    wb.Put(cf(kMeta), kMetaCheckpointKey, vkey_);
  }
  last_checkpoint_size_ = h.seq;
  last_checkpoint_us_ = h.timestamp_us;
}

StatusOr<std::optional<StoredCheckpoint>> Ledger::Impl::ReadLatestCheckpoint()
    const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kCheckpoints)));
  // A checkpoint written with a batch that is not yet synced is not yet
  // committed: the newest at or below the head.
  it->SeekForPrev(SeqKey(head().seq));
  RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  if (!it->Valid()) return std::optional<StoredCheckpoint>();
  StoredCheckpoint cp;
  cp.note = it->value().ToString();
  // The body is everything before the blank line that starts the signatures.
  size_t end = cp.note.find("\n\n");
  if (end == std::string::npos)
    return DataLossError("stored checkpoint is not a signed note");
  auto body = ParseCheckpointBody(std::string_view(cp.note).substr(0, end + 1));
  if (!body.ok())
    return DataLossError("stored checkpoint: " + body.status().message());
  if (it->key().size() != 8 || GetBigEndian64(it->key().data()) != body->size) {
    return DataLossError("stored checkpoint: its body's tree size " +
                         std::to_string(body->size) +
                         " does not match the size it is stored under");
  }
  cp.checkpoint = *body;
  return std::optional<StoredCheckpoint>(std::move(cp));
}

StatusOr<std::optional<StoredCheckpoint>> Ledger::LatestCheckpoint() const {
  return impl_->ReadLatestCheckpoint();
}

StatusOr<std::optional<StoredCheckpoint>> Ledger::CheckpointAt(
    uint64_t size) const {
  if (size == 0 || size > head().seq) return std::optional<StoredCheckpoint>();
  std::string note;
  rocksdb::Status s = impl_->db_->Get(
      rocksdb::ReadOptions(), impl_->cf(kCheckpoints), SeqKey(size), &note);
  if (s.IsNotFound()) return std::optional<StoredCheckpoint>();
  RETURN_IF_ERROR(
      FromRocks(s, "reading the checkpoint of size " + std::to_string(size)));
  size_t end = note.find("\n\n");
  auto body = ParseCheckpointBody(
      std::string_view(note).substr(0, end == std::string::npos ? 0 : end + 1));
  if (end == std::string::npos || !body.ok() || body->size != size) {
    return DataLossError("the stored checkpoint of size " +
                         std::to_string(size) +
                         " is not a signed checkpoint of that size (run "
                         "`consilium verify`)");
  }
  return std::optional<StoredCheckpoint>(StoredCheckpoint{*body, note});
}

namespace {

Status CheckSettingName(std::string_view name) {
  if (name != "checkpoint_key_file") {
    return InvalidArgumentError("unknown setting \"" + std::string(name) +
                                "\" (known: checkpoint_key_file)");
  }
  return OkStatus();
}

}  // namespace

Status Ledger::SetSetting(std::string_view name, std::string_view value) {
  RETURN_IF_ERROR(CheckSettingName(name));
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(
      impl_->db_->Put(wo, impl_->cf(kMeta),
                      std::string(kMetaSettingPrefix) + std::string(name),
                      rocksdb::Slice(value.data(), value.size())),
      "storing a setting");
}

StatusOr<std::optional<std::string>> Ledger::GetSetting(
    std::string_view name) const {
  RETURN_IF_ERROR(CheckSettingName(name));
  std::string v;
  rocksdb::Status s =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->cf(kMeta),
                      std::string(kMetaSettingPrefix) + std::string(name), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading a setting"));
  return std::optional<std::string>(std::move(v));
}

namespace {

Status CheckProjectionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdBytes ||
      name.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("projection name must be 1 to " +
                                std::to_string(kMaxIdBytes) +
                                " bytes without NUL");
  }
  return OkStatus();
}

}  // namespace

Status Ledger::PutProjectionCheckpoint(std::string_view name, uint64_t seq,
                                       std::string_view bytes) {
  RETURN_IF_ERROR(CheckProjectionName(name));
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  const uint64_t head_seq = head().seq;
  if (seq > head_seq) {
    return OutOfRangeError("projection checkpoint at " + std::to_string(seq) +
                           " is beyond the ledger's " +
                           std::to_string(head_seq) + " events");
  }
  std::string value(8, '\0');
  PutBigEndian64(value.data(), seq);
  value.append(bytes);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(
      impl_->db_->Put(wo, impl_->cf(kProjections),
                      rocksdb::Slice(name.data(), name.size()), value),
      "storing projection checkpoint " + std::string(name));
}

StatusOr<std::optional<std::pair<uint64_t, std::string>>>
Ledger::GetProjectionCheckpoint(std::string_view name) const {
  using Result = std::optional<std::pair<uint64_t, std::string>>;
  RETURN_IF_ERROR(CheckProjectionName(name));
  // Read-only open of a ledger made before the family existed.
  if (impl_->families_.size() <= kProjections) return Result();
  std::string value;
  rocksdb::Status s =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->cf(kProjections),
                      rocksdb::Slice(name.data(), name.size()), &value);
  if (s.IsNotFound()) return Result();
  RETURN_IF_ERROR(
      FromRocks(s, "reading projection checkpoint " + std::string(name)));
  if (value.size() < 8) {
    return DataLossError("projection checkpoint " + std::string(name) +
                         " is shorter than its 8-byte sequence number");
  }
  return Result(std::in_place, GetBigEndian64(value.data()), value.substr(8));
}

std::string Ledger::CheckpointVerifierKey() const {
  std::lock_guard l(impl_->checkpoint_mu_);
  return impl_->vkey_;
}

StatusOr<StoredCheckpoint> Ledger::SignCheckpoint(const NoteSigner& signer,
                                                  uint64_t size) {
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  std::lock_guard l(impl_->checkpoint_mu_);
  if (!impl_->origin_.empty() && impl_->origin_ != signer.name()) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed as \"" + impl_->origin_ +
        "\", not \"" + signer.name() + "\"");
  }
  if (!impl_->vkey_.empty() && impl_->vkey_ != signer.VerifierKey()) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed by key " + impl_->vkey_ +
        "; refusing to sign with another key of the same name");
  }
  uint64_t head_seq = head().seq;
  if (size == 0) size = head_seq;
  RETURN_IF_ERROR(CheckTreeSize(size, head_seq));
  if (size == 0)
    return FailedPreconditionError(
        "the ledger is empty; nothing to checkpoint");
  // The root to sign, checked as served to an auditor: the newest event of
  // the tree is included in it (ProveInclusion).
  ASSIGN_OR_RETURN(merkle::InclusionBundle newest, ProveInclusion(size, size));
  const Hash256 root = newest.root;
  // Never sign something inconsistent with what was signed before: the
  // current tree must still reproduce the latest checkpoint's root, and
  // the new tree must provably extend (or be a prefix of) the old one.
  ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> latest, LatestCheckpoint());
  if (latest) {
    const Checkpoint& prev = latest->checkpoint;
    auto prev_root = RootAt(prev.size);
    if (!prev_root.ok() || *prev_root != prev.root) {
      return FailedPreconditionError(
          "refusing to sign: the ledger no longer reproduces the root of the "
          "checkpoint at size " +
          std::to_string(prev.size) + " (run `consilium verify`)");
    }
    RETURN_IF_ERROR(
        ProveConsistency(std::min(prev.size, size), std::max(prev.size, size))
            .status()
            .WithContext("refusing to sign"));
  }
  StoredCheckpoint out;
  out.checkpoint = Checkpoint{signer.name(), size, root};
  ASSIGN_OR_RETURN(out.note, signer.Sign(FormatCheckpointBody(out.checkpoint)));
  rocksdb::WriteBatch wb;
  wb.Put(impl_->cf(kCheckpoints), SeqKey(size), out.note);
  if (impl_->origin_.empty()) {
    wb.Put(impl_->cf(kMeta), kMetaOrigin, signer.name());
    wb.Put(impl_->cf(kMeta), kMetaCheckpointKey, signer.VerifierKey());
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(
      FromRocks(impl_->db_->Write(wo, &wb), "storing a checkpoint"));
  impl_->origin_ = signer.name();
  impl_->vkey_ = signer.VerifierKey();
  return out;
}

}  // namespace consilium
