#include "ledger/internal/index_check.h"

#include <rocksdb/perf_level.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <unordered_map>

#include "ledger/internal/storage_layout.h"

namespace consilium::ledger_internal {
namespace {

constexpr uint32_t kMaxLevel = 63;
constexpr int kScanNice = 10;

uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Printable form of an id for messages: JSON-style quoting.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string HexKey(std::string_view key) { return ToHex(AsBytes(key)); }

std::string_view Noun(IndexFamily f) {
  return f == IndexFamily::kByRecord ? "record" : "actor";
}

// An entry of by_record or by_actor: id || 0x00 || 8-byte BE seq.
struct IdSeq {
  std::string_view id;
  uint64_t seq;
};
std::optional<IdSeq> ParseIdSeq(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') return std::nullopt;
  std::string_view id = key.substr(0, key.size() - 9);
  if (id.empty() || id.find('\0') != std::string_view::npos)
    return std::nullopt;
  return IdSeq{id, GetBigEndian64(key.data() + key.size() - 8)};
}

// A requests key: actor || 0x00 || request id.
struct ActorRequest {
  std::string_view actor;
  std::string_view request;
};
std::optional<ActorRequest> ParseRequestKey(std::string_view key) {
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul + 1 == key.size())
    return std::nullopt;
  std::string_view request = key.substr(nul + 1);
  if (request.find('\0') != std::string_view::npos) return std::nullopt;
  return ActorRequest{key.substr(0, nul), request};
}

std::string RequestName(std::string_view actor, std::string_view request) {
  return "actor " + Quote(actor) + " request " + Quote(request);
}

// The id an event has in by_record / by_actor ("" for none).
std::string_view IdOf(const fb::Event& e, IndexFamily f,
                      const EventIndexer& indexer) {
  return f == IndexFamily::kByRecord ? indexer.keys(e).record : View(e.actor());
}

std::string_view RequestOf(const fb::Event& e) { return View(e.request_id()); }

std::string Prefix(IndexFamily f) {
  return "index " + std::string(IndexFamilyName(f)) + ": ";
}

std::unique_ptr<rocksdb::Iterator> NewIterator(const IndexStore& store,
                                               rocksdb::ColumnFamilyHandle* cf,
                                               bool bulk) {
  rocksdb::ReadOptions ro = store.read;
  if (bulk) {
    ro.readahead_size = 2 << 20;
    ro.fill_cache = false;
  }
  return std::unique_ptr<rocksdb::Iterator>(store.db->NewIterator(ro, cf));
}

Status IterStatus(const rocksdb::Iterator& it, std::string_view what) {
  if (it.status().ok()) return OkStatus();
  return DataLossError(std::string(what) + ": " + it.status().ToString());
}

// Events lo..hi as read (copied, so FlatBuffers may read them in place).
StatusOr<std::map<uint64_t, std::string>> ReadEvents(const IndexStore& store,
                                                     uint64_t lo, uint64_t hi) {
  std::map<uint64_t, std::string> out;
  auto it = NewIterator(store, store.events, false);
  for (it->Seek(SeqKey(lo)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    uint64_t seq = GetBigEndian64(it->key().data());
    if (seq > hi) break;
    std::string bytes(it->value().data(), it->value().size());
    if (!VerifyStoredEvent(bytes).ok()) {
      return DataLossError("event " + std::to_string(seq) + " does not decode");
    }
    out.emplace(seq, std::move(bytes));
  }
  RETURN_IF_ERROR(IterStatus(*it, "scanning events"));
  return out;
}

}  // namespace

std::string_view IndexFamilyName(IndexFamily f) {
  switch (f) {
    case IndexFamily::kByRecord:
      return kByRecordFamily;
    case IndexFamily::kByActor:
      return kByActorFamily;
    case IndexFamily::kRequests:
      return kRequestsFamily;
  }
  return "?";
}

uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view data) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  uint64_t v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  };
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  size_t whole = n & ~size_t{7};
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    for (int b = 7; b >= 0; --b) m = m << 8 | p[i + b];  // little-endian
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(n & 0xff) << 56;
  for (size_t b = 0; b < (n & 7); ++b)
    last |= static_cast<uint64_t>(p[whole + b]) << (8 * b);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// ---------------------------------------------------------------------------
// IndexCheck

