// Cross-stack test: a real relay process (the built Crdt.Relay.dll) and real @grpc/grpc-js
// clients that know only the .proto files in proto/. A dispatcher creates a work order assigned
// to a technician and watches it; the technician changes it; the dispatcher sees the change; a
// read outside the technician's scope is refused with PERMISSION_DENIED. A Sync.Subscribe live
// stream held from grpc-js receives the op another device commits, and a gRPC-Web call made with
// plain fetch (HTTP/1.1, application/grpc-web+proto) reaches Documents on the --web-listen port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const relayDll = join(root, 'Crdt.Relay', 'bin', 'Release', 'net10.0', 'Crdt.Relay.dll');
const protoRoot = join(root, 'proto');

let relay;
let data;
let address;
const tokens = {};
let documents;
let sync;
let webAddress;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function registerDevice(name, role) {
  const output = execFileSync('dotnet', [relayDll, 'device', 'add', '--data', data, '--name', name, '--role', role], { encoding: 'utf8' });
  return output.trim().split('\n').at(-1).trim();
}

function waitForServing(child) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${seen}`)), 30000);
    const onData = (chunk) => {
      seen += chunk.toString();
      if (seen.includes('relay serving')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { seen += chunk.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited with ${code}: ${seen}`)); });
  });
}

function credentials(token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.add('authorization', `Bearer ${token}`);
  return metadata;
}

