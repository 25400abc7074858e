// Runs W1-W4 of BENCH-WORKLOADS.md on a peer CRDT library and writes the same JSON keys as
// `Crdt.Bench workloads`. Usage: node peers.mjs --lib yjs|automerge [--scale S] [--reps N] --json FILE
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { scaleOf, w1, w2, w3, plainReplay, digestOf } from './workloads.mjs';
import { ADAPTERS } from './adapters.mjs';

const { values: args } = parseArgs({
  options: {
    lib: { type: 'string' }, scale: { type: 'string', default: '1' },
    reps: { type: 'string', default: '3' }, json: { type: 'string' },
  },
});
const lib = ADAPTERS[args.lib];
if (!lib || !args.json) {
  console.error('usage: node peers.mjs --lib yjs|automerge [--scale S] [--reps N] --json FILE');
  process.exit(2);
}
const scale = Number(args.scale), reps = Number(args.reps);
const sc = scaleOf(scale);

// Ops are generated before any timer starts.
const ops = { w1: w1(sc), w2: w2(sc), w3: w3(sc) };
const expected = {
  w1: digestOf(plainReplay(ops.w1.initial, [ops.w1.edits])),
  w2: digestOf(plainReplay(ops.w1.initial, [ops.w1.edits, ops.w2])),
};

const time = (fn) => { const t0 = performance.now(); const r = fn(); return [performance.now() - t0, r]; };
const sum = (arrays) => arrays.reduce((n, a) => n + a.length, 0);
const applyOps = (docs, list) => {
  for (const op of list) {
    docs[op.doc] = op.field !== undefined
      ? lib.set(docs[op.doc], op.field, op.value)
      : lib.add(docs[op.doc], op.collection, op.id, op.record);
  }
};

function runOnce(ops) {
  // W1
  const [createMs, docs] = time(() => ops.w1.initial.map((f) => lib.create(f)));
  const [editMs] = time(() => applyOps(docs, ops.w1.edits));
  const [, w1Bytes] = time(() => docs.map(lib.save));
  const W1 = {
    createMs, editMs, editOpsPerSec: ops.w1.edits.length / (editMs / 1000),
    encodedBytes: sum(w1Bytes), digest: digestOf(docs.map(lib.toPlain)),
  };

  // W2
  const a = w1Bytes.map((b) => lib.load(b, 'A')), b = w1Bytes.map((bytes) => lib.load(bytes, 'B'));
  const [w2EditMs] = time(() => applyOps(a, ops.w2));
  const w2Sync = lib.exchange(a, b, time, false);
  const plainA = a.map(lib.toPlain), plainB = b.map(lib.toPlain);
  const W2 = {
    editMs: w2EditMs, encodeMs: w2Sync.encodeMs, updateBytes: w2Sync.sentBytes, applyMs: w2Sync.applyMs,
    applyOpsPerSec: ops.w2.length / (w2Sync.applyMs / 1000),
    equal: digestOf(plainA) === digestOf(plainB) && a.every((d, i) => lib.versionKey(d) === lib.versionKey(b[i])),
    digest: digestOf(plainB),
  };

  // W3
  const a3 = w1Bytes.map((bytes) => lib.load(bytes, 'A')), b3 = w1Bytes.map((bytes) => lib.load(bytes, 'B'));
  const [w3EditA] = time(() => applyOps(a3, ops.w3.a));
  const [w3EditB] = time(() => applyOps(b3, ops.w3.b));
  const w3Sync = lib.exchange(a3, b3, time, true);
  const plainA3 = a3.map(lib.toPlain), plainB3 = b3.map(lib.toPlain);
  const newIds = new Map();
  for (const op of [...ops.w3.a, ...ops.w3.b]) if (op.id) (newIds.get(op.doc) ?? newIds.set(op.doc, []).get(op.doc)).push(op);
  const W3 = {
    editMs: w3EditA + w3EditB, encodeMs: w3Sync.encodeMs, mergeMs: w3Sync.applyMs,
    exchangeBytes: w3Sync.sentBytes + w3Sync.returnedBytes,
    converged: digestOf(plainA3) === digestOf(plainB3),
    addsAllPresent: [plainA3, plainB3].every((docsPlain) => docsPlain.every((d, i) =>
      (newIds.get(i) ?? []).length === 10 && newIds.get(i).every((op) => d[op.collection][op.id] !== undefined))),
  };

  // W4: cold load of B's state after W2, then read everything once.
  const stored = b.map(lib.save);
  const [loadMs, loaded] = time(() => stored.map((bytes) => lib.load(bytes, 'B')));
  const [readMs, readCount] = time(() => loaded.reduce((n, d) => n + lib.readAll(d), 0));
  if (readCount === 0) throw new Error('W4 read nothing');
  const W4 = { loadMs, readMs, totalMs: loadMs + readMs, bytes: sum(stored) };
  return { W1, W2, W3, W4 };
}

const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function combine(runs) {
  const out = {};
  for (const w of Object.keys(runs[0])) {
    out[w] = {};
    for (const k of Object.keys(runs[0][w])) {
      const vals = runs.map((r) => r[w][k]);
      if (typeof vals[0] === 'number') out[w][k] = median(vals);
      else if (typeof vals[0] === 'boolean') out[w][k] = vals.every(Boolean);
      else out[w][k] = vals.every((v) => v === vals[0]) ? vals[0] : 'differs-between-reps';
    }
  }
  return out;
}

const loadAverage = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const runs = [];
let result;
// Discarded warm-ups on a small input first, as Crdt.Bench's harness does, so that V8's optimising tiers
// have compiled the hot paths before the timed reps (same generator, smaller scale; figures unchanged).
const warmSc = scaleOf(Math.min(scale, 0.01));
const warmOps = { w1: w1(warmSc), w2: w2(warmSc), w3: w3(warmSc) };
for (let i = 0; i < 3; i++) runOnce(warmOps);
for (let i = 0; i < reps; i++) {
  runs.push(runOnce(ops));
  process.stderr.write(`${lib.name} rep ${i + 1}/${reps} done\n`);
  // Written after every rep (with the reps so far) so that a long run cut short leaves its figures.
  result = {
    library: `${lib.name} ${lib.version}`, target: lib.name, scale, reps: runs.length,
    machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', runtime: `node ${process.version}`, loadAverage },
    expectedDigests: { W1: expected.w1, W2: expected.w2 },
    ...combine(runs),
  };
  writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');
}
const ok = (w) => result[w].digest === expected[w.toLowerCase()] ? 'ok' : 'MISMATCH';
console.log(`${result.library}: W1 digest ${ok('W1')}, W2 digest ${ok('W2')}, W1 sets ${Math.round(result.W1.editOpsPerSec)} ops/s, ` +
  `W2 update ${result.W2.updateBytes} B apply ${result.W2.applyMs.toFixed(1)} ms, W3 exchange ${result.W3.exchangeBytes} B, ` +
  `W4 ${result.W4.totalMs.toFixed(1)} ms`);
