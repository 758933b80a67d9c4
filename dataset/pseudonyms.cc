#include "dataset/pseudonyms.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>

#include "common/hash.h"

namespace consilium::dataset {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Reads the whole small key file; NotFound when it is missing.
StatusOr<std::string> ReadKeyText(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no pseudonym key " + path);
    return InternalError("opening " + path + ": " + ErrnoText());
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return InternalError("stat " + path + ": " + ErrnoText());
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return FailedPreconditionError("pseudonym key " + path +
                                   " may be read or written by group or "
                                   "others (chmod 600 it)");
  }
  std::string text(200, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) return InternalError("reading " + path + ": " + ErrnoText());
  text.resize(static_cast<size_t>(n));
  return text;
}

Status WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return InternalError(ErrnoText());
    s.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

// Creates the key file: a temporary file, synced, linked to `path` (link
// fails with EEXIST when another process made one first: then that key is
// used), the directory synced.
Status CreateKeyFile(const std::string& dir, const std::string& path) {
  std::array<uint8_t, 32> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return InternalError("OpenSSL RAND_bytes failed");
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("creating " + tmp + ": " + ErrnoText());
  Status s = WriteAll(fd, ToHex(key) + "\n");
  if (s.ok() && ::fsync(fd) != 0) s = InternalError(ErrnoText());
  ::close(fd);
  if (s.ok() && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    s = InternalError("linking " + path + ": " + ErrnoText());
  }
  ::unlink(tmp.c_str());
  if (!s.ok()) return s.WithContext("writing the pseudonym key");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace

StatusOr<Pseudonymizer> Pseudonymizer::LoadOrCreate(const std::string& data_dir,
                                                    bool create) {
  const std::string path = data_dir + "/" + kPseudonymKeyFile;
  StatusOr<std::string> text = ReadKeyText(path);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound && create) {
    RETURN_IF_ERROR(CreateKeyFile(data_dir, path));
    text = ReadKeyText(path);
  }
  if (!text.ok()) return text.status();
  std::string_view t = *text;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  StatusOr<std::string> key = FromHex(t);
  if (t.size() != 64 || !key.ok()) {
    return DataLossError("pseudonym key " + path +
                         " does not hold 64 hex digits and a newline");
  }
  return FromKey(*key);
}

StatusOr<Pseudonymizer> Pseudonymizer::FromKey(std::string_view key) {
  if (key.size() != 32) {
    return InvalidArgumentError("a pseudonym key has 32 bytes, not " +
                                std::to_string(key.size()));
  }
  Pseudonymizer p;
  std::memcpy(p.key_.data(), key.data(), 32);
  return p;
}

std::string Pseudonymizer::Mac(std::string_view domain, std::string_view id,
                               std::string_view prefix) const {
  // HMAC-SHA-256 (RFC 2104) spelled out over the project's SHA-256: OpenSSL
  // 3's one-shot HMAC() looks the digest up on every call, which costs more
  // than the hashing for these short messages (a line has a dozen).
  std::array<uint8_t, 64> ipad, opad;
  ipad.fill(0x36);
  opad.fill(0x5c);
  for (size_t i = 0; i < key_.size(); ++i) {
    ipad[i] ^= key_[i];
    opad[i] ^= key_[i];
  }
  Sha256Hasher inner;
  inner.Update(std::span<const uint8_t>(ipad));
  inner.Update(domain);
  inner.Update(std::string_view("\0", 1));
  inner.Update(id);
  const Hash256 inner_hash = inner.Finish();
  Sha256Hasher outer;
  outer.Update(std::span<const uint8_t>(opad));
  outer.Update(std::span<const uint8_t>(inner_hash));
  const Hash256 mac = outer.Finish();
  return std::string(prefix) + ToHex(std::span<const uint8_t>(mac.data(), 12));
}

std::string Pseudonymizer::Principal(std::string_view id) const {
  return Mac("principal", id, "ps-");
}

std::string Pseudonymizer::Annotation(std::string_view id) const {
  return Mac("annotation", id, "an-");
}

std::string Pseudonymizer::KeyId() const {
  std::string msg = std::string("consilium pseudonym key id") + '\0';
  msg.append(reinterpret_cast<const char*>(key_.data()), key_.size());
  Hash256 h = Sha256(msg);
  return ToHex(std::span<const uint8_t>(h.data(), 8));
}

}  // namespace consilium::dataset