IndexCheck::IndexCheck(uint64_t last_seq, const EventIndexer& indexer)
    : last_seq_(last_seq),
      indexer_(indexer),
      buckets_(last_seq == 0 ? 0 : ((last_seq - 1) >> kBucketShift) + 1) {
  // A key per run: whoever writes the store cannot know it, so cannot
  // craft entries whose fingerprints cancel.
  std::random_device rd;
  auto draw = [&] { return uint64_t{rd()} << 32 | rd(); };
  k0_ = draw();
  k1_ = draw();
  for (size_t f = 0; f < kIndexFamilies; ++f) {
    mix_[f] = draw();
    expected_[f].reset(new std::atomic<uint64_t>[buckets_]());
    stored_[f].assign(buckets_, 0);
  }
}

IndexCheck::~IndexCheck() {
  // A verification that failed on the events returns without Finish.
  stop_.store(true, std::memory_order_relaxed);
  if (scanner_.joinable()) scanner_.join();
}

void IndexCheck::StartScan(const IndexStore& store) {
  scanner_ = std::thread([this, &store] {
    // Below the hashing threads (nice 5): the scan only fills the gaps the
    // reader's serial work leaves on the cores. Linux's nice is per thread.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kScanNice);
    // RocksDB's per-thread perf counters cost a TLS lookup per step.
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    for (size_t f = 0; f < kIndexFamilies; ++f) {
      scan_result_ = ScanStored(store, static_cast<IndexFamily>(f));
      if (!scan_result_.ok() || !scan_result_->empty()) return;
    }
  });
}

StatusOr<std::string> IndexCheck::Finish(const IndexStore& store,
                                         uint64_t head) {
  if (scanner_.joinable()) scanner_.join();
  if (!scan_result_.ok() || !scan_result_->empty()) return scan_result_;
  for (const auto& [f, lo, hi] : Mismatches(head)) {
    ASSIGN_OR_RETURN(std::string problem, DiagnoseIndex(store, f, lo, hi));
    if (!problem.empty()) return problem;
  }
  return std::string();
}

uint64_t IndexCheck::EntryPrint(uint64_t id_hash, uint64_t seq,
                                IndexFamily f) const {
  return Mix(id_hash + Mix(seq ^ mix_[static_cast<size_t>(f)]));
}

void IndexCheck::AddEvents(std::span<const SeqEvent> events) {
  // Sums for one bucket at a time (a chunk is usually one bucket); the ids
  // of consecutive events often repeat, so their hashes are kept.
  struct Family {
    std::string_view last_id;
    uint64_t last_hash = 0;
    bool have_last = false;
  } families[2];
  size_t bucket = SIZE_MAX;
  uint64_t sums[kIndexFamilies] = {};
  auto flush = [&] {
    if (bucket == SIZE_MAX) return;
    for (size_t f = 0; f < kIndexFamilies; ++f) {
      if (sums[f] != 0)
        expected_[f][bucket].fetch_add(sums[f], std::memory_order_relaxed);
      sums[f] = 0;
    }
  };
  std::string request_key;
  for (const SeqEvent& ev : events) {
    if (ev.seq == 0 || ev.seq > last_seq_) continue;  // Verify fails anyway
    size_t b = Bucket(ev.seq);
    if (b != bucket) {
      flush();
      bucket = b;
    }
    for (IndexFamily f : {IndexFamily::kByRecord, IndexFamily::kByActor}) {
      std::string_view id = IdOf(*ev.event, f, indexer_);
      if (id.empty()) continue;
      Family& fam = families[static_cast<size_t>(f)];
      if (!fam.have_last || fam.last_id != id) {
        fam.last_id = id;
        fam.last_hash = SipHash24(k0_, k1_, id);
        fam.have_last = true;
      }
      sums[static_cast<size_t>(f)] += EntryPrint(fam.last_hash, ev.seq, f);
    }
    std::string_view request = RequestOf(*ev.event);
    if (!request.empty()) {
      request_key = RequestKey(View(ev.event->actor()), request);
      sums[static_cast<size_t>(IndexFamily::kRequests)] += EntryPrint(
          SipHash24(k0_, k1_, request_key), ev.seq, IndexFamily::kRequests);
    }
  }
  flush();
}

