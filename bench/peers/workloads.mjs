// The W1-W4 op streams of BENCH-WORKLOADS.md, drawn exactly as bench/Crdt.Bench's
// WorkloadGenerator draws them, plus canonical JSON digests. Shared by every peer library.
import { createHash } from 'node:crypto';

export const FIELDS = ['status', 'priority', 'description', 'assignee', 'customerId',
  'assetId', 'scheduledStart', 'address', 'notes', 'title'];
export const COLLECTIONS = ['timeEntries', 'partsUsed', 'noteEntries'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function mulberry32(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const str = (len) => { let s = ''; for (let i = 0; i < len; i++) s += ALPHABET[int(36)]; return s; };
  return { next, int, str };
}

const timeEntry = (r) => { const hours = (r.int(32) + 1) / 4; const tech = r.str(6); const note = r.str(16); return { hours, tech, note }; };
const part = (r) => { const sku = r.str(8); const qty = r.int(5) + 1; return { sku, qty }; };
const noteEntry = (r) => { const text = r.str(16); const author = r.str(6); return { text, author }; };
const RECORD_OF_KIND = [timeEntry, part, noteEntry];

export function scaleOf(s) {
  const r = (full) => Math.max(1, Math.round(full * s));
  return { docs: r(1000), w1Edits: r(100000), w2Sets: r(50000), w2Adds: r(5000) };
}

// Ops: { doc, field, value } for a scalar set; { doc, collection, id, record } for an add.
export function w1(sc) {
  const r = mulberry32(1001);
  const initial = [];
  for (let d = 0; d < sc.docs; d++) initial.push(FIELDS.map(() => r.str(8)));
  const edits = [];
  for (let i = 0; i < sc.w1Edits; i++) edits.push(drawSet(r, sc.docs));
  return { initial, edits };
}

export function w2(sc) {
  const r = mulberry32(1002);
  const ops = [];
  let k = 0;
  for (let j = 0; j < sc.w2Sets + sc.w2Adds; j++) {
    if (j % 11 === 10) {
      const doc = r.int(sc.docs);
      ops.push({ doc, collection: 'timeEntries', id: `A2-${k++}`, record: timeEntry(r) });
    } else {
      ops.push(drawSet(r, sc.docs));
    }
  }
  return ops;
}

export function w3(sc) {
  const r = mulberry32(1003);
  const a = [], b = [];
  let na = 0, nb = 0;
  for (let doc = 0; doc < sc.docs; doc++) {
    for (const [into, prefix] of [[a, 'A3-'], [b, 'B3-']]) {
      for (let i = 0; i < 10; i++) { const field = FIELDS[r.int(10)]; into.push({ doc, field, value: r.str(8) }); }
      for (let i = 0; i < 5; i++) {
        const kind = r.int(3);
        const id = prefix + (prefix === 'A3-' ? na++ : nb++);
        into.push({ doc, collection: COLLECTIONS[kind], id, record: RECORD_OF_KIND[kind](r) });
      }
    }
  }
  return { a, b };
}

function drawSet(r, docs) {
  const doc = r.int(docs);
  const field = FIELDS[r.int(10)];
  return { doc, field, value: r.str(8) };
}

// Canonical JSON: keys sorted by UTF-16 code unit (ordinal), compact, shortest numbers.
export function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
}

export const digestOf = (docsAsPlainObjects) =>
  createHash('sha256').update('[' + docsAsPlainObjects.map(canonical).join(',') + ']', 'utf8').digest('hex');

// The plain reference replay (ordinary objects, no CRDT), to check a library's W1/W2 state.
export function plainReplay(initial, opLists) {
  const docs = initial.map((fields) => ({
    fields: Object.fromEntries(FIELDS.map((f, i) => [f, fields[i]])),
    timeEntries: {}, partsUsed: {}, noteEntries: {},
  }));
  for (const ops of opLists) for (const op of ops) {
    if (op.field !== undefined) docs[op.doc].fields[op.field] = op.value;
    else docs[op.doc][op.collection][op.id] = { ...op.record };
  }
  return docs;
}
