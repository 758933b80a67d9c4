// The ledger's on-disk layout: RocksDB column families and key encodings.
// This header is the only place they are defined (docs/storage.md explains
// them for operators using `ldb`). Persisted bytes are API: never change an
// existing encoding; add a new column family or key instead.
#ifndef CONSILIUM_LEDGER_INTERNAL_STORAGE_LAYOUT_H_
#define CONSILIUM_LEDGER_INTERNAL_STORAGE_LAYOUT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace consilium::ledger_internal {

// events:   key = 8-byte big-endian sequence number (first event = 1),
//           value = stored event bytes (a consilium.fb.Event FlatBuffer).
inline constexpr char kEventsFamily[] = "events";
// meta:     ASCII keys below -> ASCII values.
inline constexpr char kMetaFamily[] = "meta";
// by_record: record id || 0x00 || 8-byte BE seq -> empty.
inline constexpr char kByRecordFamily[] = "by_record";
// by_actor:  actor || 0x00 || 8-byte BE seq -> empty.
inline constexpr char kByActorFamily[] = "by_actor";
// requests:  actor || 0x00 || request id -> 8-byte BE seq.
inline constexpr char kRequestsFamily[] = "requests";
// merkle:    1-byte level || 8-byte BE index -> 32-byte hash of the perfect
//            subtree covering leaves [index << level, (index + 1) << level).
inline constexpr char kMerkleFamily[] = "merkle";
// checkpoints: 8-byte BE tree size -> signed note text.
inline constexpr char kCheckpointsFamily[] = "checkpoints";
// projections: projection name -> 8-byte BE sequence number the state
//            reflects || the projection's own serialized state
//            (Ledger::PutProjectionCheckpoint). Added after format version 1
//            was first written: Ledger::Open creates it in a ledger that
//            lacks it, so its absence never makes a ledger unreadable.
inline constexpr char kProjectionsFamily[] = "projections";

// meta keys.
inline constexpr char kMetaFormatVersion[] = "format_version";  // decimal
inline constexpr char kMetaOrigin[] = "origin";         // log origin line
inline constexpr char kMetaCreatedBy[] = "created_by";  // "consilium 0.1.0"
inline constexpr char kMetaHead[] = "head";  // 8-byte BE seq || 32-byte hash
// The checkpoint signer's verifier key (C2SP note form), set with the first
// checkpoint; `origin` is set at the same time.
inline constexpr char kMetaCheckpointKey[] = "checkpoint_vkey";
// The name of the EventIndexer (schemas/event_index.h) the by_record index
// is built with, written at Init and by RepairIndexes. A ledger made before
// this key existed has none and was indexed by kLegacyIndexerName.
inline constexpr char kMetaIndexer[] = "indexer";
inline constexpr char kLegacyIndexerName[] = "consilium.v1";
// Operator settings: "setting." || name -> value (Ledger::SetSetting).
inline constexpr char kMetaSettingPrefix[] = "setting.";

// Version of the storage layout (column families, key encodings, event
// format). Bumped on any incompatible change; older builds refuse newer data.
inline constexpr uint32_t kStorageFormatVersion = 1;

inline void PutBigEndian64(char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint64_t GetBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}

inline std::string SeqKey(uint64_t seq) {
  std::string k(8, '\0');
  PutBigEndian64(k.data(), seq);
  return k;
}

// id || 0x00 || seq: ids never contain NUL (EventDraft::Validate).
inline std::string IndexKey(std::string_view id, uint64_t seq) {
  std::string k;
  k.reserve(id.size() + 9);
  k.append(id);
  k.push_back('\0');
  k.resize(k.size() + 8);
  PutBigEndian64(k.data() + k.size() - 8, seq);
  return k;
}

inline std::string IndexPrefix(std::string_view id) {
  std::string k(id);
  k.push_back('\0');
  return k;
}

inline std::string RequestKey(std::string_view actor,
                              std::string_view request_id) {
  std::string k;
  k.reserve(actor.size() + request_id.size() + 1);
  k.append(actor);
  k.push_back('\0');
  k.append(request_id);
  return k;
}

inline std::string MerkleKey(uint32_t level, uint64_t index) {
  std::string k(9, '\0');
  k[0] = static_cast<char>(level);
  PutBigEndian64(k.data() + 1, index);
  return k;
}

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_STORAGE_LAYOUT_H_
