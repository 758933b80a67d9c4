#include "dataset/backup.h"

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/canonical_json.h"
#include "common/hash.h"
#include "common/input.h"
#include "common/strict_json.h"
#include "dataset/pseudonyms.h"

namespace consilium::dataset {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kFormat[] = "consilium-backup/1";

Status CopyKey(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, ec);
  if (!ec) {
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  if (ec) return InternalError("copying " + from + ": " + ec.message());
  return OkStatus();
}

Status WriteInfo(const std::string& path, const BackupInfo& info) {
  json::object o;
  o["format"] = kFormat;
  json::object head;
  head["seq"] = info.head.seq;
  head["hash"] = ToHex(info.head.hash);
  o["head"] = std::move(head);
  o["pseudonym_key"] = info.pseudonym_key;
  std::ofstream out(path, std::ios::trunc);
  out << WriteCanonicalJson(o).value() << "\n";
  out.close();
  if (!out) return InternalError("writing " + path);
  return OkStatus();
}

StatusOr<BackupInfo> ReadInfo(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text,
                   ReadBoundedFile(path, 64 * kKiB, "backup description"));
  json::value v;
  Status s = ParseStrictJson(text, {}, v);
  const json::object* o = v.if_object();
  const json::object* head = o != nullptr && o->if_contains("head")
                                 ? (*o).at("head").if_object()
                                 : nullptr;
  if (!s.ok() || o == nullptr || head == nullptr ||
      o->if_contains("format") == nullptr || o->at("format") != kFormat ||
      !head->contains("seq") || !head->at("seq").is_number() ||
      !head->contains("hash") || !head->at("hash").is_string() ||
      !o->contains("pseudonym_key") || !o->at("pseudonym_key").is_bool()) {
    return InvalidArgumentError(path + " is not a " + kFormat + " description");
  }
  BackupInfo info;
  info.head.seq = head->at("seq").to_number<uint64_t>();
  StatusOr<Hash256> hash = Hash256FromHex(head->at("hash").as_string());
  if (!hash.ok()) return InvalidArgumentError(path + ": head.hash is not hex");
  info.head.hash = *hash;
  info.pseudonym_key = o->at("pseudonym_key").as_bool();
  return info;
}

// The bytes of the regular files under `dir` (0 when it cannot be read).
uint64_t TreeBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

// Copies the tree under `from` into `to` (which exists), file by file,
// reporting the bytes copied; what fs::copy(from, to, recursive) does.
Status CopyTree(const std::string& from, const std::string& to,
                const std::function<void(uint64_t, uint64_t)>& copied) {
  const uint64_t total = copied ? TreeBytes(from) : 0;
  uint64_t done = 0;
  if (copied) copied(0, total);
  std::error_code ec;
  fs::recursive_directory_iterator it(from, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path target = fs::path(to) / fs::relative(it->path(), from, ec);
    if (ec) break;
    if (it->is_directory(ec)) {
      fs::create_directories(target, ec);
    } else if (it->is_regular_file(ec)) {
      fs::copy_file(it->path(), target, ec);
      if (!ec && copied) {
        done += it->file_size(ec);
        copied(done, total);
      }
    } else if (!ec) {
      fs::copy(it->path(), target, ec);
    }
    if (ec) break;
  }
  if (ec) return InternalError("copying the ledger: " + ec.message());
  return OkStatus();
}

}  // namespace

StatusOr<BackupInfo> BackupDataDir(const Ledger& ledger, const std::string& out,
                                   const CopyProgress& progress) {
  std::error_code ec;
  if (fs::exists(out, ec)) return AlreadyExistsError(out + " already exists");
  fs::create_directories(out, ec);
  if (ec) return InternalError("creating " + out + ": " + ec.message());
  auto fail = [&](Status s) {
    fs::remove_all(out, ec);
    return s;
  };
  // The pseudonym key is made now when no export made it yet: a backup
  // without it would restore into a ledger whose first export makes another
  // key, and no snapshot of this ledger would reproduce from the copy.
  if (StatusOr<Pseudonymizer> k = Pseudonymizer::LoadOrCreate(ledger.dir());
      !k.ok())
    return fail(k.status().WithContext("the pseudonym key"));
  Status s = ledger.Backup(out + "/ledger");
  if (!s.ok()) return fail(s);
  if (progress.copied) {
    const uint64_t bytes = TreeBytes(out + "/ledger");
    progress.copied(bytes, bytes);
  }
  BackupInfo info;
  // The copy's own head: appends may have gone on after the copy was taken.
  {
    LedgerOptions o;
    o.read_only = true;
    StatusOr<std::unique_ptr<Ledger>> copy = Ledger::Open(out + "/ledger", o);
    if (!copy.ok()) return fail(copy.status().WithContext("opening the copy"));
    StatusOr<Head> head = (*copy)->CheckedHead();
    if (!head.ok()) return fail(head.status());
    info.head = *head;
  }
  const std::string key = ledger.dir() + "/" + kPseudonymKeyFile;
  if (fs::exists(key, ec)) {
    s = CopyKey(key, out + "/" + kPseudonymKeyFile);
    if (!s.ok()) return fail(s);
    info.pseudonym_key = true;
  }
  s = WriteInfo(out + "/backup.json", info);
  if (!s.ok()) return fail(s);
  return info;
}

StatusOr<BackupInfo> RestoreDataDir(const std::string& backup,
                                    const std::string& data_dir,
                                    const CopyProgress& progress) {
  ASSIGN_OR_RETURN(BackupInfo info, ReadInfo(backup + "/backup.json"));
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec)) {
    return AlreadyExistsError(data_dir + " is not empty");
  }
  fs::create_directories(data_dir, ec);
  if (ec) return InternalError("creating " + data_dir + ": " + ec.message());
  RETURN_IF_ERROR(CopyTree(backup + "/ledger", data_dir, progress.copied));
  if (info.pseudonym_key) {
    RETURN_IF_ERROR(CopyKey(backup + "/" + kPseudonymKeyFile,
                            data_dir + "/" + kPseudonymKeyFile));
  }
  LedgerOptions o;
  o.read_only = true;
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(data_dir, o));
  VerifyReport report = ledger->Verify(1, progress.verified);
  if (!report.ok) {
    return DataLossError(
        "restored ledger " + data_dir + " does not verify: event " +
        std::to_string(report.bad_seq) + ": " + report.problem);
  }
  if (report.head.seq != info.head.seq || report.head.hash != info.head.hash) {
    return DataLossError("restored ledger " + data_dir + " ends at event " +
                         std::to_string(report.head.seq) +
                         ", not at the backup's " +
                         std::to_string(info.head.seq));
  }
  return info;
}

}  // namespace consilium::dataset