StatusOr<std::string> IndexCheck::ScanStored(const IndexStore& store,
                                             IndexFamily f) {
  auto it = NewIterator(store, store.families[static_cast<size_t>(f)], true);
  std::vector<uint64_t>& sums = stored_[static_cast<size_t>(f)];
  std::string last_id;
  uint64_t last_hash = 0;
  bool have_last = false;
  const std::string prefix = Prefix(f);
  auto beyond = [&](uint64_t seq) {
    return seq == 0 ? std::string("event 0, which does not exist")
                    : "event " + std::to_string(seq) + ", beyond the head " +
                          std::to_string(last_seq_);
  };
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if ((++n & 0xfff) == 0 && stop_.load(std::memory_order_relaxed))
      return std::string();
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (f == IndexFamily::kRequests) {
      auto kr = ParseRequestKey(key);
      if (!kr) {
        return prefix + "malformed key " + HexKey(key) +
               " (expected actor, a NUL byte and a request id)";
      }
      if (value.size() != 8) {
        return prefix + "entry for " + RequestName(kr->actor, kr->request) +
               " has a " + std::to_string(value.size()) +
               "-byte value (expected an 8-byte event number)";
      }
      uint64_t seq = GetBigEndian64(value.data());
      if (seq == 0 || seq > last_seq_) {
        return prefix + "entry for " + RequestName(kr->actor, kr->request) +
               " points to " + beyond(seq) + " (an entry pointing nowhere)";
      }
      sums[Bucket(seq)] += EntryPrint(SipHash24(k0_, k1_, key), seq, f);
      continue;
    }
    auto is = ParseIdSeq(key);
    if (!is) {
      return prefix + "malformed key " + HexKey(key) + " (expected a " +
             std::string(Noun(f)) + " id, a NUL byte and an 8-byte event " +
             "number)";
    }
    if (!value.empty()) {
      return prefix + "entry for " + std::string(Noun(f)) + " " +
             Quote(is->id) + " (event " + std::to_string(is->seq) + ") has a " +
             std::to_string(value.size()) +
             "-byte value; index entries are empty";
    }
    if (is->seq == 0 || is->seq > last_seq_) {
      return prefix + "entry for " + std::string(Noun(f)) + " " +
             Quote(is->id) + " points to " + beyond(is->seq) +
             " (an entry pointing nowhere)";
    }
    if (!have_last || last_id != is->id) {
      last_id.assign(is->id);
      last_hash = SipHash24(k0_, k1_, is->id);
      have_last = true;
    }
    sums[Bucket(is->seq)] += EntryPrint(last_hash, is->seq, f);
  }
  RETURN_IF_ERROR(
      IterStatus(*it, "scanning index " + std::string(IndexFamilyName(f))));
  return std::string();
}

