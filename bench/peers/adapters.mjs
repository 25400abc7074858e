// One adapter per peer library: the same small set of operations that the workloads need,
// each done the way that library is meant to be used (one document per work order).
import * as Y from 'yjs';
import * as Automerge from '@automerge/automerge';
import { readFileSync } from 'node:fs';
import { FIELDS, COLLECTIONS } from './workloads.mjs';

// Read from node_modules directly: some packages do not export their package.json.
const versionOf = (pkg) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;

// Yjs: root Y.Maps "fields", "timeEntries", "partsUsed", "noteEntries"; a record is a plain
// JSON value under its id, the usual Yjs way and its most compact one (a nested Y.Map costs
// ~10-13 more bytes per record; the workloads never edit a record's own fields).
// Client ids are small and fixed (origin 1, A 2, B 3) rather than Yjs's random 32-bit ones:
// that makes Yjs's byte counts repeatable and smallest (random ids cost ~4 more bytes per
// item reference: W1 encodes to ~1,040 B/doc instead of ~675), so our size targets are
// held against Yjs at its best. It matches the orientation figure (~673 B/doc).
const YJS_CLIENTS = { origin: 1, A: 2, B: 3 };
const newYDoc = (replica) => { const doc = new Y.Doc(); doc.clientID = YJS_CLIENTS[replica]; return doc; };
export const yjs = {
  name: 'yjs',
  version: versionOf('yjs'),
  create(fieldValues) {
    const doc = newYDoc('origin');
    doc.transact(() => {
      const fields = doc.getMap('fields');
      FIELDS.forEach((f, i) => fields.set(f, fieldValues[i]));
      for (const c of COLLECTIONS) doc.getMap(c);
    });
    return doc;
  },
  set(doc, field, value) { doc.getMap('fields').set(field, value); return doc; },
  add(doc, collection, id, record) {
    doc.getMap(collection).set(id, { ...record });
    return doc;
  },
  save: (doc) => Y.encodeStateAsUpdate(doc),
  load(bytes, replica) { const doc = newYDoc(replica); Y.applyUpdate(doc, bytes); return doc; },
  // What `to` is missing, from each `from` doc given `to`'s state vector (computed before the
  // timer: it is what `to` already has), then applied; one update per doc (each way in W3).
  exchange(fromDocs, toDocs, time, bothWays) {
    if (!bothWays) {
      const theirs = toDocs.map((doc) => Y.encodeStateVector(doc));
      const [encodeMs, updates] = time(() => fromDocs.map((doc, i) => Y.encodeStateAsUpdate(doc, theirs[i])));
      const [applyMs] = time(() => toDocs.forEach((doc, i) => Y.applyUpdate(doc, updates[i])));
      return { encodeMs, applyMs, sentBytes: updates.reduce((n, u) => n + u.length, 0), returnedBytes: 0 };
    }
    const theirs = toDocs.map((doc) => Y.encodeStateVector(doc));
    const mine = fromDocs.map((doc) => Y.encodeStateVector(doc));
    const [encodeTo, toUpdates] = time(() => fromDocs.map((doc, i) => Y.encodeStateAsUpdate(doc, theirs[i])));
    const [encodeBack, backUpdates] = time(() => toDocs.map((doc, i) => Y.encodeStateAsUpdate(doc, mine[i])));
    const [applyTo] = time(() => toDocs.forEach((doc, i) => Y.applyUpdate(doc, toUpdates[i])));
    const [applyBack] = time(() => fromDocs.forEach((doc, i) => Y.applyUpdate(doc, backUpdates[i])));
    const bytes = (updates) => updates.reduce((n, u) => n + u.length, 0);
    return { encodeMs: encodeTo + encodeBack, applyMs: applyTo + applyBack, sentBytes: bytes(toUpdates), returnedBytes: bytes(backUpdates) };
  },
  versionKey: (doc) => [...Y.decodeStateVector(Y.encodeStateVector(doc)).entries()].sort((x, y) => x[0] - y[0]).join(';'),
  toPlain(doc) {
    const out = { fields: doc.getMap('fields').toJSON() };
    for (const c of COLLECTIONS) out[c] = doc.getMap(c).toJSON();
    return out;
  },
  readAll(doc) {
    let n = 0;
    const fields = doc.getMap('fields');
    for (const f of FIELDS) if (fields.get(f) !== undefined) n++;
    for (const c of COLLECTIONS) {
      doc.getMap(c).forEach((entry) => { for (const k in entry) if (entry[k] !== undefined) n++; });
    }
    return n;
  },
};

