#include "common/key_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <vector>

#include "common/aead.h"
#include "common/hash.h"
#include "common/key_rotation.h"

namespace consilium {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCheckFile = "kek.check";
constexpr std::string_view kCheckText = "consilium key store v1";
constexpr std::string_view kKeySuffix = ".dek";
constexpr std::string_view kShredSuffix = ".shredded";

std::string Hex(std::string_view s) {
  return ToHex(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

std::string SubjectName(std::string_view subject) {
  Hash256 h = Sha256(subject);
  return ToHex(h);
}

StatusOr<std::string> ParseKekHex(std::string_view text,
                                  std::string_view where) {
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) {
    text.remove_prefix(1);
  }
  StatusOr<std::string> raw = FromHex(text);
  if (!raw.ok() || raw->size() != kAeadKeyBytes) {
    return InvalidArgumentError(std::string(where) +
                                ": a key-encryption key is 64 hex digits");
  }
  return raw;
}

StatusOr<std::string> ReadSmallFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return InternalError("cannot open directory " + dir.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return InternalError("cannot sync directory " + dir.string());
  return OkStatus();
}

// Writes `text` to dir/name durably (mode 0600, temporary file, fsync,
// rename, directory fsync).
Status WriteDurable(const fs::path& dir, std::string_view name,
                    std::string_view text) {
  fs::path tmp = dir / (std::string(name) + ".tmp");
  fs::path dst = dir / std::string(name);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + tmp.string());
  bool ok = ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), dst.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("cannot write " + dst.string());
  }
  return SyncDir(dir);
}

// "nonce-hex sealed-hex" of `plain` under `key`.
StatusOr<std::string> WrapLine(std::string_view key, std::string_view plain,
                               std::string_view aad) {
  ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kAeadNonceBytes));
  ASSIGN_OR_RETURN(std::string sealed, AeadSeal(key, nonce, plain, aad));
  return Hex(nonce) + " " + Hex(sealed);
}

StatusOr<std::string> UnwrapLine(std::string_view key, std::string_view line,
                                 std::string_view aad) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    return DataLossError("malformed key store entry");
  }
  ASSIGN_OR_RETURN(std::string nonce, FromHex(line.substr(0, sp)));
  ASSIGN_OR_RETURN(std::string sealed, FromHex(line.substr(sp + 1)));
  return AeadOpen(key, nonce, sealed, aad);
}

std::string WrapAad(std::string_view name, std::string_view key_id) {
  return "consilium-dek|" + std::string(name) + "|" + std::string(key_id);
}

std::string ContentAad(std::string_view subject, std::string_view key_id) {
  return "consilium-content|" + std::string(subject) + "|" +
         std::string(key_id);
}

// A data key file: "key_id nonce-hex sealed-hex\n".
StatusOr<std::string> WrapKeyFile(std::string_view kek, std::string_view name,
                                  std::string_view key_id,
                                  std::string_view key) {
  ASSIGN_OR_RETURN(std::string line, WrapLine(kek, key, WrapAad(name, key_id)));
  return std::string(key_id) + " " + line + "\n";
}

// {key_id, key} of a data key file's text.
StatusOr<std::pair<std::string, std::string>> UnwrapKeyFile(
    std::string_view kek, std::string_view name, std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t sp = text.find(' ');
  if (sp == std::string::npos) return DataLossError("malformed data key file");
  std::string key_id = text.substr(0, sp);
  StatusOr<std::string> key = UnwrapLine(
      kek, std::string_view(text).substr(sp + 1), WrapAad(name, key_id));
  if (!key.ok()) {
    return DataLossError("data key " + key_id +
                         " does not unwrap under this key-encryption key");
  }
  return std::make_pair(key_id, std::move(*key));
}

Status CheckKek(const fs::path& dir, std::string_view kek) {
  StatusOr<std::string> line = ReadSmallFile(dir / std::string(kCheckFile));
  if (!line.ok()) {
    return NotFoundError("no key store in " + dir.string() + " (missing " +
                         std::string(kCheckFile) + ")");
  }
  while (!line->empty() && line->back() == '\n') line->pop_back();
  StatusOr<std::string> text = UnwrapLine(kek, *line, "consilium-kek-check");
  if (!text.ok() || *text != kCheckText) {
    return PermissionDeniedError(
        "the key-encryption key does not open the key store in " +
        dir.string() + " (wrong KEK, or it was rotated)");
  }
  return OkStatus();
}

