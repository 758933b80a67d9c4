#include "ledger/checkpoint.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace consilium {

namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94";  // U+2014
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr uint8_t kAlgEd25519 = 0x01;
constexpr size_t kEd25519SignatureSize = 64;
constexpr size_t kMaxSignatureLines = 100;

// ---- UTF-8 and text rules ------------------------------------------------

// Decodes one UTF-8 sequence at text[pos]; returns its length and sets
// `code`, or 0 when the sequence is malformed (overlong, surrogate, beyond
// U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view text, size_t pos, uint32_t& code) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(pos);
  if (b0 < 0x80) {
    code = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
    code = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
    code = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
    code = b0 & 0x07;
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code = code << 6 | (byte(pos + i) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return len;
}

// Go's unicode.IsSpace: ASCII white space, NEL, NBSP and category Zs/Zl/Zp.
bool IsUnicodeSpace(uint32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsControl(uint32_t c) { return c < 0x20 || c == 0x7F; }

// Well-formed UTF-8 with no control characters except, when allowed, '\n'.
Status CheckText(std::string_view text, bool allow_newline) {
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = 0;
    const size_t len = DecodeUtf8(text, pos, c);
    if (len == 0) {
      return InvalidArgumentError("invalid UTF-8 at byte " +
                                  std::to_string(pos));
    }
    if (IsControl(c) && !(allow_newline && c == '\n')) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(c));
      return InvalidArgumentError(std::string("control character ") + buf +
                                  " at byte " + std::to_string(pos));
    }
    pos += len;
  }
  return OkStatus();
}

// Note text: non-empty, ends in '\n', UTF-8, no control characters but '\n'.
Status CheckNoteText(std::string_view text) {
  if (text.empty()) return InvalidArgumentError("text is empty");
  if (text.back() != '\n') {
    return InvalidArgumentError("text does not end with a newline");
  }
  return CheckText(text, /*allow_newline=*/true);
}

// ---- Key ids and key strings -----------------------------------------------

std::string Hex8(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

StatusOr<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) {
    return InvalidArgumentError("key id \"" + std::string(s) +
                                "\" is not 8 hex digits");
  }
  ASSIGN_OR_RETURN(std::string raw, FromHex(s));
  return static_cast<uint32_t>(static_cast<uint8_t>(raw[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(raw[3]));
}

// SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
uint32_t KeyId(std::string_view name, const std::array<uint8_t, 32>& pub) {
  Sha256Hasher h;
  h.Update(name);
  const uint8_t sep[2] = {0x0A, kAlgEd25519};
  h.Update(std::span<const uint8_t>(sep, 2));
  h.Update(std::span<const uint8_t>(pub));
  const Hash256 d = h.Finish();
  return static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
         static_cast<uint32_t>(d[2]) << 8 | static_cast<uint32_t>(d[3]);
}

// "<name>+<hex8>+<base64(0x01 || 32 bytes)>" split and decoded; `what` names
// the string in errors ("verifier key", "private key").
struct KeyParts {
  std::string name;
  uint32_t key_id = 0;
  std::array<uint8_t, 32> key{};
};

StatusOr<KeyParts> ParseKeyParts(std::string_view s, std::string_view what) {
  const std::string w(what);
  const size_t p1 = s.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : s.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return InvalidArgumentError(
        w + " is not of the form <name>+<hex8 key id>+<base64 key>");
  }
  KeyParts parts;
  parts.name = std::string(s.substr(0, p1));
  Status s_name = ValidateKeyName(parts.name);
  if (!s_name.ok()) return s_name.WithContext(w + ": key name");
  StatusOr<uint32_t> id = ParseHex8(s.substr(p1 + 1, p2 - p1 - 1));
  if (!id.ok()) return id.status().WithContext(w);
  parts.key_id = *id;
  StatusOr<std::string> raw = FromBase64(s.substr(p2 + 1));
  if (!raw.ok()) return raw.status().WithContext(w + ": key");
  if (raw->size() != 33) {
    return InvalidArgumentError(w + ": key is " + std::to_string(raw->size()) +
                                " bytes, expected 33 (0x01 and a 32-byte "
                                "Ed25519 key)");
  }
  if (static_cast<uint8_t>((*raw)[0]) != kAlgEd25519) {
    return InvalidArgumentError(
        w + ": unsupported signature algorithm " +
        std::to_string(static_cast<uint8_t>((*raw)[0])) +
        " (only 1, Ed25519, is supported)");
  }
  std::memcpy(parts.key.data(), raw->data() + 1, 32);
  return parts;
}