std::vector<std::tuple<IndexFamily, uint64_t, uint64_t>> IndexCheck::Mismatches(
    uint64_t head) const {
  std::vector<std::tuple<IndexFamily, uint64_t, uint64_t>> out;
  if (head == 0) return out;
  size_t n = std::min(buckets_, Bucket(head) + 1);
  for (size_t b = 0; b < n; ++b) {
    for (size_t f = 0; f < kIndexFamilies; ++f) {
      if (expected_[f][b].load(std::memory_order_relaxed) != stored_[f][b]) {
        uint64_t lo = (uint64_t{b} << kBucketShift) + 1;
        uint64_t hi = std::min(head, uint64_t{b + 1} << kBucketShift);
        out.emplace_back(static_cast<IndexFamily>(f), lo, hi);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// DiagnoseIndex

namespace {

// Problems found, by the event they concern; the lowest is reported.
struct Problems {
  std::string prefix;  // "index <family>: "
  std::map<uint64_t, std::string> by_seq;
  void Note(uint64_t seq, std::string what) {
    by_seq.emplace(seq, prefix + std::move(what));
  }
};

using EventBytes = std::map<uint64_t, std::string>;

const fb::Event* EventAt(const EventBytes& events, uint64_t seq) {
  auto e = events.find(seq);
  return e == events.end() ? nullptr : EventView(e->second);
}

// by_record or by_actor entries of events lo..hi against the events.
Status DiagnoseIdIndex(const IndexStore& store, IndexFamily f, uint64_t lo,
                       uint64_t hi, const EventBytes& events,
                       Problems& problems) {
  rocksdb::ColumnFamilyHandle* cf = store.families[static_cast<size_t>(f)];
  const std::string noun(Noun(f));
  std::vector<std::string> expected;
  for (const auto& [seq, bytes] : events) {
    std::string_view id = IdOf(*EventView(bytes), f, store.indexer);
    if (!id.empty()) expected.push_back(IndexKey(id, seq));
  }
  std::vector<std::string> stored;
  auto it = NewIterator(store, cf, true);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    auto is = ParseIdSeq(key);
    if (is && is->seq >= lo && is->seq <= hi) stored.emplace_back(key);
  }
  RETURN_IF_ERROR(IterStatus(*it, "scanning index"));
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), stored.begin(),
                      stored.end(), std::back_inserter(missing));
  std::set_difference(stored.begin(), stored.end(), expected.begin(),
                      expected.end(), std::back_inserter(extra));
  for (const std::string& k : missing) {
    auto is = ParseIdSeq(k);
    problems.Note(is->seq, "missing entry for " + noun + " " + Quote(is->id) +
                               " (event " + std::to_string(is->seq) + ")");
  }
  for (const std::string& k : extra) {
    auto is = ParseIdSeq(k);
    const fb::Event* e = EventAt(events, is->seq);
    std::string actual =
        e == nullptr ? "" : std::string(IdOf(*e, f, store.indexer));
    std::string which =
        actual.empty()
            ? (f == IndexFamily::kByRecord ? "which is about no record"
                                           : "which has no actor")
            : (f == IndexFamily::kByRecord ? "which is about record "
                                           : "which was made by actor ") +
                  Quote(actual);
    problems.Note(is->seq, "entry for " + noun + " " + Quote(is->id) +
                               " points to event " + std::to_string(is->seq) +
                               ", " + which +
                               " (an entry pointing to the wrong event)");
  }
  return OkStatus();
}

// Each event with a request id should be what its key names, unless an
// earlier event made the same request (then this one was a retry the index
// once missed: the index names the first).
Status DiagnoseRequestsOfEvents(const IndexStore& store,
                                const EventBytes& events, Problems& problems) {
  rocksdb::ColumnFamilyHandle* cf =
      store.families[static_cast<size_t>(IndexFamily::kRequests)];
  for (const auto& [seq, bytes] : events) {
    const fb::Event* e = EventView(bytes);
    std::string_view request = RequestOf(*e);
    if (request.empty()) continue;
    std::string key = RequestKey(View(e->actor()), request);
    std::string value;
    rocksdb::Status s = store.db->Get(store.read, cf, key, &value);
    std::string name = RequestName(View(e->actor()), request);
    if (s.IsNotFound()) {
      problems.Note(seq, "missing entry for " + name + " (event " +
                             std::to_string(seq) + ")");
      continue;
    }
    if (!s.ok())
      return DataLossError("reading index requests: " + s.ToString());
    if (value.size() != 8) {
      problems.Note(seq, "entry for " + name + " has a " +
                             std::to_string(value.size()) +
                             "-byte value (expected an 8-byte event number)");
      continue;
    }
    uint64_t points = GetBigEndian64(value.data());
    if (points == seq) continue;
    if (points < seq) {
      std::string earlier;
      if (store.db->Get(store.read, store.events, SeqKey(points), &earlier)
              .ok() &&
          VerifyStoredEvent(earlier).ok()) {
        const fb::Event* first = EventView(earlier);
        if (View(first->actor()) == View(e->actor()) &&
            RequestOf(*first) == request) {
          continue;  // a retry that was appended again; the first counts
        }
      }
    }
    problems.Note(seq, "entry for " + name + " points to event " +
                           std::to_string(points) +
                           ", but the request created " + "event " +
                           std::to_string(seq) + " (a wrong value)");
  }
  return OkStatus();
}

// Every stored requests entry pointing into lo..hi names its event's
// request.
Status DiagnoseStoredRequests(const IndexStore& store, uint64_t lo, uint64_t hi,
                              const EventBytes& events, Problems& problems) {
  rocksdb::ColumnFamilyHandle* cf =
      store.families[static_cast<size_t>(IndexFamily::kRequests)];
  auto it = NewIterator(store, cf, true);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    auto kr = ParseRequestKey(key);
    if (!kr || it->value().size() != 8) continue;
    uint64_t points = GetBigEndian64(it->value().data());
    if (points < lo || points > hi) continue;
    const fb::Event* e = EventAt(events, points);
    if (e != nullptr && View(e->actor()) == kr->actor &&
        RequestOf(*e) == kr->request) {
      continue;
    }
    std::string which =
        e == nullptr || RequestOf(*e).empty()
            ? "which has no request id"
            : "which is " + RequestName(View(e->actor()), RequestOf(*e));
    problems.Note(points, "entry for " + RequestName(kr->actor, kr->request) +
                              " points to event " + std::to_string(points) +
                              ", " + which +
                              " (an entry pointing to the wrong event)");
  }
  return IterStatus(*it, "scanning index requests");
}

}  // namespace

