// The official interop cases (grpc/grpc doc/interop-test-descriptions.md), run by a real
// @grpc/grpc-js client against our C# interop server, plus grpc.health.v1 Check and Watch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { grpc, loadTesting, loadHealth } from './protos.mjs';
import { startInteropServer } from './interop-server-process.mjs';

const testing = loadTesting();
const healthPackage = loadHealth();
let server;
let client;
let gzipClient;
let health;

before(async () => {
  server = await startInteropServer();
  const insecure = grpc.credentials.createInsecure();
  client = new testing.TestService(server.address, insecure);
  gzipClient = new testing.TestService(server.address, insecure, { 'grpc.default_compression_algorithm': 2 });
  health = new healthPackage.Health(server.address, insecure);
});

after(async () => {
  client?.close();
  gzipClient?.close();
  health?.close();
  await server?.stop();
});

const deadline = (ms = 10000) => ({ deadline: Date.now() + ms });
const unary = (target, method, request, metadata = new grpc.Metadata(), options = deadline()) =>
  new Promise((resolve, reject) => {
    target[method](request, metadata, options, (error, response) => (error ? reject(error) : resolve(response)));
  });
const zeros = (size) => ({ body: Buffer.alloc(size) });
const statusOf = (call) => new Promise((resolve) => call.on('status', resolve));
const collect = (call) => new Promise((resolve, reject) => {
  const sizes = [];
  call.on('data', (response) => sizes.push(response.payload.body.length));
  call.on('end', () => resolve(sizes));
  call.on('error', reject);
});

test('empty_unary', async () => {
  const response = await unary(client, 'EmptyCall', {});
  assert.deepEqual(response, {});
});

test('large_unary', async () => {
  const response = await unary(client, 'UnaryCall', { response_size: 314159, payload: zeros(271828) });
  assert.equal(response.payload.body.length, 314159);
  assert.ok(response.payload.body.every((b) => b === 0));
});

test('client_compressed_unary', async () => {
  // The probe: an uncompressed request that claims to be compressed must be refused.
  await assert.rejects(unary(client, 'UnaryCall', { expect_compressed: { value: true }, response_size: 314159, payload: zeros(271828) }),
    (error) => error.code === grpc.status.INVALID_ARGUMENT);
  const compressed = await unary(gzipClient, 'UnaryCall', { expect_compressed: { value: true }, response_size: 314159, payload: zeros(271828) });
  const plain = await unary(client, 'UnaryCall', { expect_compressed: { value: false }, response_size: 314159, payload: zeros(271828) });
  assert.equal(compressed.payload.body.length, 314159);
  assert.equal(plain.payload.body.length, 314159);
});

test('server_compressed_unary', async () => {
  for (const value of [true, false]) {
    const response = await unary(client, 'UnaryCall', { response_compressed: { value }, response_size: 314159, payload: zeros(271828) });
    assert.equal(response.payload.body.length, 314159);
  }
});

test('client_streaming', async () => {
  const response = await new Promise((resolve, reject) => {
    const call = client.StreamingInputCall(deadline(), (error, result) => (error ? reject(error) : resolve(result)));
    for (const size of [27182, 8, 1828, 45904]) call.write({ payload: zeros(size) });
    call.end();
  });
  assert.equal(response.aggregated_payload_size, 74922);
});

test('server_streaming', async () => {
  const call = client.StreamingOutputCall({ response_parameters: [31415, 9, 2653, 58979].map((size) => ({ size })) }, deadline());
  const status = statusOf(call);
  assert.deepEqual(await collect(call), [31415, 9, 2653, 58979]);
  assert.equal((await status).code, grpc.status.OK);
});

test('ping_pong', async () => {
  const call = client.FullDuplexCall(deadline());
  const status = statusOf(call);
  const responses = call[Symbol.asyncIterator]();
  const sizes = [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]];
  for (const [responseSize, payloadSize] of sizes) {
    call.write({ response_parameters: [{ size: responseSize }], payload: zeros(payloadSize) });
    const next = await responses.next();
    assert.equal(next.value.payload.body.length, responseSize);
  }
  call.end();
  assert.equal((await responses.next()).done, true);
  assert.equal((await status).code, grpc.status.OK);
});

test('empty_stream', async () => {
  const call = client.FullDuplexCall(deadline());
  const status = statusOf(call);
  const received = collect(call);
  call.end();
  assert.deepEqual(await received, []);
  assert.equal((await status).code, grpc.status.OK);
});