// Automerge: maps whose scalar strings are ImmutableString (not collaborative text);
// collections are id-keyed maps of record maps.
const imm = (v) => (typeof v === 'string' ? new Automerge.ImmutableString(v) : v);
const plainOf = (v) => (v instanceof Automerge.ImmutableString ? v.val : v);
const ACTORS = { origin: 'cc'.repeat(16), A: 'aa'.repeat(16), B: 'bb'.repeat(16) };

export const automerge = {
  name: 'automerge',
  version: versionOf('@automerge/automerge'),
  create(fieldValues) {
    return Automerge.change(Automerge.init({ actor: ACTORS.origin }), (d) => {
      d.fields = Object.fromEntries(FIELDS.map((f, i) => [f, imm(fieldValues[i])]));
      for (const c of COLLECTIONS) d[c] = {};
    });
  },
  set: (doc, field, value) => Automerge.change(doc, (d) => { d.fields[field] = imm(value); }),
  add: (doc, collection, id, record) => Automerge.change(doc, (d) => {
    d[collection][id] = Object.fromEntries(Object.entries(record).map(([k, v]) => [k, imm(v)]));
  }),
  save: (doc) => Automerge.save(doc),
  load: (bytes, replica) => Automerge.load(bytes, { actor: ACTORS[replica] }),
  // Automerge peers sync with its sync protocol: heads and bloom filters go back and forth
  // until neither side has anything to send. (saveSince needs heads the sender knows; in W3
  // B's heads are unknown to A and it would resend the whole history.)
  exchange(fromDocs, toDocs, time) {
    let encodeMs = 0, applyMs = 0, sentBytes = 0, returnedBytes = 0;
    for (let i = 0; i < fromDocs.length; i++) {
      let a = fromDocs[i], b = toDocs[i];
      let stateA = Automerge.initSyncState(), stateB = Automerge.initSyncState();
      for (;;) {
        let msgA, msgB, t;
        [t, [stateA, msgA]] = time(() => Automerge.generateSyncMessage(a, stateA)); encodeMs += t;
        if (msgA) { sentBytes += msgA.length; [t, [b, stateB]] = time(() => Automerge.receiveSyncMessage(b, stateB, msgA)); applyMs += t; }
        [t, [stateB, msgB]] = time(() => Automerge.generateSyncMessage(b, stateB)); encodeMs += t;
        if (msgB) { returnedBytes += msgB.length; [t, [a, stateA]] = time(() => Automerge.receiveSyncMessage(a, stateA, msgB)); applyMs += t; }
        if (!msgA && !msgB) break;
      }
      fromDocs[i] = a; toDocs[i] = b;
    }
    return { encodeMs, applyMs, sentBytes, returnedBytes };
  },
  versionKey: (doc) => [...Automerge.getHeads(doc)].sort().join(';'),
  toPlain(doc) {
    const out = { fields: Object.fromEntries(Object.entries(doc.fields).map(([k, v]) => [k, plainOf(v)])) };
    for (const c of COLLECTIONS) {
      out[c] = Object.fromEntries(Object.entries(doc[c]).map(([id, rec]) =>
        [id, Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, plainOf(v)]))]));
    }
    return out;
  },
  readAll(doc) {
    let n = 0;
    for (const f of FIELDS) if (plainOf(doc.fields[f]) !== undefined) n++;
    for (const c of COLLECTIONS) {
      for (const rec of Object.values(doc[c])) for (const v of Object.values(rec)) if (plainOf(v) !== undefined) n++;
    }
    return n;
  },
};

export const ADAPTERS = { yjs, automerge };
