// Key-encryption key rotation with progress: KeyStore::Rotate
// (common/key_store.h) reporting the data keys rewrapped, for
// `consilium kek rotate`'s bar (tools/progress.h). A leaf header apart from
// key_store.h, which much of the code includes.
//
// Thread-safety: as KeyStore::Rotate (one rotation of a store at a time).
#ifndef CONSILIUM_COMMON_KEY_ROTATION_H_
#define CONSILIUM_COMMON_KEY_ROTATION_H_

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace consilium {

// KeyStore::Rotate(dir, old_kek, new_kek), same codes and atomicity;
// `progress` (may be empty) is called on this thread with the data keys
// rewrapped so far and their count (shredded subjects' markers are not
// keys and not counted): (0, n) before the first, then after each.
Status RotateKeyStore(
    const std::string& dir, const std::string& old_kek,
    const std::string& new_kek,
    const std::function<void(uint64_t done, uint64_t total)>& progress);

}  // namespace consilium

#endif  // CONSILIUM_COMMON_KEY_ROTATION_H_