for (const [name, message] of [
  ['status_code_and_message', 'test status message'],
  ['special_status_message', '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n'],
]) {
  test(name, async () => {
    await assert.rejects(unary(client, 'UnaryCall', { response_status: { code: 2, message } }),
      (error) => error.code === grpc.status.UNKNOWN && error.details === message);
    const call = client.FullDuplexCall(deadline());
    call.on('error', () => {});
    call.write({ response_status: { code: 2, message } });
    call.end();
    const status = await statusOf(call);
    assert.equal(status.code, grpc.status.UNKNOWN);
    assert.equal(status.details, message);
  });
}

test('custom_metadata', async () => {
  const request = { response_size: 314159, payload: zeros(271828) };
  const metadata = () => {
    const m = new grpc.Metadata();
    m.set('x-grpc-test-echo-initial', 'test_initial_metadata_value');
    m.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
    return m;
  };
  const check = (headers, status) => {
    assert.deepEqual(headers.get('x-grpc-test-echo-initial'), ['test_initial_metadata_value']);
    assert.deepEqual(status.metadata.get('x-grpc-test-echo-trailing-bin'), [Buffer.from([0xab, 0xab, 0xab])]);
  };

  const unaryCall = client.UnaryCall(request, metadata(), deadline(), () => {});
  const [unaryHeaders, unaryStatus] = await Promise.all([
    new Promise((resolve) => unaryCall.on('metadata', resolve)), statusOf(unaryCall)]);
  assert.equal(unaryStatus.code, grpc.status.OK);
  check(unaryHeaders, unaryStatus);

  const duplex = client.FullDuplexCall(metadata(), deadline());
  const headers = new Promise((resolve) => duplex.on('metadata', resolve));
  const status = statusOf(duplex);
  const sizes = collect(duplex);
  duplex.write({ response_parameters: [{ size: 314159 }], payload: zeros(271828) });
  duplex.end();
  assert.deepEqual(await sizes, [314159]);
  check(await headers, await status);
});

test('unimplemented_method', async () => {
  const raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
  const call = (path) => new Promise((resolve) => raw.makeUnaryRequest(path, (x) => x, (x) => x, Buffer.alloc(0), deadline(), (error) => resolve(error)));
  try {
    const error = await call('/grpc.testing.TestService/UnimplementedCall');
    assert.equal(error.code, grpc.status.UNIMPLEMENTED);
  } finally {
    raw.close();
  }
});

test('unimplemented_service', async () => {
  const other = new testing.UnimplementedService(server.address, grpc.credentials.createInsecure());
  try {
    await assert.rejects(unary(other, 'UnimplementedCall', {}), (error) => error.code === grpc.status.UNIMPLEMENTED);
  } finally {
    other.close();
  }
});

test('timeout_on_sleeping_server', async () => {
  const call = client.FullDuplexCall({ deadline: Date.now() + 1 });
  call.on('error', () => {});
  call.write({ payload: zeros(27182) });
  const status = await statusOf(call);
  assert.equal(status.code, grpc.status.DEADLINE_EXCEEDED);
});

test('cancel_after_begin', async () => {
  const call = client.StreamingInputCall(deadline(), () => {});
  const status = statusOf(call);
  call.cancel();
  assert.equal((await status).code, grpc.status.CANCELLED);
});

test('cancel_after_first_response', async () => {
  const call = client.FullDuplexCall(deadline());
  call.on('error', () => {});
  const status = statusOf(call);
  const first = new Promise((resolve) => call.once('data', resolve));
  call.write({ response_parameters: [{ size: 31415 }], payload: zeros(27182) });
  assert.equal((await first).payload.body.length, 31415);
  call.cancel();
  assert.equal((await status).code, grpc.status.CANCELLED);
});

test('the server keeps serving after cancelled calls', async () => {
  const response = await unary(client, 'UnaryCall', { response_size: 10 });
  assert.equal(response.payload.body.length, 10);
});

test('health Check: whole server SERVING, unknown service NOT_FOUND', async () => {
  const whole = await unary(health, 'Check', { service: '' });
  assert.equal(whole.status, 'SERVING');
  await assert.rejects(unary(health, 'Check', { service: 'no.such.Service' }), (error) => error.code === grpc.status.NOT_FOUND);
});

test('health Watch: current status first, SERVICE_UNKNOWN for unknown, stream stays open', async () => {
  for (const [service, expected] of [['', 'SERVING'], ['no.such.Service', 'SERVICE_UNKNOWN']]) {
    const call = health.Watch({ service }, deadline());
    call.on('error', () => {});
    const status = statusOf(call);
    const first = await new Promise((resolve) => call.once('data', resolve));
    assert.equal(first.status, expected);
    call.cancel();
    assert.equal((await status).code, grpc.status.CANCELLED);
  }
});