std::string KeyString(std::string_view name, uint32_t key_id,
                      const std::array<uint8_t, 32>& key) {
  std::array<uint8_t, 33> raw;
  raw[0] = kAlgEd25519;
  std::memcpy(raw.data() + 1, key.data(), 32);
  std::string out(name);
  out += '+';
  out += Hex8(key_id);
  out += '+';
  out += ToBase64(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

// ---- OpenSSL
// -----------------------------------------------------------------

// The error at the top of OpenSSL's queue, as text; clears the queue.
std::string OpenSslError(std::string_view call) {
  const unsigned long code = ERR_get_error();
  char buf[256] = "no OpenSSL error queued";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return std::string(call) + " failed: " + buf;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// ---- Signed-note parsing ----------------------------------------------------

struct SignatureLine {
  std::string_view name;
  uint32_t key_id = 0;
  std::string signature;  // after the key id
};

struct ParsedNote {
  std::string_view body;
  std::vector<SignatureLine> signatures;
};

Status Malformed(const std::string& why) {
  return InvalidArgumentError("malformed note: " + why);
}

StatusOr<ParsedNote> ParseNote(std::string_view text) {
  if (Status s = CheckNoteText(text); !s.ok()) return Malformed(s.message());
  // The body ends at the last blank line: signature lines never are blank.
  const size_t split = text.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Malformed("no blank line between the text and the signatures");
  }
  ParsedNote note;
  note.body = text.substr(0, split + 1);
  std::string_view rest = text.substr(split + 2);
  if (rest.empty()) return Malformed("no signature lines");
  int line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    const size_t nl = rest.find('\n');  // exists: the text ends in '\n'
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    const std::string where = "signature line " + std::to_string(line_no);
    if (note.signatures.size() == kMaxSignatureLines) {
      return Malformed("more than " + std::to_string(kMaxSignatureLines) +
                       " signature lines");
    }
    if (line.substr(0, kEmDash.size() + 1) != std::string(kEmDash) + " ") {
      return Malformed(where +
                       " does not start with an em dash (U+2014) "
                       "and a space");
    }
    line.remove_prefix(kEmDash.size() + 1);
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return Malformed(where + " has no space between key name and signature");
    }
    SignatureLine sig;
    sig.name = line.substr(0, sp);
    if (Status s = ValidateKeyName(sig.name); !s.ok()) {
      return Malformed(where + ": key name: " + s.message());
    }
    StatusOr<std::string> raw = FromBase64(line.substr(sp + 1));
    if (!raw.ok()) return Malformed(where + ": " + raw.status().message());
    if (raw->size() < 5) {
      return Malformed(where + ": signature is " + std::to_string(raw->size()) +
                       " bytes, shorter than a key id and a signature");
    }
    sig.key_id = static_cast<uint32_t>(static_cast<uint8_t>((*raw)[0])) << 24 |
                 static_cast<uint32_t>(static_cast<uint8_t>((*raw)[1])) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>((*raw)[2])) << 8 |
                 static_cast<uint32_t>(static_cast<uint8_t>((*raw)[3]));
    sig.signature = raw->substr(4);
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

// Parses "0" or a decimal without leading zeros that fits in 64 bits.
StatusOr<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty()) return InvalidArgumentError("empty");
  if (s.size() > 1 && s[0] == '0') {
    return InvalidArgumentError("\"" + std::string(s) + "\" has leading zeros");
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError("\"" + std::string(s) +
                                  "\" is not a decimal number");
    }
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return InvalidArgumentError("\"" + std::string(s) +
                                  "\" does not fit in 64 bits");
    }
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

