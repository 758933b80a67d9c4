// The public facade of Ledger (ledger.h): Init, Open, appends, reads. The
// rest of Ledger::Impl lives in internal/, one file per seam (ledger_impl.h).
#include "ledger/ledger.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "ledger/internal/index_check.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/ledger_internal.h"
#include "ledger/internal/read_checks.h"
#include "ledger/internal/storage_layout.h"
#include "ledger/merkle.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace {

const std::vector<std::string>& FamilyNames() {
  static const auto* names = new std::vector<std::string>{
      rocksdb::kDefaultColumnFamilyName,
      kEventsFamily,
      kMetaFamily,
      kByRecordFamily,
      kByActorFamily,
      kRequestsFamily,
      kMerkleFamily,
      kCheckpointsFamily,
      kProjectionsFamily,
  };
  return *names;
}

rocksdb::Options BaseOptions() {
  rocksdb::Options o;
  o.max_background_jobs = 2;
  o.keep_log_file_num = 4;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Kill -9 must never lose an acknowledged write, and recovery must never
  // skip one: a record cut short at the end of the WAL (a crash during an
  // unsynced, never-acknowledged write) is dropped, but a damaged record
  // anywhere else fails the open as Corruption (DataLoss). Point-in-time
  // recovery would instead stop at the damage and open a shorter ledger,
  // silently without the acknowledged events behind it
  // (tests/ledger/fault_test.cc, docs/reliability.md).
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  return o;
}

// The id part of an index key (id || 0x00 || seq), for memtable insert hints:
// keys within one id arrive in ascending order, so the memtable can insert
// next to the previous one instead of searching from the top.
class IdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "consilium.IdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    size_t n = nul ? static_cast<const char*>(nul) - key.data() : key.size();
    return rocksdb::Slice(key.data(), n);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

rocksdb::ColumnFamilyOptions FamilyOptions(const std::string& name) {
  rocksdb::ColumnFamilyOptions cf;
  if (name == kEventsFamily) {
    // Sequence keys only grow: every insert lands after the previous one.
    cf.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(0));
  } else if (name == kByActorFamily || name == kByRecordFamily) {
    cf.memtable_insert_with_hint_prefix_extractor =
        std::make_shared<IdPrefix>();
  } else if (name == kMerkleFamily) {
    cf.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(1));
  }
  cf.write_buffer_size = name == kEventsFamily ? 64 << 20 : 16 << 20;
  // One block cache for every family of every ledger in the process.
  static const std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(256 << 20);
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = name == kEventsFamily ? 16 << 10 : 4 << 10;
  if (name == kRequestsFamily || name == kMerkleFamily) {
    // Point lookups (request ids, Merkle nodes) skip files with a filter.
    // The record and actor indexes are only ever scanned by prefix, where a
    // whole-key filter would cost flush time and help no read.
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // Event bytes compress well; hashes (Merkle nodes) not at all, and proofs
  // read them at random, so their blocks stay small and uncompressed.
  cf.compression = name == kMerkleFamily ? rocksdb::kNoCompression
                                         : rocksdb::kLZ4Compression;
  return cf;
}

}  // namespace

namespace ledger_internal {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return OkStatus();
  std::string m = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFoundError(std::move(m));
  if (s.IsCorruption()) return DataLossError(std::move(m));
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return UnavailableError(
        std::move(m) +
        " (is another consilium process using this data directory?)");
  }
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) {
    return UnavailableError(std::move(m));
  }
  return InternalError(std::move(m));
}

}  // namespace ledger_internal

Status Ledger::Impl::Open() {
  RETURN_IF_ERROR(OpenFamilies());
  RETURN_IF_ERROR(CheckFormatVersion());
  RETURN_IF_ERROR(CheckIndexer());
  RETURN_IF_ERROR(RecoverHead());
  LoadTree();
  RETURN_IF_ERROR(LoadCheckpointState());
  committed_seq_ = head_.seq;
  written_ = head_;
  if (!options_.read_only) {
    committer_ = std::thread([this] { CommitterLoop(); });
    syncer_ = std::thread([this] { SyncerLoop(); });
    acker_ = std::thread([this] { AckLoop(); });
  }
  return OkStatus();
}