Status WriteCheck(const fs::path& dir, std::string_view kek) {
  ASSIGN_OR_RETURN(std::string line,
                   WrapLine(kek, kCheckText, "consilium-kek-check"));
  return WriteDurable(dir, kCheckFile, line + "\n");
}

// Rewraps every entry of `from` into the empty directory `to`.
Status RewrapInto(const fs::path& from, const fs::path& to,
                  const std::string& old_kek, const std::string& new_kek,
                  const std::function<void(uint64_t, uint64_t)>& progress) {
  uint64_t total = 0, done = 0;
  if (progress) {
    for (const fs::directory_entry& e : fs::directory_iterator(from))
      total += e.path().filename().string().ends_with(kKeySuffix);
    progress(0, total);
  }
  for (const fs::directory_entry& e : fs::directory_iterator(from)) {
    std::string file = e.path().filename().string();
    if (file.ends_with(kShredSuffix)) {
      ASSIGN_OR_RETURN(std::string text, ReadSmallFile(e.path()));
      RETURN_IF_ERROR(WriteDurable(to, file, text));
    } else if (file.ends_with(kKeySuffix)) {
      std::string name = file.substr(0, file.size() - kKeySuffix.size());
      ASSIGN_OR_RETURN(std::string text, ReadSmallFile(e.path()));
      ASSIGN_OR_RETURN(auto key, UnwrapKeyFile(old_kek, name, std::move(text)));
      StatusOr<std::string> out =
          WrapKeyFile(new_kek, name, key.first, key.second);
      Wipe(key.second);
      if (!out.ok()) return out.status();
      RETURN_IF_ERROR(WriteDurable(to, file, *out));
      if (progress) progress(++done, total);
    }
  }
  return WriteCheck(to, new_kek);
}

}  // namespace

StatusOr<std::string> LoadKekFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return NotFoundError("key-encryption key file " + path + " not found");
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgumentError("key-encryption key file " + path +
                                " is not a regular file");
  }
  if ((st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return PermissionDeniedError("key-encryption key file " + path +
                                 " has mode " + mode +
                                 "; it must be 0600 (chmod 600 " + path + ")");
  }
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  return ParseKekHex(text, "key-encryption key file " + path);
}

StatusOr<std::string> LoadKekEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') {
    return NotFoundError("environment variable " + name +
                         " (the key-encryption key) is not set");
  }
  return ParseKekHex(v, "environment variable " + name);
}

StatusOr<std::string> NewKekHex() {
  ASSIGN_OR_RETURN(std::string raw, RandomBytes(kAeadKeyBytes));
  std::string hex = Hex(raw);
  Wipe(raw);
  return hex;
}

bool IsShredded(const Status& s) {
  return s.code() == StatusCode::kFailedPrecondition &&
         s.message().find(kShreddedMessage) != std::string::npos;
}

bool KeyStore::Exists(const std::string& dir) {
  return fs::exists(fs::path(dir) / std::string(kCheckFile));
}

StatusOr<std::unique_ptr<KeyStore>> KeyStore::Create(const std::string& dir,
                                                     std::string kek) {
  if (kek.size() != kAeadKeyBytes) {
    return InvalidArgumentError("a key-encryption key is 32 bytes");
  }
  if (Exists(dir)) {
    return AlreadyExistsError("a key store already exists in " + dir);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    return InternalError("cannot create key store directory " + dir);
  }
  RETURN_IF_ERROR(WriteCheck(dir, kek));
  return std::unique_ptr<KeyStore>(new KeyStore(dir, std::move(kek)));
}

StatusOr<std::unique_ptr<KeyStore>> KeyStore::Open(const std::string& dir,
                                                   std::string kek) {
  if (kek.size() != kAeadKeyBytes) {
    return InvalidArgumentError("a key-encryption key is 32 bytes");
  }
  RETURN_IF_ERROR(CheckKek(dir, kek));
  return std::unique_ptr<KeyStore>(new KeyStore(dir, std::move(kek)));
}

KeyStore::~KeyStore() {
  for (auto& [subject, key] : cache_) Wipe(key.key);
  Wipe(kek_);
}

bool KeyStore::IsShreddedSubject(std::string_view subject) const {
  return fs::exists(fs::path(dir_) /
                    (SubjectName(subject) + std::string(kShredSuffix)));
}

bool KeyStore::HasKey(std::string_view subject) const {
  return fs::exists(fs::path(dir_) /
                    (SubjectName(subject) + std::string(kKeySuffix)));
}