// ---- Checkpoint bodies ------------------------------------------------------

Status ValidateCheckpointOrigin(std::string_view origin) {
  if (origin.empty()) return InvalidArgumentError("origin is empty");
  if (Status s = CheckText(origin, /*allow_newline=*/false); !s.ok()) {
    return s.WithContext("origin");
  }
  return OkStatus();
}

Status ValidateKeyName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("key name is empty");
  for (size_t pos = 0; pos < name.size();) {
    uint32_t c = 0;
    const size_t len = DecodeUtf8(name, pos, c);
    if (len == 0) {
      return InvalidArgumentError("key name has invalid UTF-8 at byte " +
                                  std::to_string(pos));
    }
    if (IsUnicodeSpace(c) || IsControl(c) || c == '+') {
      return InvalidArgumentError(
          "key name \"" + std::string(name) +
          "\" contains white space, a control character or '+' at byte " +
          std::to_string(pos));
    }
    pos += len;
  }
  return OkStatus();
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  assert(ValidateCheckpointOrigin(checkpoint.origin).ok());
  std::string out = checkpoint.origin;
  out += '\n';
  out += std::to_string(checkpoint.size);
  out += '\n';
  out += ToBase64(checkpoint.root);
  out += '\n';
  return out;
}

StatusOr<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return InvalidArgumentError("checkpoint body does not end with a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    const size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) {
    return InvalidArgumentError("checkpoint body has " +
                                std::to_string(lines.size()) +
                                " lines, expected origin, size and root");
  }
  Checkpoint cp;
  if (Status s = ValidateCheckpointOrigin(lines[0]); !s.ok()) {
    return s.WithContext("checkpoint line 1");
  }
  cp.origin = std::string(lines[0]);
  StatusOr<uint64_t> size = ParseDecimal(lines[1]);
  if (!size.ok()) return size.status().WithContext("checkpoint line 2 (size)");
  cp.size = *size;
  StatusOr<Hash256> root = Hash256FromBase64(lines[2]);
  if (!root.ok()) return root.status().WithContext("checkpoint line 3 (root)");
  cp.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    const std::string where =
        "checkpoint line " + std::to_string(i + 1) + " (extension)";
    if (lines[i].empty()) return InvalidArgumentError(where + " is empty");
    if (Status s = CheckText(lines[i], false); !s.ok()) {
      return s.WithContext(where);
    }
  }
  return cp;
}

// ---- NoteSigner -------------------------------------------------------------

NoteSigner::NoteSigner(NoteSigner&& other) noexcept
    : name_(std::move(other.name_)),
      key_id_(other.key_id_),
      seed_(other.seed_),
      public_key_(other.public_key_) {
  OPENSSL_cleanse(other.seed_.data(), other.seed_.size());
}

NoteSigner& NoteSigner::operator=(NoteSigner&& other) noexcept {
  if (this != &other) {
    name_ = std::move(other.name_);
    key_id_ = other.key_id_;
    seed_ = other.seed_;
    public_key_ = other.public_key_;
    OPENSSL_cleanse(other.seed_.data(), other.seed_.size());
  }
  return *this;
}

NoteSigner::~NoteSigner() { OPENSSL_cleanse(seed_.data(), seed_.size()); }

StatusOr<NoteSigner> NoteSigner::FromSeed(std::string_view name,
                                          const std::array<uint8_t, 32>& seed) {
  RETURN_IF_ERROR(ValidateKeyName(name));
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            seed.data(), seed.size()));
  if (pkey == nullptr) {
    return InternalError(OpenSslError("EVP_PKEY_new_raw_private_key"));
  }
  NoteSigner signer;
  size_t len = signer.public_key_.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), signer.public_key_.data(),
                                  &len) != 1 ||
      len != signer.public_key_.size()) {
    return InternalError(OpenSslError("EVP_PKEY_get_raw_public_key"));
  }
  signer.name_ = std::string(name);
  signer.seed_ = seed;
  signer.key_id_ = KeyId(name, signer.public_key_);
  return signer;
}