Status Ledger::Impl::OpenFamilies() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    return NotFoundError("no ledger at " + dir_ +
                         " (create one with `consilium init --data " + dir_ +
                         "`)");
  }
  if (!std::filesystem::exists(std::filesystem::path(dir_) / "CURRENT", ec)) {
    return FailedPreconditionError(
        dir_ + " is not a Consilium ledger (no RocksDB CURRENT file)");
  }
  std::vector<std::string> existing;
  rocksdb::Status ls =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_, &existing);
  if (!ls.ok()) return FromRocks(ls, "listing column families of " + dir_);
  // Families added after the first release (today: projections) may be
  // missing from a ledger made before them; they are created below.
  bool missing_projections = false;
  for (const auto& name : FamilyNames()) {
    if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
      if (name == kProjectionsFamily) {
        missing_projections = true;
        continue;
      }
      return FailedPreconditionError(
          dir_ + " is not a Consilium ledger (column family \"" + name +
          "\" is missing)");
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : existing)
    descriptors.emplace_back(name, FamilyOptions(name));
  rocksdb::Options o = BaseOptions();
  if (env_ != nullptr) o.env = env_;
  rocksdb::Status s =
      options_.read_only
          ? rocksdb::DB::OpenForReadOnly(o, dir_, descriptors, &families_, &db_)
          : rocksdb::DB::Open(o, dir_, descriptors, &families_, &db_);
  if (!s.ok()) return FromRocks(s, "opening " + dir_);
  KeepOwnFamilies();
  if (missing_projections && !options_.read_only) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    s = db_->CreateColumnFamily(FamilyOptions(kProjectionsFamily),
                                kProjectionsFamily, &h);
    if (!s.ok()) return FromRocks(s, "creating column family projections");
    families_.push_back(h);
  }
  // A read-only open of a ledger without the family leaves families_ one
  // short: it has no projection checkpoints (GetProjectionCheckpoint).
  return OkStatus();
}

// Keep only our families, in Family order (a newer build may have added
// others; the format version decides whether we may proceed).
void Ledger::Impl::KeepOwnFamilies() {
  std::vector<rocksdb::ColumnFamilyHandle*> ordered;
  for (const auto& name : FamilyNames()) {
    for (auto* h : families_) {
      if (h->GetName() == name) ordered.push_back(h);
    }
  }
  for (auto* h : families_) {
    if (std::find(ordered.begin(), ordered.end(), h) == ordered.end()) {
      db_->DestroyColumnFamilyHandle(h);
    }
  }
  families_ = std::move(ordered);
}

Status Ledger::Impl::CheckFormatVersion() const {
  std::string version;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaFormatVersion, &version);
  if (!s.ok()) {
    return FailedPreconditionError(
        dir_ + " is not a Consilium ledger (no format version)");
  }
  if (version == std::to_string(kStorageFormatVersion)) return OkStatus();
  char* end = nullptr;
  unsigned long v = std::strtoul(version.c_str(), &end, 10);
  if (end == version.c_str() || *end != '\0') {
    return FailedPreconditionError(
        dir_ + " has an unreadable format version \"" + version + "\"");
  }
  if (v > kStorageFormatVersion) {
    return FailedPreconditionError(
        dir_ + " was written by a newer Consilium (ledger format version " +
        version + "; this build reads up to " +
        std::to_string(kStorageFormatVersion) +
        "). Upgrade consilium to open it.");
  }
  return FailedPreconditionError(dir_ + " has ledger format version " +
                                 version + ", which this build cannot read");
}

// The indexer the options name against the one the indexes were built with.
Status Ledger::Impl::CheckIndexer() {
  const EventIndexer& indexer = options_.indexer;
  if (indexer.name.empty() || indexer.keys == nullptr) {
    return InvalidArgumentError(
        "LedgerOptions::indexer needs a name and a keys function");
  }
  std::string stored;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaIndexer, &stored);
  if (s.IsNotFound()) {
    stored = kLegacyIndexerName;
  } else if (!s.ok()) {
    return FromRocks(s, "reading the indexer name");
  }
  if (stored == indexer.name) return OkStatus();
  Status mismatch = FailedPreconditionError(
      dir_ + ": by_record was built by indexer \"" + stored + "\", not by \"" +
      std::string(indexer.name) +
      "\" as this program indexes (run `consilium repair-indexes` to rebuild "
      "it)");
  if (!options_.adopt_indexer || options_.read_only) return mismatch;
  stale_indexer_ = std::move(mismatch);  // appends wait for RepairIndexes
  return OkStatus();
}

