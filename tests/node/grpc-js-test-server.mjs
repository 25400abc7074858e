// grpc.testing.TestService on @grpc/grpc-js: the peer our C# client is judged against (and the
// reference server of the load benchmark). Usage: node grpc-js-test-server.mjs --port 0
// Prints "listening on 127.0.0.1:PORT" when ready.
import { grpc, loadTesting } from './protos.mjs';

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const zeroPayload = (size) => ({ type: 'COMPRESSABLE', body: Buffer.alloc(size) });

function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL);
  if (initial.length > 0) {
    const headers = new grpc.Metadata();
    headers.set(ECHO_INITIAL, initial[0]);
    call.sendMetadata(headers);
  }
  const trailers = new grpc.Metadata();
  const trailing = call.metadata.get(ECHO_TRAILING);
  if (trailing.length > 0) trailers.set(ECHO_TRAILING, trailing[0]);
  return trailers;
}

function requestedError(status, trailers) {
  if (!status || !status.code) return null;
  return { code: status.code, details: status.message, metadata: trailers };
}

async function writeResponses(call, request) {
  for (const parameters of request.response_parameters) {
    if (parameters.interval_us > 0) await sleep(parameters.interval_us / 1000);
    if (call.cancelled) return;
    call.write({ payload: zeroPayload(parameters.size) });
  }
}

const service = {
  EmptyCall(call, callback) {
    callback(null, {});
  },
  UnaryCall(call, callback) {
    const trailers = echoMetadata(call);
    const error = requestedError(call.request.response_status, trailers);
    if (error) return callback(error);
    callback(null, { payload: zeroPayload(call.request.response_size) }, trailers);
  },
  async StreamingOutputCall(call) {
    const trailers = echoMetadata(call);
    await writeResponses(call, call.request);
    const error = requestedError(call.request.response_status, trailers);
    if (error) call.emit('error', error);
    else call.end(trailers);
  },
  StreamingInputCall(call, callback) {
    const trailers = echoMetadata(call);
    let total = 0;
    call.on('data', (request) => { total += request.payload ? request.payload.body.length : 0; });
    call.on('end', () => callback(null, { aggregated_payload_size: total }, trailers));
    call.on('error', () => {});
  },
  FullDuplexCall(call) {
    const trailers = echoMetadata(call);
    let chain = Promise.resolve();
    let ended = false;
    call.on('data', (request) => {
      chain = chain.then(async () => {
        if (ended) return;
        const error = requestedError(request.response_status, trailers);
        if (error) { ended = true; call.emit('error', error); return; }
        await writeResponses(call, request);
      });
    });
    call.on('end', () => { chain = chain.then(() => { if (!ended) { ended = true; call.end(trailers); } }); });
    call.on('error', () => {});
  },
  HalfDuplexCall(call) {
    const trailers = echoMetadata(call);
    const requests = [];
    call.on('data', (request) => requests.push(request));
    call.on('end', async () => {
      for (const request of requests) {
        const error = requestedError(request.response_status, trailers);
        if (error) { call.emit('error', error); return; }
        await writeResponses(call, request);
      }
      call.end(trailers);
    });
    call.on('error', () => {});
  },
};

const args = process.argv.slice(2);
const portIndex = args.indexOf('--port');
const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 0;
const server = new grpc.Server();
server.addService(loadTesting().TestService.service, service);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
  if (error) { console.error(error); process.exit(1); }
  console.log(`listening on 127.0.0.1:${boundPort}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
