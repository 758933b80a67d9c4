// The auditor's page: access history by record or principal and time,
// ledger head, checkpoint (the signed note, with the verifier key line for
// offline checks) and proofs (GET routes of issue "server reads").
import { renderSections, qs } from '/app/readpage.js';

export async function render(page) {
  await renderSections(page, 'Audit', 'Who read what, and the ledger\'s proofs. Times are UTC (2026-12-01T00:00:00Z).', [
    { title: 'Access history', route: 'GET /v1/audit/access', probePath: '/v1/audit/access',
      inputs: [{ name: 'record', label: 'Record (or leave empty and give a principal)' }, { name: 'principal', label: 'Principal' },
        { name: 'from', label: 'From (inclusive)' }, { name: 'to', label: 'To (exclusive)' }],
      path: (v) => '/v1/audit/access' + qs(v) },
    { title: 'Ledger head', route: 'GET /v1/ledger/head', probePath: '/v1/ledger/head', inputs: [], path: () => '/v1/ledger/head' },
    { title: 'Signed checkpoint and verifier key', route: 'GET /v1/ledger/checkpoint', probePath: '/v1/ledger/checkpoint', inputs: [],
      path: () => '/v1/ledger/checkpoint' },
    { title: 'Inclusion proof', route: 'GET /v1/ledger/proofs/inclusion', probePath: '/v1/ledger/proofs/inclusion?seq=1',
      inputs: [{ name: 'seq', label: 'Event sequence number' }, { name: 'size', label: 'Tree size (optional, head)' }],
      path: (v) => '/v1/ledger/proofs/inclusion' + qs(v) },
    { title: 'Consistency proof', route: 'GET /v1/ledger/proofs/consistency', probePath: '/v1/ledger/proofs/consistency?from=1',
      inputs: [{ name: 'from', label: 'From size' }, { name: 'to', label: 'To size (optional, head)' }],
      path: (v) => '/v1/ledger/proofs/consistency' + qs(v) },
  ]);
}