// The head: the last event, cross-checked against meta's record of it.
Status Ledger::Impl::RecoverHead() {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kEvents)));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8)
      return DataLossError("events family holds a malformed key");
    // Copied: FlatBuffers reads need the buffer aligned, RocksDB slices
    // are not.
    std::string bytes(it->value().data(), it->value().size());
    head_.seq = GetBigEndian64(it->key().data());
    head_.hash = LeafHash(AsBytes(bytes));
    Status decodable = VerifyStoredEvent(bytes);
    if (decodable.ok()) {
      head_.timestamp_us = TimestampOf(*EventView(bytes));
    } else if (!options_.read_only) {
      // Never chain new events onto damaged bytes; a read-only open still
      // works, so `consilium verify` can say what is wrong.
      return decodable.WithContext("event " + std::to_string(head_.seq) +
                                   " (run `consilium verify`)");
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the last event"));
  std::string recorded;
  rocksdb::Status hs =
      db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaHead, &recorded);
  if (!hs.ok() && !hs.IsNotFound())
    return FromRocks(hs, "reading the recorded head");
  std::optional<RecordedHead> parsed = ParseRecordedHead(recorded);
  head_check_ = CheckHead(head_.seq, head_.hash, hs.ok(), parsed);
  recorded_head_seq_ = parsed ? parsed->seq : head_.seq;
  // Never chain new events onto a head that is not the one committed.
  if (!head_check_.ok() && !options_.read_only) return head_check_;
  return OkStatus();
}

// The tree's right edge at the head, and the in-memory upper levels.
void Ledger::Impl::LoadTree() {
  if (head_.seq > 0) {
    StoredNodes nodes = Nodes(head_.seq);
    auto range = merkle::CompactRange::Load(head_.seq, nodes);
    if (range.ok()) {
      range_ = *range;
    } else {
      // Still opens, so `consilium repair-indexes` can rebuild the nodes.
      damaged_tree_ =
          Status(range.status().code(),
                 range.status().message() +
                     " (the stored Merkle nodes are damaged: run `consilium "
                     "verify`, then `consilium repair-indexes`)");
    }
  }
  // The in-memory upper levels: a scan from the first key of kUpperLevel.
  std::vector<std::tuple<uint32_t, uint64_t, Hash256>> nodes;
  std::unique_ptr<rocksdb::Iterator> nodes_it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kMerkle)));
  for (nodes_it->Seek(MerkleKey(UpperNodes::kUpperLevel, 0)); nodes_it->Valid();
       nodes_it->Next()) {
    if (nodes_it->key().size() != 9 || nodes_it->value().size() != 32) break;
    uint32_t level = static_cast<uint8_t>(nodes_it->key()[0]);
    uint64_t index = GetBigEndian64(nodes_it->key().data() + 1);
    // Only nodes of the committed tree (a crash never leaves others, but a
    // damaged directory might); verification reports the rest. A damaged
    // key's level may be anything up to 255: never shift by it.
    if (level > 63 || index + 1 > (head_.seq >> level)) continue;
    Hash256 h;
    std::memcpy(h.data(), nodes_it->value().data(), 32);
    nodes.emplace_back(level, index, h);
  }
  upper_.Add(nodes);
}

// Origin, verifier key and the automatic cadence's starting point.
Status Ledger::Impl::LoadCheckpointState() {
  std::string v;
  if (db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaOrigin, &v).ok())
    origin_ = v;
  if (db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaCheckpointKey, &v).ok())
    vkey_ = v;
  if (auto latest = ReadLatestCheckpoint();
      latest.ok() && latest->has_value()) {
    last_checkpoint_size_ = (*latest)->checkpoint.size;
  }
  last_checkpoint_us_ = options_.clock->NowMicros();
  if (options_.checkpoint_signer != nullptr && !origin_.empty() &&
      options_.checkpoint_signer->name() != origin_) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed as \"" + origin_ +
        "\"; the configured key is \"" + options_.checkpoint_signer->name() +
        "\"");
  }
  return OkStatus();
}

StatusOr<std::vector<uint64_t>> Ledger::Impl::IndexScan(
    Family family, const std::string& id) const {
  std::vector<uint64_t> out;
  std::string prefix = IndexPrefix(id);
  const uint64_t head_seq = head().seq;  // nothing beyond the synced head
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    if (it->key().size() != prefix.size() + 8)
      return DataLossError("malformed index key");
    uint64_t seq = GetBigEndian64(it->key().data() + prefix.size());
    if (seq > head_seq) break;  // ascending: the rest is newer still
    out.push_back(seq);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning an index"));
  return out;
}

