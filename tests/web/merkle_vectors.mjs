// The workspace's in-browser verifier (web/merkle.js) against the RFC 9162
// inclusion vectors of transparency-dev/merkle and the signed checkpoint of
// docs/proofs.md ("Worked example"), run under node's WebCrypto (the same
// SubtleCrypto API the browser gives). Exit 77 (skipped) without the vectors.
//   node merkle_vectors.mjs SOURCE_DIR SHARED_DATA_DIR
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [src, shared] = process.argv.slice(2);
const m = await import(pathToFileURL(path.join(src, 'web', 'merkle.js')).href);
const dir = path.join(shared, 'merkle-vectors', 'inclusion');
if (!fs.existsSync(dir)) { console.log('merkle_vectors: skipped: ' + dir + ' not found'); process.exit(77); }

let failures = 0;
const fail = (what) => { failures++; console.log('FAIL: ' + what); };

// What the auditor's page does: the root from the leaf and the path, equal
// to the expected root, or an error.
async function verdict(v) {
  try {
    const root = await m.rootFromInclusionProof({ ...v, proof: v.proof ?? [] });
    return m.bytesToB64(root) === v.root;
  } catch {
    return false;
  }
}

const files = fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => f.endsWith('.json'));
let n = 0;
for (const f of files) {
  const v = JSON.parse(fs.readFileSync(f, 'utf8'));
  const ok = await verdict(v);
  if (ok === !!v.wantErr) fail(path.relative(dir, f) + ' (' + v.desc + '): verified=' + ok + ', wantErr=' + !!v.wantErr);
  n++;
}
if (n < 20) fail('only ' + n + ' inclusion vectors found under ' + dir);
console.log(n + ' inclusion vectors checked');

// docs/proofs.md, worked example: the key, and the checkpoint of the eight leaves.
const vkey = 'example.org/consilium+bfd45d58+ASOzVCHPKR1QQuWdLaKrDla2EIZHlIOlCC/4KwDmj/44';
const note = 'example.org/consilium\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n' +
  '\u2014 example.org/consilium v9RdWLlhx45+NEqtwGd7XoqlTMVWKLyIGJT6MQdSMqj0uq7LlYzyOXjgFa9YC5fsR6IAhEDxrKvs44bZwgInRLvlcwM=\n';
const parsed = m.parseCheckpointNote(note);
if (parsed.size !== 8 || m.bytesToHex(parsed.root) !== '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328') fail('the example checkpoint parses to size 8 and its root');
try { await m.verifyNoteSignature(parsed, vkey); } catch (e) { fail('the example checkpoint\'s signature: ' + e.message); }
const altered = m.parseCheckpointNote(note.replace('\n8\n', '\n9\n'));
try { await m.verifyNoteSignature(altered, vkey); fail('an altered checkpoint verified'); } catch (e) { if (!e.message.includes('does not verify')) fail('altered checkpoint: ' + e.message); }
try { await m.verifyNoteSignature(parsed, vkey.replace('bfd45d58', 'bfd45d59')); fail('a key with a wrong key id was accepted'); } catch (e) { if (!e.message.includes('key id')) fail('wrong key id: ' + e.message); }
for (const bad of ['no blank line', 'o\nx\nroot\n\n', 'o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\nnot a signature\n']) {
  try { m.parseCheckpointNote(bad); fail('a malformed note parsed: ' + JSON.stringify(bad)); } catch { /* refused */ }
}
console.log('checkpoint note and signature checks done');
if (failures) { console.log(failures + ' failure(s)'); process.exit(1); }