StatusOr<KeyStore::DataKey> KeyStore::LoadKey(std::string_view subject) {
  if (auto it = cache_.find(subject); it != cache_.end()) return it->second;
  if (IsShreddedSubject(subject)) {
    return FailedPreconditionError(std::string(kShreddedMessage));
  }
  std::string name = SubjectName(subject);
  StatusOr<std::string> text =
      ReadSmallFile(fs::path(dir_) / (name + std::string(kKeySuffix)));
  if (!text.ok()) return NotFoundError("no data key for this subject");
  ASSIGN_OR_RETURN(auto key, UnwrapKeyFile(kek_, name, std::move(*text)));
  DataKey k{std::move(key.first), std::move(key.second)};
  cache_.emplace(std::string(subject), k);
  return k;
}

StatusOr<KeyStore::DataKey> KeyStore::KeyFor(std::string_view subject) {
  StatusOr<DataKey> k = LoadKey(subject);
  if (k.ok() || k.status().code() != StatusCode::kNotFound) return k;
  ASSIGN_OR_RETURN(std::string id, RandomBytes(8));
  ASSIGN_OR_RETURN(std::string key, RandomBytes(kAeadKeyBytes));
  DataKey fresh{Hex(id), std::move(key)};
  std::string name = SubjectName(subject);
  ASSIGN_OR_RETURN(std::string file,
                   WrapKeyFile(kek_, name, fresh.key_id, fresh.key));
  RETURN_IF_ERROR(WriteDurable(dir_, name + std::string(kKeySuffix), file));
  cache_.emplace(std::string(subject), fresh);
  return fresh;
}

StatusOr<size_t> KeyStore::CreateKeys(std::span<const std::string> subjects) {
  std::lock_guard<std::mutex> lock(mu_);
  struct Fresh {
    std::string_view subject;
    fs::path tmp, dst;
    DataKey key;
  };
  std::vector<Fresh> fresh;
  size_t renamed = 0;  // fresh[0..renamed) are in place
  // On a failure the temporary files go. Keys already renamed into place
  // stay only once their directory is synced (then they are durable, and
  // nothing was sealed under them yet: the lock is held); if that sync
  // fails too, they go as well, so no key whose entry might not survive a
  // crash is ever used. The store's lock is held throughout, so seals and
  // opens wait for the batch's two syncs (syncfs reports write-back errors
  // from Linux 5.8 on; Debian 12 ships 6.1).
  auto fail = [&](const std::string& what) {
    for (const Fresh& f : fresh) ::unlink(f.tmp.c_str());
    if (renamed > 0 && !SyncDir(dir_).ok()) {
      for (size_t i = 0; i < renamed; ++i) ::unlink(fresh[i].dst.c_str());
      (void)SyncDir(dir_);
    }
    for (Fresh& f : fresh) Wipe(f.key.key);
    return InternalError(what);
  };
  std::set<std::string_view> seen;
  for (const std::string& subject : subjects) {
    if (!seen.insert(subject).second || cache_.contains(subject) ||
        HasKey(subject) || IsShreddedSubject(subject)) {
      continue;
    }
    StatusOr<std::string> id = RandomBytes(8);
    StatusOr<std::string> key = RandomBytes(kAeadKeyBytes);
    if (!id.ok() || !key.ok())
      return fail("the OpenSSL random generator failed");
    const std::string name = SubjectName(subject) + std::string(kKeySuffix);
    fresh.push_back({subject, fs::path(dir_) / (name + ".tmp"),
                     fs::path(dir_) / name,
                     DataKey{Hex(*id), std::move(*key)}});
  }
  if (fresh.empty()) return size_t{0};
  for (const Fresh& f : fresh) {
    StatusOr<std::string> file =
        WrapKeyFile(kek_, SubjectName(f.subject), f.key.key_id, f.key.key);
    if (!file.ok()) return fail(file.status().message());
    int fd =
        ::open(f.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("cannot create " + f.tmp.string());
    bool ok = ::write(fd, file->data(), file->size()) ==
              static_cast<ssize_t>(file->size());
    ok = (::close(fd) == 0) && ok;
    if (!ok) return fail("cannot write " + f.tmp.string());
  }
  // One sync for every file's bytes, then the renames, then one for the
  // directory: no key file is in place before its bytes are durable.
  int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail("cannot open directory " + dir_);
  if (::syncfs(dir) != 0) {
    ::close(dir);
    return fail("cannot sync the key store " + dir_);
  }
  for (const Fresh& f : fresh) {
    if (::rename(f.tmp.c_str(), f.dst.c_str()) != 0) {
      ::close(dir);
      return fail("cannot write " + f.dst.string());
    }
    ++renamed;
  }
  const bool synced = ::fsync(dir) == 0;
  ::close(dir);
  if (!synced) return fail("cannot sync directory " + dir_);
  for (Fresh& f : fresh) cache_.emplace(std::string(f.subject), f.key);
  for (Fresh& f : fresh) Wipe(f.key.key);
  return fresh.size();
}

StatusOr<SealedContent> KeyStore::Seal(std::string_view subject,
                                       std::string_view plaintext) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(DataKey k, KeyFor(subject));
  ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kAeadNonceBytes));
  ASSIGN_OR_RETURN(std::string data, AeadSeal(k.key, nonce, plaintext,
                                              ContentAad(subject, k.key_id)));
  Wipe(k.key);
  return SealedContent{k.key_id, std::move(nonce), std::move(data)};
}

