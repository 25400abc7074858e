// gRPC-Web (application/grpc-web+proto) over fetch, to the relay's own services on this origin.
// The bearer token goes in the Authorization header only, never in a URL.
import { encode, decode } from './proto.js';
import { schemas } from './schemas.js';

export const Code = {
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export class GrpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function frame(payload) {
  const framed = new Uint8Array(5 + payload.length);
  new DataView(framed.buffer).setUint32(1, payload.length);
  framed.set(payload, 5);
  return framed;
}

function parseTrailers(bytes) {
  const trailers = {};
  for (const line of new TextDecoder().decode(bytes).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return trailers;
}

function statusError(status, message) {
  const code = Number(status);
  if (code === 0) return null;
  let text = message ?? '';
  try { text = decodeURIComponent(text); } catch { /* keep it as sent */ }
  return new GrpcError(code, text || `gRPC status ${code}`);
}

async function open(path, requestType, request, token, signal) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/grpc-web+proto',
        'x-grpc-web': '1',
        accept: 'application/grpc-web+proto',
        authorization: `Bearer ${token}`,
      },
      body: frame(encode(schemas, requestType, request)),
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new GrpcError(Code.CANCELLED, 'cancelled');
    throw new GrpcError(Code.UNAVAILABLE, 'the relay cannot be reached');
  }
  if (!response.ok) throw new GrpcError(Code.UNAVAILABLE, `the relay answered HTTP ${response.status}`);
  // A trailers-only answer (an error before any message) carries the status in the headers.
  const headerError = response.headers.get('grpc-status') !== null
    ? statusError(response.headers.get('grpc-status'), response.headers.get('grpc-message')) : null;
  if (headerError) throw headerError;
  return response;
}

/** Yields the decoded messages of a gRPC-Web response body, then checks the trailer frame. */
async function* messages(response, responseType) {
  const reader = response.body.getReader();
  let buffer = new Uint8Array(0);
  let trailers = null;
  try {
    for (;;) {
      while (buffer.length >= 5) {
        const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
        if (buffer.length < 5 + length) break;
        const flags = buffer[0];
        const payload = buffer.subarray(5, 5 + length);
        buffer = buffer.subarray(5 + length);
        if (flags & 0x80) trailers = parseTrailers(payload);
        else yield decode(schemas, responseType, payload);
      }
      const { value, done } = await reader.read();
      if (done) break;
      const joined = new Uint8Array(buffer.length + value.length);
      joined.set(buffer);
      joined.set(value, buffer.length);
      buffer = joined;
    }
  } catch (error) {
    if (error instanceof GrpcError) throw error;
    throw new GrpcError(Code.UNAVAILABLE, 'the connection to the relay was lost');
  } finally {
    reader.releaseLock();
  }
  if (!trailers) throw new GrpcError(Code.UNAVAILABLE, 'the connection to the relay was lost');
  const error = statusError(trailers['grpc-status'], trailers['grpc-message']);
  if (error) throw error;
}

/** One request, one answer. */
export async function unary(path, requestType, responseType, request, token) {
  const response = await open(path, requestType, request, token);
  let answer = null;
  for await (const message of messages(response, responseType)) answer = message;
  if (answer === null) throw new GrpcError(Code.UNKNOWN, 'the relay sent no answer');
  return answer;
}

/** A server stream: `onOpen` once the relay accepted the call, then every message as it arrives. */
export async function* serverStream(path, requestType, responseType, request, token, signal, onOpen) {
  const response = await open(path, requestType, request, token, signal);
  onOpen?.();
  yield* messages(response, responseType);
}
