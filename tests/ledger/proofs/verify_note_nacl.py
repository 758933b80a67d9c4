#!/usr/bin/python3
"""Independent C2SP signed-note checks with libsodium (Debian's python3-nacl).

Used by tests/ledger/proofs/checkpoint_test.cc as a second Ed25519
implementation, separate from OpenSSL, and written from the specification
rather than from Consilium's C++ code.

Usage:
  verify_note_nacl.py verify VKEY_FILE NOTE_FILE
      Parses the verifier key "<name>+<hex8 key id>+<base64(0x01||pubkey)>",
      recomputes the key id, finds the note's signature line by that name and
      key id and verifies it over the note text. Prints "OK" and the body.
  verify_note_nacl.py vkey PRIVATE_KEY_FILE
      Derives the verifier key from a Go-format private key file
      ("PRIVATE+KEY+<name>+<hex8>+<base64(0x01||seed)>") and prints it.
  verify_note_nacl.py sign PRIVATE_KEY_FILE BODY_FILE
      Prints the signed note of the body, signed with libsodium.

Exit status: 0 success, 1 verification failed (reason on stderr), 2 usage
error or python3-nacl missing.
"""

import base64
import binascii
import hashlib
import sys

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:
    sys.stderr.write("python3-nacl is not installed (apt-get install python3-nacl)\n")
    sys.exit(2)

EM_DASH = "\u2014"


class Failure(Exception):
    pass


def key_id(name, pubkey):
    return hashlib.sha256(name.encode("utf-8") + b"\n" + b"\x01" + pubkey).digest()[:4]


def b64decode(text, what):
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise Failure(f"{what}: bad base64: {e}")


def parse_key(text, what):
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Failure(f"{what}: expected <name>+<hex8>+<base64>")
    name, hex_id, b64 = parts
    if not name or len(hex_id) != 8:
        raise Failure(f"{what}: bad name or key id")
    raw = b64decode(b64, what)
    if len(raw) != 33 or raw[0] != 1:
        raise Failure(f"{what}: key must be 0x01 followed by 32 bytes")
    return name, bytes.fromhex(hex_id), raw[1:]


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def verify(vkey_path, note_path):
    name, kid, pub = parse_key(read_text(vkey_path).strip(), "verifier key")
    if key_id(name, pub) != kid:
        raise Failure("verifier key: key id does not match SHA-256(name||0x0A||0x01||key)[:4]")
    note = read_text(note_path)
    if not note.endswith("\n"):
        raise Failure("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise Failure("note has no blank line before its signatures")
    body = note[: split + 1]
    lines = note[split + 2 :].split("\n")[:-1]
    found_name = False
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise Failure(f"signature line {line!r} does not start with an em dash")
        sig_name, _, sig_b64 = line[2:].partition(" ")
        if sig_name != name:
            continue
        found_name = True
        blob = b64decode(sig_b64, "signature")
        if blob[:4] != kid:
            continue
        try:
            nacl.signing.VerifyKey(pub).verify(body.encode("utf-8"), blob[4:])
        except nacl.exceptions.BadSignatureError:
            raise Failure(f"signature by {name} does not verify (libsodium)")
        sys.stdout.write("OK\n" + body)
        return
    if found_name:
        raise Failure(f"no signature by {name} with key id {kid.hex()}")
    raise Failure(f"no signature by key name {name}")


def load_private(path):
    text = read_text(path).strip()
    prefix = "PRIVATE+KEY+"
    if not text.startswith(prefix):
        raise Failure("private key does not start with PRIVATE+KEY+")
    name, kid, seed = parse_key(text[len(prefix) :], "private key")
    signing = nacl.signing.SigningKey(seed)
    pub = bytes(signing.verify_key)
    if key_id(name, pub) != kid:
        raise Failure("private key: key id does not match the derived public key")
    return name, kid, signing, pub


def vkey(private_path):
    name, kid, _, pub = load_private(private_path)
    key64 = base64.b64encode(b"\x01" + pub).decode()
    sys.stdout.write(f"{name}+{kid.hex()}+{key64}\n")


def sign(private_path, body_path):
    name, kid, signing, _ = load_private(private_path)
    body = read_text(body_path)
    sig = signing.sign(body.encode("utf-8")).signature
    sys.stdout.write(f"{body}\n{EM_DASH} {name} {base64.b64encode(kid + sig).decode()}\n")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "verify":
            verify(argv[2], argv[3])
        elif len(argv) == 3 and argv[1] == "vkey":
            vkey(argv[2])
        elif len(argv) == 4 and argv[1] == "sign":
            sign(argv[2], argv[3])
        else:
            sys.stderr.write(__doc__)
            return 2
    except Failure as e:
        sys.stderr.write(f"verify_note_nacl: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