StatusOr<std::string> KeyStore::Unseal(std::string_view subject,
                                       std::string_view key_id,
                                       std::string_view nonce,
                                       std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(DataKey k, LoadKey(subject));
  if (k.key_id != key_id) {
    Wipe(k.key);
    if (IsShreddedSubject(subject)) {
      return FailedPreconditionError(std::string(kShreddedMessage));
    }
    return NotFoundError("data key " + std::string(key_id) +
                         " is not in the key store (it holds " + k.key_id +
                         " for this subject)");
  }
  StatusOr<std::string> plain =
      AeadOpen(k.key, nonce, data, ContentAad(subject, key_id));
  Wipe(k.key);
  return plain;
}

StatusOr<std::string> KeyStore::Shred(std::string_view subject) {
  std::lock_guard<std::mutex> lock(mu_);
  if (IsShreddedSubject(subject)) {
    return FailedPreconditionError("the subject was already shredded");
  }
  ASSIGN_OR_RETURN(DataKey k, LoadKey(subject));
  Wipe(k.key);
  std::string name = SubjectName(subject);
  // The marker first: a crash between the two steps leaves the key
  // unusable (reads answer "shredded") and `shred` can be rerun.
  RETURN_IF_ERROR(WriteDurable(dir_, name + std::string(kShredSuffix),
                               "shredded " + k.key_id + "\n"));
  fs::path file = fs::path(dir_) / (name + std::string(kKeySuffix));
  if (::unlink(file.c_str()) != 0) {
    return InternalError("cannot delete data key file " + file.string());
  }
  RETURN_IF_ERROR(SyncDir(dir_));
  if (auto it = cache_.find(subject); it != cache_.end()) {
    Wipe(it->second.key);
    cache_.erase(it);
  }
  return k.key_id;
}

Status KeyStore::Rotate(const std::string& dir, const std::string& old_kek,
                        const std::string& new_kek) {
  return RotateKeyStore(dir, old_kek, new_kek, {});
}

Status RotateKeyStore(
    const std::string& dir, const std::string& old_kek,
    const std::string& new_kek,
    const std::function<void(uint64_t done, uint64_t total)>& progress) {
  if (old_kek.size() != kAeadKeyBytes || new_kek.size() != kAeadKeyBytes) {
    return InvalidArgumentError("a key-encryption key is 32 bytes");
  }
  RETURN_IF_ERROR(CheckKek(dir, old_kek));
  fs::path live(dir);
  fs::path next = live.string() + ".rotating";
  std::error_code ec;
  fs::remove_all(next, ec);  // a rotation that crashed before its swap
  if (!fs::create_directory(next, ec) || ::chmod(next.c_str(), 0700) != 0) {
    return InternalError("cannot create " + next.string());
  }
  Status s = RewrapInto(live, next, old_kek, new_kek, progress);
  if (!s.ok()) {
    fs::remove_all(next, ec);
    return s.WithContext("KEK rotation aborted, store unchanged");
  }
  // One atomic step: the two directories trade names.
  if (::renameat2(AT_FDCWD, next.c_str(), AT_FDCWD, live.c_str(),
                  RENAME_EXCHANGE) != 0) {
    fs::remove_all(next, ec);
    return InternalError("cannot swap in the rewrapped key store");
  }
  RETURN_IF_ERROR(
      SyncDir(live.parent_path().empty() ? fs::path(".") : live.parent_path()));
  fs::remove_all(next, ec);  // now the old wrapping
  return OkStatus();
}

}  // namespace consilium