StatusOr<NoteSigner> NoteSigner::Generate(std::string_view name) {
  RETURN_IF_ERROR(ValidateKeyName(name));
  std::array<uint8_t, 32> seed;
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return InternalError(OpenSslError("RAND_bytes"));
  }
  StatusOr<NoteSigner> signer = FromSeed(name, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return signer;
}

StatusOr<NoteSigner> NoteSigner::FromPrivateKeyString(std::string_view key) {
  if (key.substr(0, kPrivateKeyPrefix.size()) != kPrivateKeyPrefix) {
    return InvalidArgumentError("private key does not start with \"" +
                                std::string(kPrivateKeyPrefix) + "\"");
  }
  StatusOr<KeyParts> parts =
      ParseKeyParts(key.substr(kPrivateKeyPrefix.size()), "private key");
  if (!parts.ok()) return parts.status();
  StatusOr<NoteSigner> signer = FromSeed(parts->name, parts->key);
  OPENSSL_cleanse(parts->key.data(), parts->key.size());
  if (!signer.ok()) return signer.status();
  if (signer->key_id_ != parts->key_id) {
    return InvalidArgumentError("private key: key id " + Hex8(parts->key_id) +
                                " does not match name and key (expected " +
                                Hex8(signer->key_id_) + ")");
  }
  return signer;
}

StatusOr<std::string> NoteSigner::Sign(std::string_view body) const {
  if (Status s = CheckNoteText(body); !s.ok()) {
    return s.WithContext("cannot sign note body");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            seed_.data(), seed_.size()));
  if (pkey == nullptr) {
    return InternalError(OpenSslError("EVP_PKEY_new_raw_private_key"));
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return InternalError(OpenSslError("EVP_MD_CTX_new"));
  // Ed25519 hashes internally: no digest is given (NULL md).
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) !=
      1) {
    return InternalError(OpenSslError("EVP_DigestSignInit"));
  }
  std::array<uint8_t, 4 + kEd25519SignatureSize> sig;
  sig[0] = static_cast<uint8_t>(key_id_ >> 24);
  sig[1] = static_cast<uint8_t>(key_id_ >> 16);
  sig[2] = static_cast<uint8_t>(key_id_ >> 8);
  sig[3] = static_cast<uint8_t>(key_id_);
  size_t len = kEd25519SignatureSize;
  if (EVP_DigestSign(ctx.get(), sig.data() + 4, &len, AsBytes(body).data(),
                     body.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return InternalError(OpenSslError("EVP_DigestSign"));
  }
  std::string note(body);
  note += '\n';
  note += kEmDash;
  note += ' ';
  note += name_;
  note += ' ';
  note += ToBase64(sig);
  note += '\n';
  return note;
}

std::string NoteSigner::VerifierKey() const {
  return KeyString(name_, key_id_, public_key_);
}

std::string NoteSigner::PrivateKeyString() const {
  return std::string(kPrivateKeyPrefix) + KeyString(name_, key_id_, seed_);
}

// ---- NoteVerifier -----------------------------------------------------------

StatusOr<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view key) {
  ASSIGN_OR_RETURN(KeyParts parts, ParseKeyParts(key, "verifier key"));
  const uint32_t want = KeyId(parts.name, parts.key);
  if (want != parts.key_id) {
    return InvalidArgumentError("verifier key: key id " + Hex8(parts.key_id) +
                                " does not match name and key (expected " +
                                Hex8(want) + ")");
  }
  NoteVerifier v;
  v.name_ = std::move(parts.name);
  v.key_id_ = parts.key_id;
  v.public_key_ = parts.key;
  return v;
}

std::string NoteVerifier::VerifierKey() const {
  return KeyString(name_, key_id_, public_key_);
}

