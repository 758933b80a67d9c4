// Sealed content in events (docs/encryption.md): the one place that turns a
// `Payload` into plaintext, sealed or not, and that builds the events of
// encryption at rest (a RecordImported whose content is sealed under its
// subject's data key; KeyShredded).
//
// A ledger is encrypted when its data directory holds a key store
// (DATA/keys, common/key_store.h). Readers that get no key-encryption key
// (KEK) still read everything but sealed content, and say which key is
// missing rather than printing ciphertext.
//
// Thread-safety: functions are pure except for the key store's own
// (thread-safe) key loading.
//
//   ContentKeys keys{.encrypted = true, .store = store.get()};
//   ASSIGN_OR_RETURN(std::string text,
//                    OpenPayload(b->content(), keys, "record rec-1"));
#ifndef CONSILIUM_SCHEMAS_SEALED_CONTENT_H_
#define CONSILIUM_SCHEMAS_SEALED_CONTENT_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/key_store.h"
#include "common/status.h"
#include "schemas/event.h"

namespace consilium {

// The content keys of one ledger.
struct ContentKeys {
  // The ledger seals record content (DATA/keys exists): an import without a
  // store fails rather than storing plaintext.
  bool encrypted = false;
  // The open key store; not owned; null when no KEK was given.
  KeyStore* store = nullptr;
};

// Where the KEK comes from, for error messages (docs/encryption.md, "Opt-in").
inline constexpr std::string_view kKekHint =
    "give the key-encryption key with CONSILIUM_KEK_FILE=F (a mode-0600 key "
    "file) or CONSILIUM_KEK=<64 hex digits>";

// True for a payload whose encoding is not Plain.
bool IsSealedPayload(const fb::Payload* payload);

// The plaintext of `payload`; `what` names it in errors ("record rec-1").
// Plain (or absent: empty): its bytes. Sealed: opened with `keys.store`;
// FailedPrecondition naming the missing KEK when there is no store; the
// shredded error (IsShredded) after the subject's key was shredded;
// DataLoss when the bytes do not authenticate.
StatusOr<std::string> OpenPayload(const fb::Payload* payload,
                                  const ContentKeys& keys,
                                  std::string_view what);

// RecordImported with `content` sealed under `subject`'s data key (created
// durably in `store` when the subject has none) and content_hash =
// SHA-256(content), as MakeRecordImported. The store's errors (the shredded
// error for a shredded subject).
StatusOr<EventDraft> MakeSealedRecordImported(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata, KeyStore& store);

struct KeyShreddedFields {
  std::string subject_id{};
  std::string key_id{};
  std::string reason{};
  std::vector<std::string> record_ids{};  // sorted
};
EventDraft MakeKeyShredded(const EventHeader& header,
                           const KeyShreddedFields& f);

// Validate's rule for KeyShredded: subject id (1-256 bytes, no NUL), a
// non-empty reason, record ids valid.
Status CheckKeyShredded(const fb::KeyShredded& b);

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_SEALED_CONTENT_H_
