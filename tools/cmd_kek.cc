// Key-encryption key commands (common/key_store.h, docs/encryption.md):
//   consilium kek new --out F                         a fresh KEK, mode 0600
//   consilium kek rotate --data DIR --old F --new F   rewrap DIR/keys
// Rotation rewraps the data keys only: no event is rewritten, so hashes,
// proofs and signed checkpoints are untouched.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/key_store.h"
#include "tools/cli.h"

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

int RunKekRotate(const Args& args) {
  StatusOr<std::string> old_kek = LoadKekFile(args.Get("old"));
  if (!old_kek.ok()) return Fail(old_kek.status());
  StatusOr<std::string> new_kek = LoadKekFile(args.Get("new"));
  if (!new_kek.ok()) return Fail(new_kek.status());
  if (*old_kek == *new_kek) {
    return Fail(InvalidArgumentError("--old and --new hold the same key"));
  }
  std::string dir = KeyDir(args.Get("data"));
  Status s = KeyStore::Rotate(dir, *old_kek, *new_kek);
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
Registrar kek_rotate_cmd(Command{
    .words = {"kek", "rotate"},
    .summary = "rewrap the data keys under a new key-encryption key",
    .flags = {DataFlag(),
              {"old", "F", "the current KEK file (mode 0600)", true},
              {"new", "F", "the new KEK file (mode 0600)", true}},
    .run = RunKekRotate,
    .notes = "Atomic: the rewrapped key store replaces the old one in one "
             "rename. Events are not rewritten."});

}  // namespace
}  // namespace consilium::cli