StatusOr<std::string> NoteVerifier::Open(std::string_view note) const {
  ASSIGN_OR_RETURN(ParsedNote parsed, ParseNote(note));
  std::vector<const SignatureLine*> ours;
  std::string other_ids;
  std::string names;
  for (const SignatureLine& sig : parsed.signatures) {
    if (!names.empty()) names += ", ";
    names += std::string(sig.name);
    if (sig.name != name_) continue;
    if (sig.key_id == key_id_) {
      ours.push_back(&sig);
    } else {
      if (!other_ids.empty()) other_ids += ", ";
      other_ids += Hex8(sig.key_id);
    }
  }
  if (ours.empty()) {
    if (!other_ids.empty()) {
      return UnauthenticatedError(
          "key id mismatch: the note is signed by key name \"" + name_ +
          "\" with key id " + other_ids + ", the verifier key has key id " +
          Hex8(key_id_));
    }
    return NotFoundError("no signature by key name \"" + name_ +
                         "\" (the note is signed by: " + names + ")");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, public_key_.data(), public_key_.size()));
  if (pkey == nullptr) {
    return InternalError(OpenSslError("EVP_PKEY_new_raw_public_key"));
  }
  for (const SignatureLine* sig : ours) {
    if (sig->signature.size() != kEd25519SignatureSize) continue;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr) return InternalError(OpenSslError("EVP_MD_CTX_new"));
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                             pkey.get()) != 1) {
      return InternalError(OpenSslError("EVP_DigestVerifyInit"));
    }
    const int rc = EVP_DigestVerify(
        ctx.get(), AsBytes(sig->signature).data(), sig->signature.size(),
        AsBytes(parsed.body).data(), parsed.body.size());
    if (rc == 1) return std::string(parsed.body);
    // 0 is a bad signature; anything else leaves an error queued that
    // must not leak into a later, unrelated OpenSSL call.
    ERR_clear_error();
  }
  return UnauthenticatedError("signature by key name \"" + name_ +
                              "\" (key id " + Hex8(key_id_) +
                              ") is invalid for this note's text");
}

// ---- Key files --------------------------------------------------------------

StatusOr<NoteSigner> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return NotFoundError("key file " + path + " does not exist");
    }
    return InternalError("cannot open key file " + path + ": " +
                         std::strerror(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return InternalError("cannot stat key file " + path + ": " +
                         std::strerror(err));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError(
        "key file " + path + " has mode " + mode +
        "; it must not be accessible by group or others (chmod 600 " + path +
        ")");
  }
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      OPENSSL_cleanse(buf, sizeof buf);
      return InternalError("cannot read key file " + path + ": " +
                           std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 4096) break;
  }
  ::close(fd);
  OPENSSL_cleanse(buf, sizeof buf);
  std::string_view key = text;
  if (!key.empty() && key.back() == '\n') key.remove_suffix(1);
  StatusOr<NoteSigner> signer = NoteSigner::FromPrivateKeyString(key);
  OPENSSL_cleanse(text.data(), text.size());
  if (!signer.ok()) return signer.status().WithContext("key file " + path);
  return signer;
}

Status WriteKeyFile(const std::string& path, const NoteSigner& signer) {
  const int fd = ::open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return AlreadyExistsError("key file " + path +
                                " already exists; refusing to overwrite it");
    }
    return InternalError("cannot create key file " + path + ": " +
                         std::strerror(err));
  }
  std::string text = signer.PrivateKeyString() + "\n";
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    OPENSSL_cleanse(text.data(), text.size());
    return InternalError(std::string("cannot ") + what + " key file " + path +
                         ": " + std::strerror(err));
  };
  // The umask may only have narrowed 0600; make it exact.
  if (::fchmod(fd, 0600) != 0) return fail("chmod");
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync");
  OPENSSL_cleanse(text.data(), text.size());
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return InternalError("cannot close key file " + path + ": " +
                         std::strerror(err));
  }
  // Make the new directory entry durable too.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace consilium
