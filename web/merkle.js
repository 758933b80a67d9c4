// The auditor's verifier in the browser (docs/workspace.md, "Auditor";
// docs/proofs.md): RFC 9162 inclusion proofs with WebCrypto SHA-256, C2SP
// checkpoints and their Ed25519 signed-note signatures. Hashes in, a verdict
// out; nothing here trusts the server's claims about roots.

export const b64ToBytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export const bytesToB64 = (b) => btoa(String.fromCharCode(...b));
export const bytesToHex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
export const hexToBytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export function cryptoAvailable() { return !!(globalThis.crypto && crypto.subtle); }

async function sha256(...parts) {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

function hash32(s, what) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(s)) throw new Error(what + ': a SHA-256 hash is 44 characters of base64, got ' + JSON.stringify(s));
  return b64ToBytes(s);
}

// The root an inclusion proof leads to (RFC 9162 section 2.1.3.2), from the
// proof's leaf hash and path. Throws on a proof of the wrong shape.
export async function rootFromInclusionProof(p) {
  for (const k of ['leafIdx', 'treeSize']) if (!Number.isSafeInteger(p[k]) || p[k] < 0) throw new Error('"' + k + '": expected a non-negative integer');
  if (p.leafIdx >= p.treeSize) throw new Error('leaf index ' + p.leafIdx + ' is not below the tree size ' + p.treeSize);
  if (!Array.isArray(p.proof)) throw new Error('"proof": expected a list of hashes');
  let fn = p.leafIdx;
  let sn = p.treeSize - 1;
  let r = hash32(p.leafHash, '"leafHash"');
  const one = Uint8Array.of(1);
  for (const [i, h] of p.proof.entries()) {
    const node = hash32(h, '"proof"[' + i + ']');
    if (sn === 0) throw new Error('the proof is longer than the tree of ' + p.treeSize + ' leaves allows');
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(one, node, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(one, r, node);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('the proof is shorter than the tree of ' + p.treeSize + ' leaves needs');
  return r;
}

// A C2SP signed note holding a tlog checkpoint: {body (bytes signed),
// origin, size, root (bytes), signatures: [{name, blob}]}.
export function parseCheckpointNote(text) {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new Error('checkpoint: no blank line between the body and the signatures');
  const bodyText = text.slice(0, split + 1);
  const lines = bodyText.split('\n');
  if (lines.length < 4) throw new Error('checkpoint: the body needs an origin, a size and a root');
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new Error('checkpoint: empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error('checkpoint: the size "' + sizeText + '" is not a decimal number');
  const root = hash32(rootText, 'checkpoint root');
  const signatures = [];
  for (const line of text.slice(split + 2).split('\n')) {
    if (!line) continue;
    const m = line.match(/^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/);
    if (!m) throw new Error('checkpoint: not a signature line: ' + JSON.stringify(line));
    signatures.push({ name: m[1], blob: b64ToBytes(m[2]) });
  }
  return { body: new TextEncoder().encode(bodyText), origin, size: Number(sizeText), root, signatures };
}

// Checks the note's signature by the verifier key
// `<name>+<hex8 key id>+<base64(0x01 || 32-byte Ed25519 public key)>`.
// Returns a sentence; throws with the reason when it does not verify.
export async function verifyNoteSignature(note, vkey) {
  const m = vkey.trim().match(/^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/);
  if (!m) throw new Error('verifier key: expected NAME+KEYID+BASE64 (as consilium keygen prints it)');
  const [, name, idHex, keyB64] = m;
  const keyBytes = b64ToBytes(keyB64);
  if (keyBytes.length !== 33 || keyBytes[0] !== 1) throw new Error('verifier key: not an Ed25519 key (0x01 and 32 bytes)');
  const id = (await sha256(new TextEncoder().encode(name), Uint8Array.of(0x0a, 0x01), keyBytes.slice(1))).slice(0, 4);
  if (bytesToHex(id) !== idHex) throw new Error('verifier key: its key id ' + idHex + ' does not match its name and key (' + bytesToHex(id) + ')');
  const sig = note.signatures.find((s) => s.name === name && s.blob.length === 68 && equal(s.blob.slice(0, 4), id));
  if (!sig) throw new Error('checkpoint: no signature by ' + name + '+' + idHex);
  let key;
  try {
    key = await crypto.subtle.importKey('raw', keyBytes.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    throw new Error('this browser cannot check Ed25519 signatures (' + e.message + '); use consilium audit verify');
  }
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.blob.slice(4), note.body))) {
    throw new Error('checkpoint: the signature by ' + name + '+' + idHex + ' does not verify');
  }
  return 'signature by ' + name + '+' + idHex + ' verifies (Ed25519)';
}
