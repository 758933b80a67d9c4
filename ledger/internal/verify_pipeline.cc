#include "ledger/internal/verify_pipeline.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "ledger/internal/storage_layout.h"
#include "schemas/event.h"

namespace consilium::ledger_internal {
namespace {

constexpr uint32_t kChunkHeight = 10;
constexpr size_t kChunkEvents = size_t{1} << kChunkHeight;
constexpr size_t kWindow = 8;  // chunks read ahead of the in-order checker
constexpr int kHashingNice = 5;

struct EventCheck {
  uint64_t key_seq = 0;
  uint64_t embedded_seq = 0;
  Hash256 prev{};
  Hash256 hash{};
  std::string error;  // empty when the bytes decode
};

struct Chunk {
  std::string data;
  // (key offset, value offset, value length) into `data`; keys are 8 bytes.
  struct Entry {
    size_t key_off;
    size_t value_off;
    size_t value_len;
    size_t key_len;
  };
  std::vector<Entry> entries;
  std::vector<EventCheck> checks;
  // With `want_subtree`: when the chunk is kChunkEvents dense, decodable
  // events starting at an aligned leaf index, their leaf hashes and the
  // nodes of their perfect subtree (VerifyPipeline::Subtree's layout).
  bool want_subtree = false;
  const VerifyPipeline::EventsSink* events_sink = nullptr;  // may be null
  std::vector<Hash256> leaves;
  std::vector<Hash256> subtree;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;

  void Check() {
    checks.resize(entries.size());
    // The events that decode, hashed together at the end (many at once is
    // several times faster, common/internal/sha256_lanes.h).
    std::vector<std::span<const uint8_t>> decoded;
    std::vector<size_t> decoded_index;
    decoded.reserve(entries.size());
    decoded_index.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& en = entries[i];
      EventCheck& c = checks[i];
      if (en.key_len != 8) {
        c.error = "malformed key (" + std::to_string(en.key_len) +
                  " bytes, expected 8)";
        continue;
      }
      c.key_seq = GetBigEndian64(data.data() + en.key_off);
      std::string_view value(data.data() + en.value_off, en.value_len);
      Status s = VerifyStoredEvent(value);
      if (!s.ok()) {
        c.error = "undecodable bytes: " + s.message();
        continue;
      }
      const fb::Event* e = EventView(value);
      c.embedded_seq = SequenceOf(*e);
      c.prev = PrevHashOf(*e);
      decoded.push_back(AsBytes(value));
      decoded_index.push_back(i);
    }
    if (events_sink != nullptr && *events_sink) {
      std::vector<SeqEvent> events;
      events.reserve(decoded.size());
      for (size_t j = 0; j < decoded.size(); ++j) {
        const EventCheck& c = checks[decoded_index[j]];
        events.push_back(SeqEvent{c.key_seq, EventView(AsChars(decoded[j]))});
      }
      (*events_sink)(events);
    }
    leaves.resize(decoded.size());
    LeafHashes(decoded, leaves);
    for (size_t j = 0; j < decoded.size(); ++j)
      checks[decoded_index[j]].hash = leaves[j];
    if (want_subtree && IsAlignedRun()) ComputeSubtree();
    std::lock_guard l(mu);
    done = true;
    cv.notify_all();
  }

  bool IsAlignedRun() const {
    if (checks.size() != kChunkEvents || leaves.size() != kChunkEvents)
      return false;
    uint64_t first = checks[0].key_seq;
    if (first == 0 || (first - 1) % kChunkEvents != 0) return false;
    for (size_t i = 0; i < checks.size(); ++i) {
      if (checks[i].key_seq != first + i) return false;
    }
    return true;
  }

  void ComputeSubtree() {
    subtree.resize(kChunkEvents - 1);
    std::span<const Hash256> below(leaves);
    std::span<Hash256> free(subtree);
    while (below.size() > 1) {
      std::span<Hash256> level = free.first(below.size() / 2);
      NodeHashes(below, level);
      below = level;
      free = free.subspan(level.size());
    }
  }

  void Wait() {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return done; });
  }
};

// A fixed pool hashing chunks; chunks complete out of order, the checker
// consumes them in order.
class HashPool {
 public:
  explicit HashPool(unsigned n) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~HashPool() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(Chunk* c) {
    {
      std::lock_guard l(mu_);
      jobs_.push_back(c);
    }
    cv_.notify_one();
  }

 private:
  void Work() {
    // The in-order reader is the serial part of the pipeline: when the
    // cores are short, the hashing threads (which have work queued ahead)
    // yield to it. Linux's nice value is per thread.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kHashingNice);
    for (;;) {
      Chunk* c;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !jobs_.empty(); });
        // Stopping (the run ended, maybe early on a failure): chunks still
        // queued are dropped unchecked.
        if (stop_) return;
        c = jobs_.front();
        jobs_.pop_front();
      }
      c->Check();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk*> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

std::string Short(const Hash256& h) { return ToHex(h).substr(0, 16) + "…"; }

}  // namespace

VerifyPipeline::VerifyPipeline(uint64_t from, const Hash256& anchor,
                               uint64_t recorded_head_seq,
                               const Hash256& recorded_head_hash)
    : from_(from),
      anchor_(anchor),
      recorded_head_seq_(recorded_head_seq),
      recorded_head_hash_(recorded_head_hash) {}