function unary(client, method, request, token) {
  return new Promise((resolve, reject) => {
    client[method](request, credentials(token), { deadline: Date.now() + 10000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

const key = (collection, id) => ({ collection, id });
const str = (value) => ({ string_value: value });
const set = (field, value) => ({ set_field: { field, value } });

before(async () => {
  assert.ok(existsSync(relayDll), `build the relay first: ${relayDll}`);
  data = mkdtempSync(join(tmpdir(), 'relay-node-'));
  tokens.dispatcher = registerDevice('dina', 'dispatcher');
  tokens.technician = registerDevice('tina', 'technician');
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  webAddress = `127.0.0.1:${await freePort()}`;
  relay = spawn('dotnet', [relayDll, 'serve', '--data', data, '--listen', address, '--web-listen', webAddress], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForServing(relay);

  const definition = protoLoader.loadSync(['crdtfieldstore/v1/documents.proto', 'crdtfieldstore/v1/sync.proto', 'crdtfieldstore/v1/admin.proto'], {
    includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  const v1 = grpc.loadPackageDefinition(definition).crdtfieldstore.v1;
  documents = new v1.Documents(address, grpc.credentials.createInsecure());
  sync = new v1.Sync(address, grpc.credentials.createInsecure());
});

after(async () => {
  documents?.close();
  sync?.close();
  if (relay && relay.exitCode === null) {
    const exited = new Promise((resolve) => relay.on('exit', resolve));
    relay.kill('SIGTERM');
    await exited;
  }
  if (data) rmSync(data, { recursive: true, force: true });
});

test('a dispatcher watches the order a technician changes, and a forbidden read is refused', async () => {
  const order = key('WorkOrder', 'wo-node-1');
  const created = await unary(documents, 'Mutate', {
    document: order,
    mutations: [set('title', str('Replace the valve')), set('status', str('scheduled')), set('assignee', str('tina'))],
  }, tokens.dispatcher);
  assert.equal(created.document.fields.title.string_value, 'Replace the valve');
  assert.ok(Number(created.document.version) > 0);

  // An order assigned to someone else: outside the technician's scope.
  await unary(documents, 'Mutate', {
    document: key('WorkOrder', 'wo-node-2'),
    mutations: [set('title', str('Someone else')), set('status', str('open')), set('assignee', str('tom'))],
  }, tokens.dispatcher);

  const watch = documents.Watch({ documents: [order], send_initial: true }, credentials(tokens.dispatcher));
  const changes = [];
  let notify;
  watch.on('data', (change) => { changes.push(change); notify?.(); });
  const errors = [];
  watch.on('error', (error) => errors.push(error));
  const nextChange = async (predicate) => {
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const found = changes.find(predicate);
      if (found) return found;
      await new Promise((resolve) => { notify = resolve; setTimeout(resolve, 200); });
    }
    throw new Error(`no matching change; saw ${JSON.stringify(changes)}`);
  };
  const initial = await nextChange(() => true);
  assert.equal(initial.document.fields.status.string_value, 'scheduled');

  const seen = await unary(documents, 'Get', { document: order }, tokens.technician);
  const changed = await unary(documents, 'Mutate', {
    document: order,
    mutations: [set('status', str('in_progress'))],
    expected_version: seen.version,
  }, tokens.technician);
  assert.equal(changed.document.fields.status.string_value, 'in_progress');

  const observed = await nextChange((c) => c.document.fields.status?.string_value === 'in_progress');
  assert.equal(observed.document.document.id, 'wo-node-1');
  assert.equal(observed.left_scope, false);
  watch.cancel();
  assert.ok(errors.every((e) => e.code === grpc.status.CANCELLED), `watch failed: ${errors.map((e) => e.message)}`);

  await assert.rejects(unary(documents, 'Get', { document: key('WorkOrder', 'wo-node-2') }, tokens.technician), (error) => {
    assert.equal(error.code, grpc.status.PERMISSION_DENIED);
    assert.match(error.details, /WorkOrder\/wo-node-2/);
    return true;
  });
});

test('a stale expected version is refused with FAILED_PRECONDITION and no token with UNAUTHENTICATED', async () => {
  const order = key('WorkOrder', 'wo-node-3');
  const created = await unary(documents, 'Mutate', {
    document: order,
    mutations: [set('title', str('Check the boiler')), set('status', str('open')), set('assignee', str('tina'))],
  }, tokens.dispatcher);
  await unary(documents, 'Mutate', { document: order, mutations: [set('priority', str('high'))] }, tokens.dispatcher);

  await assert.rejects(unary(documents, 'Mutate', {
    document: order, mutations: [set('priority', str('low'))], expected_version: created.document.version,
  }, tokens.technician), (error) => error.code === grpc.status.FAILED_PRECONDITION);
  await assert.rejects(unary(documents, 'Get', { document: order }, undefined), (error) => error.code === grpc.status.UNAUTHENTICATED);
  await assert.rejects(unary(documents, 'Mutate', {
    document: order, mutations: [set('status', str('not-a-status'))],
  }, tokens.technician), (error) => error.code === grpc.status.INVALID_ARGUMENT && /status/.test(error.details));
});

test('a Sync.Subscribe live stream held from grpc-js receives an op committed by another device', async () => {
  const order = key('WorkOrder', 'wo-node-live');
  await unary(documents, 'Mutate', {
    document: order, mutations: [set('title', str('Live one')), set('status', str('open')), set('assignee', str('tina'))],
  }, tokens.dispatcher);

  const stream = sync.Subscribe({ cursor: 0 }, credentials(tokens.dispatcher));
  const items = [];
  const errors = [];
  let notify;
  stream.on('data', (item) => { items.push(item); notify?.(); });
  stream.on('error', (error) => errors.push(error));
  const waitFor = async (predicate, what) => {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const found = items.find(predicate);
      if (found) return found;
      await new Promise((resolve) => { notify = resolve; setTimeout(resolve, 200); });
    }
    throw new Error(`no ${what}; saw ${items.length} items, errors ${errors.map((e) => e.message)}`);
  };
  // Bootstrap: the order as a snapshot, then a checkpoint; then the stream stays open.
  const snapshot = await waitFor((i) => i.item === 'document' && i.document.id === 'wo-node-live', 'bootstrap snapshot');
  assert.equal(snapshot.document.collection, 'WorkOrder');
  const checkpoint = await waitFor((i) => i.item === 'checkpoint', 'checkpoint');
  assert.equal(checkpoint.checkpoint.more, false);

  await unary(documents, 'Mutate', { document: order, mutations: [set('status', str('in_progress'))] }, tokens.technician);

  const live = await waitFor((i) => i.item === 'op' && i.op.document.id === 'wo-node-live', 'live op');
  assert.equal(live.op.author, 'tina');
  assert.ok(live.op.mutations.some((m) => m.set_field?.field === 'status' && m.set_field.value.string_value === 'in_progress'));
  stream.cancel();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(errors.every((e) => e.code === grpc.status.CANCELLED), `subscribe failed: ${errors.map((e) => e.message)}`);
});

// Hand-written protobuf for the one request below: a browser app would use its generated code.
function lengthDelimited(field, bytes) {
  assert.ok(bytes.length < 128);
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

function grpcWebFrames(body) {
  const frames = [];
  for (let at = 0; at < body.length;) {
    const flag = body[at];
    const length = body.readUInt32BE(at + 1);
    frames.push({ flag, payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

async function grpcWebGet(collection, id, token) {
  const documentKey = Buffer.concat([lengthDelimited(1, Buffer.from(collection)), lengthDelimited(2, Buffer.from(id))]);
  const message = lengthDelimited(1, documentKey); // GetDocumentRequest { document = 1 }
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const headers = { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`http://${webAddress}/crdtfieldstore.v1.Documents/Get`, { method: 'POST', headers, body: frame });
  const body = Buffer.from(await response.arrayBuffer());
  const frames = grpcWebFrames(body);
  const trailerFrame = frames.find((f) => f.flag & 0x80);
  const trailers = trailerFrame ? trailerFrame.payload.toString('latin1') : '';
  const status = response.headers.get('grpc-status') ?? /grpc-status:\s*(\d+)/i.exec(trailers)?.[1];
  return { http: response.status, contentType: response.headers.get('content-type'), status, messages: frames.filter((f) => !(f.flag & 0x80)) };
}

test('gRPC-Web: Node fetch over HTTP/1.1 calls Documents.Get on the web listener', async () => {
  await unary(documents, 'Mutate', {
    document: key('WorkOrder', 'wo-node-web'),
    mutations: [set('title', str('Seen from a browser')), set('status', str('open')), set('assignee', str('tina'))],
  }, tokens.dispatcher);

  const answer = await grpcWebGet('WorkOrder', 'wo-node-web', tokens.dispatcher);
  assert.equal(answer.http, 200);
  assert.match(answer.contentType, /^application\/grpc-web/);
  assert.equal(answer.status, '0');
  assert.equal(answer.messages.length, 1);
  const view = answer.messages[0].payload.toString('latin1');
  assert.ok(view.includes('wo-node-web') && view.includes('Seen from a browser'), 'the DocumentView carries the order');

  const refused = await grpcWebGet('WorkOrder', 'wo-node-web', undefined);
  assert.equal(refused.status, String(grpc.status.UNAUTHENTICATED));
});