// ---------------------------------------------------------------------------

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Status Ledger::Init(const std::string& dir, const EventIndexer& indexer) {
  std::error_code ec;
  std::filesystem::path path(dir);
  if (std::filesystem::exists(path / "CURRENT", ec)) {
    std::vector<std::string> names;
    if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names)
            .ok() &&
        std::find(names.begin(), names.end(), kEventsFamily) != names.end()) {
      return AlreadyExistsError(dir + " already holds a ledger");
    }
    return FailedPreconditionError(
        dir + " holds a RocksDB database that is not a ledger");
  }
  if (std::filesystem::exists(path, ec) &&
      !std::filesystem::is_empty(path, ec)) {
    return FailedPreconditionError(
        dir +
        " exists and is not empty; choose an empty or new "
        "directory");
  }
  std::filesystem::create_directories(path, ec);
  if (ec) return UnavailableError("cannot create " + dir + ": " + ec.message());

  rocksdb::Options o = BaseOptions();
  o.create_if_missing = true;
  o.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) return FromRocks(s, "creating " + dir);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (size_t i = 1; i < FamilyNames().size(); ++i) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    s = db->CreateColumnFamily(FamilyOptions(FamilyNames()[i]),
                               FamilyNames()[i], &h);
    if (!s.ok())
      return FromRocks(s, "creating column family " + FamilyNames()[i]);
    handles.push_back(h);
  }
  // handles[kMeta - 1] is meta. Written last, so a half-made directory has no
  // format version and is refused as "not a ledger".
  rocksdb::WriteBatch wb;
  wb.Put(handles[kMeta - 1], kMetaCreatedBy, "consilium 0.1.0");
  wb.Put(handles[kMeta - 1], kMetaIndexer,
         rocksdb::Slice(indexer.name.data(), indexer.name.size()));
  wb.Put(handles[kMeta - 1], kMetaFormatVersion,
         std::to_string(kStorageFormatVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db->Write(wo, &wb);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return FromRocks(s, "writing ledger metadata");
}

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir,
                                               const LedgerOptions& options) {
  return LedgerInternal::OpenWithEnv(dir, options, nullptr);
}

