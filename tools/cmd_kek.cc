// Key-encryption key commands (common/key_store.h, docs/encryption.md):
//   consilium kek new --out F                         a fresh KEK, mode 0600
//   consilium kek init --data DIR --kek F             encrypt DIR from now on
//   consilium kek rotate --data DIR --old F --new F   rewrap DIR/keys
//       [--progress | --quiet]                        (bar: keys rewrapped)
// Rotation rewraps the data keys only: no event is rewritten, so hashes,
// proofs and signed checkpoints are untouched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/key_rotation.h"
#include "common/key_store.h"
#include "tools/cli.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

std::string KeyDir(const std::string& data) { return data + "/keys"; }

int RunKekNew(const Args& args) {
  std::string out = args.Get("out");
  StatusOr<std::string> hex = NewKekHex();
  if (!hex.ok()) return Fail(hex.status());
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(AlreadyExistsError("cannot create " + out +
                                   " (it exists, or the folder is missing)"));
  }
  std::string text = *hex + "\n";
  bool ok = ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Fail(InternalError("cannot write " + out));
  std::printf("new key-encryption key in %s (mode 0600)\n", out.c_str());
  return 0;
}

// Turns encryption at rest on for the ledger in --data: creates DATA/keys
// under the KEK in --kek. From then on record imports seal their content.
int RunKekInit(const Args& args) {
  const std::string data = args.Get("data");
  struct stat st;
  if (::stat(data.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Fail(NotFoundError("--data " + data +
                              " is not a directory (run consilium init "
                              "first)"));
  }
  StatusOr<std::string> kek = LoadKekFile(args.Get("kek"));
  if (!kek.ok()) return Fail(kek.status());
  StatusOr<std::unique_ptr<KeyStore>> store =
      KeyStore::Create(KeyDir(data), std::move(*kek));
  if (!store.ok()) return Fail(store.status(), 1);
  std::printf(
      "encryption at rest is on for %s: record content imported from now on "
      "is sealed (give the key with CONSILIUM_KEK_FILE=%s)\n",
      data.c_str(), args.Get("kek").c_str());
  return 0;
}

int RunKekRotate(const Args& args) {
  StatusOr<std::string> old_kek = LoadKekFile(args.Get("old"));
  if (!old_kek.ok()) return Fail(old_kek.status());
  StatusOr<std::string> new_kek = LoadKekFile(args.Get("new"));
  if (!new_kek.ok()) return Fail(new_kek.status());
  if (*old_kek == *new_kek) {
    return Fail(InvalidArgumentError("--old and --new hold the same key"));
  }
  std::string dir = KeyDir(args.Get("data"));
  Progress bar("rewrapping data keys", 0, ProgressWanted(args));
  Status s = RotateKeyStore(dir, *old_kek, *new_kek, bar.Callback());
  bar.Finish();
  if (!s.ok()) return Fail(s, 1);
  std::printf(
      "rotated the key-encryption key of %s; the old key no longer "
      "opens it\n",
      dir.c_str());
  return 0;
}

Registrar kek_new_cmd(Command{
    .words = {"kek", "new"},
    .summary = "write a fresh key-encryption key (64 hex digits, mode 0600)",
    .flags = {{"out", "F", "the key file to create (must not exist)", true}},
    .run = RunKekNew});
Registrar kek_init_cmd(Command{
    .words = {"kek", "init"},
    .summary = "turn on encryption at rest for a ledger (creates DATA/keys)",
    .flags = {DataFlag(),
              {"kek", "F", "the key-encryption key file (mode 0600)", true}},
    .run = RunKekInit,
    .notes = "Content imported before stays plain (events are never "
             "rewritten). Keep the KEK file outside DATA."});
Registrar kek_rotate_cmd(Command{
    .words = {"kek", "rotate"},
    .summary = "rewrap the data keys under a new key-encryption key",
    .flags = {DataFlag(),
              {"old", "F", "the current KEK file (mode 0600)", true},
              {"new", "F", "the new KEK file (mode 0600)", true},
              ProgressFlag(),
              QuietFlag()},
    .run = RunKekRotate,
    .notes = "Atomic: the rewrapped key store replaces the old one in one "
             "rename. Events are not rewritten."});

}  // namespace
}  // namespace consilium::cli