StatusOr<std::string> DiagnoseIndex(const IndexStore& store, IndexFamily f,
                                    uint64_t lo, uint64_t hi) {
  ASSIGN_OR_RETURN(EventBytes events, ReadEvents(store, lo, hi));
  Problems problems{Prefix(f), {}};
  if (f != IndexFamily::kRequests) {
    RETURN_IF_ERROR(DiagnoseIdIndex(store, f, lo, hi, events, problems));
  } else {
    RETURN_IF_ERROR(DiagnoseRequestsOfEvents(store, events, problems));
    RETURN_IF_ERROR(DiagnoseStoredRequests(store, lo, hi, events, problems));
  }
  if (problems.by_seq.empty()) return std::string();
  return problems.by_seq.begin()->second;
}

// ---------------------------------------------------------------------------
// Merkle nodes outside the tree

StatusOr<std::string> FindExtraMerkleNodes(const IndexStore& store,
                                           uint64_t size) {
  auto describe = [&](std::string_view key) {
    std::string where;
    if (key.size() == 9) {
      where = "node (level " + std::to_string(static_cast<uint8_t>(key[0])) +
              ", index " + std::to_string(GetBigEndian64(key.data() + 1)) + ")";
    } else {
      where = "entry with malformed key " + HexKey(key);
    }
    return "Merkle tree: the stored " + where +
           " is not a node of the tree of " + std::to_string(size) +
           " events (an extra entry)";
  };
  auto it = NewIterator(store, store.merkle, false);
  // Verify matched every node (level L, index 0 .. (size >> L) - 1) in key
  // order; the gaps around those runs must be empty.
  std::string after;  // the smallest key not yet accounted for
  it->SeekToFirst();
  for (uint32_t level = 1; level <= kMaxLevel; ++level) {
    uint64_t count = size >> level;
    if (count == 0) break;
    if (!after.empty()) it->Seek(after);
    std::string first = MerkleKey(level, 0);
    if (it->Valid() && it->key() != rocksdb::Slice(first)) {
      return describe(std::string_view(it->key().data(), it->key().size()));
    }
    // Just after the level's last node: any longer key with its bytes as a
    // prefix sorts here.
    after = MerkleKey(level, count - 1);
    after.push_back('\0');
  }
  if (!after.empty()) it->Seek(after);
  if (it->Valid())
    return describe(std::string_view(it->key().data(), it->key().size()));
  RETURN_IF_ERROR(IterStatus(*it, "scanning Merkle nodes"));
  return std::string();
}

// ---------------------------------------------------------------------------
// Repair