StatusOr<std::unique_ptr<Ledger>> LedgerInternal::OpenWithEnv(
    const std::string& dir, const LedgerOptions& options, rocksdb::Env* env) {
  auto impl = std::make_unique<Ledger::Impl>(dir, options);
  impl->env_ = env;
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

namespace {

// Waits for one synchronous append on the caller's thread.
struct Waiter {
  std::atomic<bool> done{false};
  std::optional<StatusOr<std::vector<Committed>>> result;

  void Set(StatusOr<std::vector<Committed>> r) {
    result.emplace(std::move(r));
    done.store(true, std::memory_order_release);
    done.notify_one();
  }
  StatusOr<std::vector<Committed>> Wait() {
    done.wait(false, std::memory_order_acquire);
    return std::move(*result);
  }
};

}  // namespace

StatusOr<Committed> Ledger::Append(EventDraft draft) {
  std::vector<EventDraft> one;
  one.push_back(std::move(draft));
  ASSIGN_OR_RETURN(std::vector<Committed> c, AppendAll(std::move(one)));
  return c.front();
}

StatusOr<std::vector<Committed>> Ledger::AppendAll(
    std::vector<EventDraft> drafts) {
  if (drafts.empty()) return std::vector<Committed>();
  auto p = std::make_unique<PendingAppend>();
  for (size_t i = 0; i < drafts.size(); ++i) {
    Status s = drafts[i].Validate();
    if (!s.ok()) {
      return drafts.size() == 1
                 ? s
                 : s.WithContext("event " + std::to_string(i + 1) + " of " +
                                 std::to_string(drafts.size()));
    }
    p->bytes += drafts[i].bytes().size();
  }
  p->drafts = std::move(drafts);
  Waiter w;
  p->done = [&w](StatusOr<std::vector<Committed>> r) { w.Set(std::move(r)); };
  impl_->Enqueue(std::move(p));
  return w.Wait();
}

void Ledger::AppendAsync(EventDraft draft, AppendCallback done) {
  Status s = draft.Validate();
  if (!s.ok()) {
    done(s);
    return;
  }
  auto p = std::make_unique<PendingAppend>();
  p->bytes = draft.bytes().size();
  p->drafts.push_back(std::move(draft));
  p->done = [done = std::move(done)](StatusOr<std::vector<Committed>> r) {
    if (!r.ok()) {
      done(r.status());
    } else {
      done(r->front());
    }
  };
  impl_->Enqueue(std::move(p));
}

void Ledger::AppendAsyncWithEvent(EventDraft draft, AppendedCallback done) {
  Status s = draft.Validate();
  if (!s.ok()) {
    done(AppendedEvent{s, {}, false});
    return;
  }
  auto p = std::make_unique<PendingAppend>();
  p->bytes = draft.bytes().size();
  p->drafts.push_back(std::move(draft));
  // The callback lives inside the append it reports on, so it may read the
  // append's draft (stamped by then) and `more`.
  const PendingAppend* self = p.get();
  p->done = [self, done = std::move(done)](StatusOr<std::vector<Committed>> r) {
    AppendedEvent e;
    if (!r.ok()) {
      e.result = r.status();
    } else {
      e.result = r->front();
      if (!r->front().duplicate) e.bytes = self->drafts.front().bytes();
      e.more = self->more;
    }
    done(e);
  };
  impl_->Enqueue(std::move(p));
}

StatusOr<IndexRepairReport> Ledger::RepairIndexes(
    std::string_view actor,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  IndexRepairReport report;
  auto p = std::make_unique<PendingAppend>();
  PendingAppend* self = p.get();
  Impl* im = impl_.get();
  const std::string who(actor);
  // On the committer, which owns the tree's right edge and writes alone:
  // the events it reads are exactly those before the repair's own event.
  p->prepare = [im, self, who, &report,
                &progress](rocksdb::WriteBatch& wb) -> Status {
    IndexStore store{im->db_,
                     im->cf(kEvents),
                     im->cf(kMerkle),
                     {im->cf(kByRecord), im->cf(kByActor), im->cf(kRequests)},
                     rocksdb::ReadOptions(),
                     im->options_.indexer};
    const uint64_t last = im->written_.seq;
    ASSIGN_OR_RETURN(
        IndexRepairPlan plan,
        PlanIndexRepair(store, last, UpperNodes::kUpperLevel, progress));
    std::vector<IndexRepairCount> counts;
    for (const auto& c : plan.counts) {
      report.indexes.push_back({c.index, c.added, c.removed});
      counts.push_back({c.index, c.added, c.removed});
    }
    // A ledger adopting another indexer records that too, even when its
    // indexes happen to match.
    if (!plan.changed() && im->stale_indexer_.ok()) return OkStatus();
    EventDraft draft = MakeIndexesRepaired({who, ""}, counts, last);
    RETURN_IF_ERROR(draft.Validate());
    const std::string_view name = im->options_.indexer.name;
    wb.Put(im->cf(kMeta), kMetaIndexer,
           rocksdb::Slice(name.data(), name.size()));
    for (const auto& w : plan.writes) {
      if (w.value) {
        wb.Put(w.family, w.key, *w.value);
      } else {
        wb.Delete(w.family, w.key);
      }
    }
    // The right edge as the events give it (the one loaded at open came
    // from the stored nodes), and the in-memory upper levels once durable.
    im->range_ = plan.range;
    im->pending_upper_ = std::move(plan.upper);
    self->bytes = draft.bytes().size();
    self->drafts.push_back(std::move(draft));
    return OkStatus();
  };
  Waiter w;
  p->done = [&w](StatusOr<std::vector<Committed>> r) { w.Set(std::move(r)); };
  impl_->Enqueue(std::move(p));
  StatusOr<std::vector<Committed>> committed = w.Wait();
  // The stored nodes may have been rewritten (even by a batch whose sync
  // then failed): roots and verified nodes computed from the old ones go.
  impl_->ResetVerified();
  if (!committed.ok()) return committed.status();
  if (!committed->empty()) report.event = committed->front();
  return report;
}

Head Ledger::head() const { return impl_->head(); }

const std::string& Ledger::dir() const { return impl_->dir_; }

StatusOr<Head> Ledger::CheckedHead() const {
  RETURN_IF_ERROR(impl_->head_check_);
  return head();
}

StatusOr<StoredEvent> Ledger::Get(uint64_t seq) const {
  // An event written but not yet synced is not committed: beyond the head.
  // The head is read first: every event up to it is in the store by then,
  // so a missing one is lost, not late.
  const uint64_t head_seq = head().seq;
  StoredEvent out;
  rocksdb::Status s = impl_->db_->Get(
      rocksdb::ReadOptions(), impl_->cf(kEvents), SeqKey(seq), &out.bytes);
  // Between the stored and the recorded head (the head itself when only
  // its hash differs): say so rather than serve (or deny) those events as
  // if nothing were wrong.
  if (!impl_->head_check_.ok()) {
    const uint64_t lo = std::min(head_seq, impl_->recorded_head_seq_);
    const uint64_t hi = std::max(head_seq, impl_->recorded_head_seq_);
    if (lo == hi ? seq == hi : seq > lo && seq <= hi) return impl_->head_check_;
  }
  if (seq == 0 || seq > head_seq) {
    return NotFoundError("no event " + std::to_string(seq) + " (head is " +
                         std::to_string(head_seq) + ")");
  }
  if (s.IsNotFound()) {
    return DataLossError(
        "event " + std::to_string(seq) + " is missing (the head is " +
        std::to_string(head_seq) + "; run `consilium verify`)");
  }
  RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(seq)));
  RETURN_IF_ERROR(
      VerifyStoredEvent(out.bytes).WithContext("event " + std::to_string(seq)));
  RETURN_IF_ERROR(CheckStoredSequence(seq, *EventView(out.bytes)));
  out.seq = seq;
  out.hash = LeafHash(AsBytes(out.bytes));
  return out;
}

