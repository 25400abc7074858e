// Prints our workload figures beside the peers' with ratios.
// Usage: node compare.mjs OURS.json PEER.json [PEER.json...]
import { readFileSync, existsSync } from 'node:fs';

const [oursFile, ...peerFiles] = process.argv.slice(2);
const load = (f) => JSON.parse(readFileSync(f, 'utf8'));
const ours = load(oursFile);
const peers = peerFiles.filter(existsSync).map(load);

// [workload, key, unit, better]: better = 'low' (times, bytes) or 'high' (rates).
const ROWS = [
  ['W1', 'createMs', 'ms', 'low'], ['W1', 'editMs', 'ms', 'low'], ['W1', 'editOpsPerSec', 'ops/s', 'high'],
  ['W1', 'encodedBytes', 'B', 'low'],
  ['W2', 'editMs', 'ms', 'low'], ['W2', 'encodeMs', 'ms', 'low'], ['W2', 'updateBytes', 'B', 'low'],
  ['W2', 'applyMs', 'ms', 'low'], ['W2', 'applyOpsPerSec', 'ops/s', 'high'],
  ['W3', 'editMs', 'ms', 'low'], ['W3', 'encodeMs', 'ms', 'low'], ['W3', 'mergeMs', 'ms', 'low'],
  ['W3', 'exchangeBytes', 'B', 'low'],
  ['W4', 'loadMs', 'ms', 'low'], ['W4', 'readMs', 'ms', 'low'], ['W4', 'totalMs', 'ms', 'low'], ['W4', 'bytes', 'B', 'low'],
];
const fmt = (v) => (typeof v !== 'number' ? String(v) : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
// "ours ×N": how many times better we are on that row (above 1: we win; below 1: they win).
const ratio = (o, p, better) => {
  if (typeof o !== 'number' || typeof p !== 'number' || o === 0 || p === 0) return '-';
  return (better === 'low' ? p / o : o / p).toFixed(2) + '×';
};

const header = ['row', ours.library ?? 'ours', ...peers.flatMap((p) => [p.library, 'ours ×'])];
const lines = ROWS.map(([w, k, unit, better]) => {
  const o = ours[w]?.[k];
  return [`${w} ${k} (${unit})`, fmt(o ?? '-'), ...peers.flatMap((p) => [fmt(p[w]?.[k] ?? '-'), ratio(o, p[w]?.[k], better)])];
});
const checks = [['W1 digest', (r) => r.W1?.digest === (r.expectedDigests?.W1 ?? ours.expectedDigests?.W1) ? 'ok' : 'MISMATCH'],
  ['W2 digest', (r) => r.W2?.digest === (r.expectedDigests?.W2 ?? ours.expectedDigests?.W2) ? 'ok' : 'MISMATCH'],
  ['W2 equal', (r) => String(r.W2?.equal)], ['W3 converged', (r) => String(r.W3?.converged)],
  ['W3 adds all present', (r) => String(r.W3?.addsAllPresent)]];
for (const [name, f] of checks) lines.push([name, f(ours), ...peers.flatMap((p) => [f(p), ''])]);

const table = [header, ...lines];
const widths = header.map((_, c) => Math.max(...table.map((r) => String(r[c] ?? '').length)));
for (const r of table) console.log(r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '));
const m = ours.machine ?? {};
console.log(`\nmachine: ${m.nproc} cores, ${m.cpu}; scale ${ours.scale}, medians of ${ours.reps} reps` +
  peers.map((p) => `; ${p.library}: scale ${p.scale}, ${p.reps} reps, ${p.machine?.runtime}`).join(''));
console.log('"ours ×": how many times better CrdtFieldStore is on that row (below 1 means the peer is better).');