namespace {

// What events 1..last_seq give: the by_record and by_actor keys, the
// requests entries (the first event of each request), and the Merkle
// nodes by level (in index order), with the tree in plan->range.
struct ExpectedEntries {
  std::vector<std::string> keys[2];  // by_record, by_actor (IndexFamily)
  std::unordered_map<std::string, uint64_t> requests;
  std::vector<std::vector<Hash256>> nodes =
      std::vector<std::vector<Hash256>>(kMaxLevel + 1);
};

StatusOr<ExpectedEntries> ReadExpected(const IndexStore& store,
                                       uint64_t last_seq,
                                       merkle::CompactRange& range,
                                       const RepairProgress& progress) {
  ExpectedEntries out;
  Hash256 prev{};
  uint64_t next = 1;
  auto it = NewIterator(store, store.events, true);
  std::string bytes;
  auto refuse = [&](uint64_t seq, const std::string& what) {
    return FailedPreconditionError(
        "event " + std::to_string(seq) + " " + what +
        "; indexes are rebuilt only from events that verify (run `consilium "
        "verify`)");
  };
  for (it->SeekToFirst(); it->Valid() && next <= last_seq; it->Next()) {
    if (it->key().size() != 8 || GetBigEndian64(it->key().data()) != next)
      return refuse(next, "is missing");
    bytes.assign(it->value().data(), it->value().size());
    if (!VerifyStoredEvent(bytes).ok()) return refuse(next, "does not decode");
    const fb::Event* e = EventView(bytes);
    if (SequenceOf(*e) != next || PrevHashOf(*e) != prev)
      return refuse(next, "does not link to its predecessor");
    Hash256 leaf = LeafHash(AsBytes(bytes));
    range.Append(leaf, [&](uint32_t level, uint64_t, const Hash256& h) {
      if (level > 0) out.nodes[level].push_back(h);
    });
    for (IndexFamily f : {IndexFamily::kByRecord, IndexFamily::kByActor}) {
      std::string_view id = IdOf(*e, f, store.indexer);
      if (!id.empty())
        out.keys[static_cast<size_t>(f)].push_back(IndexKey(id, next));
    }
    if (!RequestOf(*e).empty()) {
      // The first event with a request id is the one retries find.
      out.requests.emplace(RequestKey(View(e->actor()), RequestOf(*e)), next);
    }
    prev = leaf;
    if (progress && next % 65536 == 0) progress(next, last_seq);
    ++next;
  }
  RETURN_IF_ERROR(IterStatus(*it, "scanning events"));
  if (next <= last_seq) return refuse(next, "is missing");
  if (progress) progress(last_seq, last_seq);
  return out;
}

using Entries = std::vector<std::pair<std::string, std::string>>;

// Merges a family's stored entries (key order) with what they should be
// (`want`, in key order) into plan's writes and counts.
Status MergeFamily(const IndexStore& store, std::string_view name,
                   rocksdb::ColumnFamilyHandle* cf, const Entries& want,
                   IndexRepairPlan& plan) {
  IndexRepairPlan::Count count{std::string(name)};
  auto put = [&](const std::string& k, const std::string& v) {
    plan.writes.push_back({cf, k, v});
    ++count.added;
  };
  auto stored = NewIterator(store, cf, true);
  size_t i = 0;
  for (stored->SeekToFirst(); stored->Valid(); stored->Next()) {
    rocksdb::Slice key = stored->key();
    while (i < want.size() && rocksdb::Slice(want[i].first).compare(key) < 0)
      put(want[i].first, want[i].second), ++i;
    if (i < want.size() && rocksdb::Slice(want[i].first) == key) {
      if (stored->value() != rocksdb::Slice(want[i].second))
        put(want[i].first, want[i].second);
      ++i;
    } else {
      plan.writes.push_back({cf, key.ToString(), std::nullopt});
      ++count.removed;
    }
  }
  RETURN_IF_ERROR(IterStatus(*stored, "scanning " + std::string(name)));
  for (; i < want.size(); ++i) put(want[i].first, want[i].second);
  plan.counts.push_back(std::move(count));
  return OkStatus();
}

}  // namespace

StatusOr<IndexRepairPlan> PlanIndexRepair(const IndexStore& store,
                                          uint64_t last_seq,
                                          uint32_t upper_level,
                                          const RepairProgress& progress) {
  IndexRepairPlan plan;
  ASSIGN_OR_RETURN(ExpectedEntries expected,
                   ReadExpected(store, last_seq, plan.range, progress));
  for (IndexFamily f : {IndexFamily::kByRecord, IndexFamily::kByActor}) {
    std::vector<std::string>& keys = expected.keys[static_cast<size_t>(f)];
    std::sort(keys.begin(), keys.end());
    Entries want;
    want.reserve(keys.size());
    for (std::string& k : keys) want.emplace_back(std::move(k), std::string());
    keys.clear();
    RETURN_IF_ERROR(MergeFamily(store, IndexFamilyName(f),
                                store.families[static_cast<size_t>(f)], want,
                                plan));
  }
  {
    Entries want;
    want.reserve(expected.requests.size());
    for (auto& [k, seq] : expected.requests) want.emplace_back(k, SeqKey(seq));
    expected.requests.clear();
    std::sort(want.begin(), want.end());
    RETURN_IF_ERROR(
        MergeFamily(store, kRequestsFamily,
                    store.families[static_cast<size_t>(IndexFamily::kRequests)],
                    want, plan));
  }
  // Key order is level, then index: the order `nodes` holds them in.
  Entries want;
  for (uint32_t level = 1; level <= kMaxLevel; ++level) {
    const std::vector<Hash256>& nodes = expected.nodes[level];
    for (uint64_t index = 0; index < nodes.size(); ++index) {
      const Hash256& h = nodes[index];
      want.emplace_back(
          MerkleKey(level, index),
          std::string(reinterpret_cast<const char*>(h.data()), h.size()));
      if (level >= upper_level) plan.upper.emplace_back(level, index, h);
    }
  }
  RETURN_IF_ERROR(MergeFamily(store, kMerkleFamily, store.merkle, want, plan));
  return plan;
}

}  // namespace consilium::ledger_internal