Status Ledger::Scan(uint64_t from, uint64_t limit,
                    const std::function<bool(const StoredEvent&)>& fn,
                    bool with_hashes) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  // A scan reads each block once, in order: caching them would only evict
  // what point reads (proofs, Get) use, and grow the process by the cache.
  ro.fill_cache = false;
  // Nothing beyond the synced head. Read before the iterator is made, so
  // the iterator sees every event up to it (a gap is then real).
  const uint64_t head_seq = head().seq;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(ro, impl_->cf(kEvents)));
  uint64_t n = 0;
  StoredEvent ev;
  // What is delivered is dense from `from`, each event at its own key and,
  // with hashes, linked to the one before (read_checks.h).
  ScanChecker checker(std::max<uint64_t>(from, 1));
  bool stopped = false;
  for (it->Seek(SeqKey(std::max<uint64_t>(from, 1))); it->Valid(); it->Next()) {
    if (limit != 0 && n >= limit) {
      stopped = true;
      break;
    }
    if (it->key().size() != 8)
      return DataLossError("events family holds a malformed key");
    ev.seq = GetBigEndian64(it->key().data());
    if (ev.seq > head_seq) break;
    ev.bytes.assign(it->value().data(), it->value().size());
    RETURN_IF_ERROR(VerifyStoredEvent(ev.bytes).WithContext(
        "event " + std::to_string(ev.seq)));
    if (with_hashes) ev.hash = LeafHash(AsBytes(ev.bytes));
    RETURN_IF_ERROR(
        checker.Check(ev.seq, *ev.event(), with_hashes ? &ev.hash : nullptr));
    ++n;
    if (!fn(ev)) {
      stopped = true;
      break;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning events"));
  if (stopped) return OkStatus();
  // The scan reached the head: every event up to it must have come by, and
  // the head must be the one recorded with the last commit.
  if (checker.expected() <= head_seq) {
    return DataLossError("gap: event " + std::to_string(checker.expected()) +
                         " is missing (the head is " +
                         std::to_string(head_seq) +
                         "; run `consilium verify`)");
  }
  return impl_->head_check_;
}

StatusOr<std::vector<uint64_t>> Ledger::EventsForRecord(
    const std::string& record_id) const {
  return impl_->IndexScan(kByRecord, record_id);
}

StatusOr<std::vector<uint64_t>> Ledger::EventsByActor(
    const std::string& actor) const {
  return impl_->IndexScan(kByActor, actor);
}

bool Ledger::WaitForSeq(uint64_t seq, int64_t timeout_ms) const {
  std::unique_lock l(impl_->commit_mu_);
  return impl_->commit_cv_.wait_for(
      l, std::chrono::milliseconds(timeout_ms), [&] {
        return impl_->committed_seq_.load(std::memory_order_acquire) >= seq;
      });
}

}  // namespace consilium