VerifyReport VerifyPipeline::Run(
    const Source& next, const std::function<void(uint64_t)>& progress) {
  VerifyReport report;
  report.first_seq = from_;
  auto fail = [&](uint64_t seq, std::string problem) {
    report.ok = false;
    report.bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };

  // Declared before the pool, so the pool's threads are joined before the
  // chunks they may still be checking are freed (a failure returns early,
  // with chunks in flight).
  std::deque<std::unique_ptr<Chunk>> in_flight;
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  HashPool pool(workers);
  bool source_done = false;
  Status source_status;

  auto read_chunk = [&]() -> std::unique_ptr<Chunk> {
    auto c = std::make_unique<Chunk>();
    c->want_subtree = static_cast<bool>(subtree_sink_);
    c->events_sink = &events_sink_;
    c->entries.reserve(kChunkEvents);
    c->data.reserve(kChunkEvents * 640);
    std::string_view key, value;
    while (c->entries.size() < kChunkEvents) {
      key = {};
      Status s = next(&key, &value);
      if (!s.ok()) {
        source_status = s;
        source_done = true;
        break;
      }
      if (key.empty()) {
        source_done = true;
        break;
      }
      Chunk::Entry e;
      e.key_off = c->data.size();
      e.key_len = key.size();
      c->data.append(key);
      // FlatBuffers reads 4- and 8-byte fields in place: keep each value at
      // an 8-byte offset of the (malloc-aligned) chunk buffer.
      c->data.resize((c->data.size() + 7) & ~size_t{7});
      e.value_off = c->data.size();
      e.value_len = value.size();
      c->data.append(value);
      c->entries.push_back(e);
    }
    return c;
  };
  auto fill = [&] {
    while (!source_done && in_flight.size() < kWindow) {
      auto c = read_chunk();
      if (c->entries.empty()) break;
      pool.Submit(c.get());
      in_flight.push_back(std::move(c));
    }
  };

  uint64_t expected = from_;
  Hash256 prev_hash = anchor_;
  // The event whose incoming link broke, waiting for the next link to decide
  // which side changed.
  std::optional<uint64_t> suspect;
  auto judge = [&](uint64_t f, bool next_link_ok,
                   const std::string& next_name) {
    if (next_link_ok && f > 1) {
      return fail(f - 1,
                  "hash mismatch: the stored bytes of event " +
                      std::to_string(f - 1) +
                      " no longer hash to the previous hash that event " +
                      std::to_string(f) + " records (event " +
                      std::to_string(f - 1) + " was altered)");
    }
    return fail(f, "broken link: event " + std::to_string(f) +
                       " records a previous hash that does not match event " +
                       std::to_string(f - 1) +
                       ", and its own hash does not match " + next_name +
                       " (event " + std::to_string(f) + " was altered)");
  };

  fill();
  while (!in_flight.empty()) {
    Chunk* c = in_flight.front().get();
    c->Wait();
    for (size_t i = 0; i < c->checks.size(); ++i) {
      const EventCheck& ev = c->checks[i];
      if (ev.error.rfind("malformed key", 0) == 0)
        return fail(expected, ev.error);
      if (ev.key_seq > expected) {
        if (suspect) return judge(*suspect, false, "its successor");
        return fail(expected, "gap: event " + std::to_string(expected) +
                                  " is missing (the next stored event is " +
                                  std::to_string(ev.key_seq) + ")");
      }
      if (!ev.error.empty()) return fail(expected, ev.error);
      if (ev.embedded_seq != ev.key_seq) {
        return fail(ev.key_seq, "sequence mismatch: stored as event " +
                                    std::to_string(ev.key_seq) +
                                    " but records sequence " +
                                    std::to_string(ev.embedded_seq) +
                                    " (events moved or swapped)");
      }
      bool link_ok = ev.prev == prev_hash;
      if (suspect)
        return judge(*suspect, link_ok,
                     "event " + std::to_string(expected) + "'s record");
      if (!link_ok) {
        if (expected == 1) {
          return fail(1,
                      "broken link: event 1 must record an all-zero previous "
                      "hash, found " +
                          Short(ev.prev));
        }
        suspect = expected;
      }
      prev_hash = ev.hash;
      if (leaf_sink_ && c->subtree.empty()) leaf_sink_(ev.hash);
      ++expected;
      ++report.events;
    }
    if (!c->subtree.empty()) {
      subtree_sink_(
          Subtree{c->checks[0].key_seq, kChunkHeight, c->leaves, c->subtree});
    }
    in_flight.pop_front();
    if (progress) progress(report.events);
    fill();
  }
  if (!source_status.ok())
    return fail(expected, "read error: " + source_status.message());

  uint64_t last = expected - 1;
  bool head_matches =
      recorded_head_seq_ == last && recorded_head_hash_ == prev_hash;
  if (suspect) return judge(*suspect, head_matches, "the recorded head");
  if (recorded_head_seq_ > last) {
    return fail(last + 1, "missing events " + std::to_string(last + 1) + ".." +
                              std::to_string(recorded_head_seq_) +
                              " (the ledger's recorded head is " +
                              std::to_string(recorded_head_seq_) + ")");
  }
  if (recorded_head_seq_ != 0 && recorded_head_seq_ < last) {
    return fail(recorded_head_seq_ + 1, "events beyond the recorded head " +
                                            std::to_string(recorded_head_seq_) +
                                            " (appended outside the ledger)");
  }
  if (recorded_head_seq_ == last && last >= from_ && !head_matches) {
    return fail(last, "hash mismatch: the stored bytes of event " +
                          std::to_string(last) + " hash to " +
                          Short(prev_hash) + " but the recorded head is " +
                          Short(recorded_head_hash_) + " (event " +
                          std::to_string(last) + " was altered)");
  }
  report.head = Head{last, prev_hash, 0};
  return report;
}

}  // namespace consilium::ledger_internal
