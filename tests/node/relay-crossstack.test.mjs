// Cross-stack test: a real relay process (the built Crdt.Relay.dll) and real @grpc/grpc-js
// clients that know only the .proto files in proto/. A dispatcher creates a work order assigned
// to a technician and watches it; the technician changes it; the dispatcher sees the change; a
// read outside the technician's scope is refused with PERMISSION_DENIED.
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
  relay = spawn('dotnet', [relayDll, 'serve', '--data', data, '--listen', address], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForServing(relay);

  const definition = protoLoader.loadSync(['crdtfieldstore/v1/documents.proto', 'crdtfieldstore/v1/sync.proto', 'crdtfieldstore/v1/admin.proto'], {
    includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  const v1 = grpc.loadPackageDefinition(definition).crdtfieldstore.v1;
  documents = new v1.Documents(address, grpc.credentials.createInsecure());
});

after(async () => {
  documents?.close();
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
