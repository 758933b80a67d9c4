// Group commit, pipelined (docs/group-commit.md): the committer, the syncer
// and the acknowledger of Ledger::Impl (ledger_impl.h).
#include "ledger/internal/group_commit.h"

#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/storage_layout.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace {

// Adds the index entry IndexKey(id, seq) (storage_layout.h) from its parts,
// without building the key: the commit thread writes two per event.
void PutIndexEntry(rocksdb::WriteBatch& wb, rocksdb::ColumnFamilyHandle* family,
                   std::string_view id, const char (&seq_key)[8]) {
  static constexpr char kSeparator = '\0';
  const rocksdb::Slice key[3] = {rocksdb::Slice(id.data(), id.size()),
                                 rocksdb::Slice(&kSeparator, 1),
                                 rocksdb::Slice(seq_key, 8)};
  const rocksdb::Slice value;
  wb.Put(family, rocksdb::SliceParts(key, 3), rocksdb::SliceParts(&value, 1));
}

std::string HeadValue(uint64_t seq, const Hash256& hash) {
  std::string v(40, '\0');
  PutBigEndian64(v.data(), seq);
  std::memcpy(v.data() + 8, hash.data(), 32);
  return v;
}

}  // namespace

void Ledger::Impl::Enqueue(std::unique_ptr<PendingAppend> p) {
  if (options_.read_only) {
    p->done(FailedPreconditionError("ledger " + dir_ + " is open read-only"));
    return;
  }
  {
    std::lock_guard l(mu_);
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
}

// Group commit, pipelined (docs/group-commit.md): the committer takes
// everything that queued up while it was busy (up to the batch limits),
// stamps it and writes it in one WriteBatch without waiting for the disk;
// the syncer makes everything written so far durable with one WAL sync and
// only then acknowledges it. So the next batch is prepared and written while
// the previous one syncs. Under light load a lone append goes out at once;
// under heavy load each sync covers every batch written meanwhile. No
// timers: waiting for more company would only add latency.
void Ledger::Impl::CommitterLoop() {
  pthread_setname_np(pthread_self(), "csl-commit");  // shows in top -H, perf
  // RocksDB's per-thread perf counters cost a TLS lookup per operation and
  // nobody reads them here.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::vector<std::unique_ptr<PendingAppend>> batch;
  for (;;) {
    {
      std::unique_lock l(mu_);
      cv_.wait(l, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, nothing left
      size_t events = 0;
      size_t bytes = 0;
      while (!queue_.empty()) {
        PendingAppend& next = *queue_.front();
        if (!batch.empty() &&
            (next.prepare || batch.front()->prepare ||
             events + next.drafts.size() > options_.max_batch_events ||
             bytes + next.bytes > options_.max_batch_bytes)) {
          break;
        }
        events += next.drafts.size();
        bytes += next.bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

StatusOr<std::optional<Committed>> Ledger::Impl::LookupRequest(
    const std::string& key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kRequests), key, &value);
  if (s.IsNotFound()) return std::optional<Committed>();
  RETURN_IF_ERROR(FromRocks(s, "looking up a request id"));
  if (value.size() != 8)
    return DataLossError("malformed request-id index entry");
  uint64_t seq = GetBigEndian64(value.data());
  std::string bytes;
  s = db_->Get(rocksdb::ReadOptions(), cf(kEvents), SeqKey(seq), &bytes);
  RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(seq)));
  RETURN_IF_ERROR(VerifyStoredEvent(bytes));
  Committed c;
  c.seq = seq;
  c.hash = LeafHash(AsBytes(bytes));
  c.timestamp_us = TimestampOf(*EventView(bytes));
  c.duplicate = true;
  return std::optional<Committed>(c);
}

void Ledger::Impl::CommitBatch(
    std::vector<std::unique_ptr<PendingAppend>>& batch) {
  if (broken_.ok()) {
    std::lock_guard l(sync_mu_);
    broken_ = sync_failure_;
  }
  const bool repair = batch.size() == 1 && batch[0]->prepare;
  const Status& unfit = damaged_tree_.ok() ? stale_indexer_ : damaged_tree_;
  if (!broken_.ok() || (!repair && !unfit.ok())) {
    const Status refused = broken_.ok() ? unfit : broken_;
    for (auto& p : batch) p->done(refused);
    return;
  }
  Head h = written_;
  int64_t now = std::max(options_.clock->NowMicros(), h.timestamp_us);
  rocksdb::WriteBatch wb;
  // Restored if the batch fails, so the tree never runs ahead of the disk.
  const merkle::CompactRange saved_range = range_;
  if (repair) {
    Status s = batch[0]->prepare(wb);
    if (!s.ok() || batch[0]->drafts.empty()) {
      range_ = saved_range;
      pending_upper_.clear();
      batch[0]->done(
          s.ok() ? StatusOr<std::vector<Committed>>(std::vector<Committed>())
                 : StatusOr<std::vector<Committed>>(s));
      return;
    }
  }
  std::vector<std::vector<Committed>> results(batch.size());
  // A read failure while staging: nothing was written.
  Status failure = StageBatch(batch, now, wb, h, results);
  if (failure.ok() && wb.Count() > 0) {
    wb.Put(cf(kMeta), kMetaHead, HeadValue(h.seq, h.hash));
    MaybeCheckpoint(wb, h);
    // Not synced here: the WAL record reaches the OS (so a killed process
    // loses nothing written), and the syncer makes it durable before anyone
    // is told it is committed. Readers never look beyond the synced head.
    failure = FromRocks(db_->Write(rocksdb::WriteOptions(), &wb),
                        "committing " + std::to_string(wb.Count()) + " writes");
    if (!failure.ok()) broken_ = failure;
  }
  if (!failure.ok()) {
    range_ = saved_range;
    pending_upper_.clear();
    for (auto& p : batch) p->done(failure);
    return;
  }
  if (repair) {
    damaged_tree_ = OkStatus();   // range_ is the events' tree now
    stale_indexer_ = OkStatus();  // and the indexes are options_.indexer's
  }
  written_ = h;
  WrittenBatch w;
  w.appends = std::move(batch);
  w.results = std::move(results);
  w.head = h;
  w.upper = std::move(pending_upper_);
  pending_upper_.clear();
  {
    std::lock_guard l(sync_mu_);
    sync_queue_.push_back(std::move(w));
  }
  sync_cv_.notify_one();
}

Status Ledger::Impl::StageBatch(
    std::vector<std::unique_ptr<PendingAppend>>& batch, int64_t now,
    rocksdb::WriteBatch& wb, Head& h,
    std::vector<std::vector<Committed>>& results) {
  // Request ids committed earlier in this same batch.
  std::unordered_map<std::string, Committed> batch_requests;
  for (size_t i = 0; i < batch.size(); ++i) {
    results[i].reserve(batch[i]->drafts.size());
    for (EventDraft& draft : batch[i]->drafts) {
      const fb::Event* e = draft.event();
      std::string request_key;
      if (e->request_id() != nullptr && e->request_id()->size() > 0) {
        request_key = RequestKey(View(e->actor()), View(e->request_id()));
        if (auto it = batch_requests.find(request_key);
            it != batch_requests.end()) {
          Committed dup = it->second;
          dup.duplicate = true;
          results[i].push_back(dup);
          continue;
        }
        ASSIGN_OR_RETURN(std::optional<Committed> existing,
                         LookupRequest(request_key));
        if (existing.has_value()) {
          results[i].push_back(*existing);
          continue;
        }
      }
      h = StageEvent(draft, request_key, h, now, wb);
      if (!request_key.empty()) {
        batch_requests.emplace(request_key,
                               Committed{h.seq, h.hash, now, false});
      }
      results[i].push_back(Committed{h.seq, h.hash, now, false});
    }
  }
  return OkStatus();
}

// Stamps `draft` as the event after `prev` and adds it to `wb` with its
// Merkle nodes and index entries; returns the new head.
Head Ledger::Impl::StageEvent(EventDraft& draft, std::string_view request_key,
                              const Head& prev, int64_t now,
                              rocksdb::WriteBatch& wb) {
  const fb::Event* e = draft.event();
  uint64_t seq = prev.seq + 1;
  Hash256 hash = draft.Stamp(seq, prev.hash, now);
  char key[8];
  PutBigEndian64(key, seq);
  wb.Put(cf(kEvents), rocksdb::Slice(key, 8), draft.bytes());
  range_.Append(hash, [&](uint32_t level, uint64_t index, const Hash256& node) {
    if (level > 0) {
      wb.Put(cf(kMerkle), MerkleKey(level, index),
             rocksdb::Slice(reinterpret_cast<const char*>(node.data()), 32));
    }
    if (level >= UpperNodes::kUpperLevel)
      pending_upper_.emplace_back(level, index, node);
  });
  PutIndexEntry(wb, cf(kByActor), View(e->actor()), key);
  std::string_view record = options_.indexer.keys(*e).record;
  if (!record.empty()) PutIndexEntry(wb, cf(kByRecord), record, key);
  if (!request_key.empty()) {
    wb.Put(cf(kRequests),
           rocksdb::Slice(request_key.data(), request_key.size()),
           rocksdb::Slice(key, 8));
  }
  return Head{seq, hash, now};
}

// One WAL sync covers every batch the committer wrote before it began; the
// batches are then acknowledged in write order. A failed sync fails them and
// every later batch: what reached the disk is unknown until the ledger is
// reopened (recovery keeps a prefix of the WAL, never a gap).
void Ledger::Impl::SyncerLoop() {
  pthread_setname_np(pthread_self(), "csl-sync");
  std::vector<WrittenBatch> written;
  for (;;) {
    {
      std::unique_lock l(sync_mu_);
      sync_cv_.wait(l, [&] { return !sync_queue_.empty() || sync_stopping_; });
      if (sync_queue_.empty()) return;  // stopping, nothing left
      written.swap(sync_queue_);
    }
    Status s = sync_failure_.ok()
                   ? FromRocks(db_->SyncWAL(), "syncing the write-ahead log")
                   : sync_failure_;
    if (!s.ok()) {
      std::lock_guard l(sync_mu_);
      sync_failure_ = s;
    }
    // The callbacks run on the acknowledger, so the next sync starts at once
    // instead of after them (the command handler applies its events to its
    // state in them: docs/group-commit.md, "Acknowledger"). A small group's
    // run here when the acknowledger is idle (so order is kept): a lone
    // appender would otherwise pay the hand-off and gain nothing.
    size_t appends = 0;
    for (const WrittenBatch& w : written) appends += w.appends.size();
    {
      std::unique_lock l(ack_mu_);
      if (ack_busy_ || appends > kInlineAcknowledgements) {
        ack_busy_ = true;
        ack_queue_.push_back(SyncedGroup{std::move(s), std::move(written)});
        l.unlock();
        ack_cv_.notify_one();
        written = std::vector<WrittenBatch>();
        continue;
      }
    }
    Complete(s, written);
    written.clear();
  }
}

// Runs the callbacks of synced groups in sync order, one group after another
// (each group's `more` flags mark its end); the appends and their stamped
// drafts live until every callback of their group has returned.
void Ledger::Impl::AckLoop() {
  pthread_setname_np(pthread_self(), "csl-ack");
  std::deque<SyncedGroup> groups;
  for (;;) {
    {
      std::unique_lock l(ack_mu_);
      ack_cv_.wait(l, [&] { return !ack_queue_.empty() || ack_stopping_; });
      if (ack_queue_.empty()) return;  // stopping, nothing left
      groups.swap(ack_queue_);
    }
    for (SyncedGroup& g : groups) Complete(g.status, g.written);
    groups.clear();
    std::lock_guard l(ack_mu_);
    if (ack_queue_.empty()) ack_busy_ = false;
  }
}

void Ledger::Impl::Complete(const Status& sync,
                            std::vector<WrittenBatch>& written) {
  if (!sync.ok()) {
    for (WrittenBatch& w : written) {
      for (auto& p : w.appends) p->done(sync);
    }
  } else {
    Acknowledge(written);
  }
}

void Ledger::Impl::Acknowledge(std::vector<WrittenBatch>& written) {
  for (WrittenBatch& w : written) {
    if (!w.upper.empty()) upper_.Add(w.upper);
  }
  const Head& h = written.back().head;
  {
    std::lock_guard l(head_mu_);
    head_ = h;
  }
  {
    std::lock_guard l(commit_mu_);
    committed_seq_.store(h.seq, std::memory_order_release);
  }
  commit_cv_.notify_all();
  for (size_t b = 0; b < written.size(); ++b) {
    WrittenBatch& w = written[b];
    for (size_t i = 0; i < w.appends.size(); ++i) {
      // The appends (and their stamped drafts) live until every callback of
      // the group has returned: the caller clears `written` afterwards.
      w.appends[i]->more = b + 1 < written.size() || i + 1 < w.appends.size();
      w.appends[i]->done(std::move(w.results[i]));
    }
  }
}

}  // namespace consilium
