// A small proto3 codec for the messages the board exchanges with the relay (no build step, no
// dependency). A schema maps field numbers to [name, type, label]: type is a scalar name or
// another schema's name; label is 'repeated', 'map:<valueType>' or absent. 64-bit integers are
// JS numbers (document versions and times stay far below 2^53).

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

const varintTypes = new Set(['bool', 'uint32', 'uint64', 'int32', 'int64', 'sint64', 'enum']);

class Writer {
  constructor() { this.bytes = []; }
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) { this.bytes.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    this.bytes.push(Number(v));
  }
  tag(number, wire) { this.varint((number << 3) | wire); }
  chunk(data) { this.varint(data.length); for (const b of data) this.bytes.push(b); }
  result() { return Uint8Array.from(this.bytes); }
}

function encodeScalar(writer, number, type, value, schemas) {
  switch (type) {
    case 'string': writer.tag(number, LENGTH); writer.chunk(utf8Encoder.encode(value)); return;
    case 'bytes': writer.tag(number, LENGTH); writer.chunk(value); return;
    case 'bool': writer.tag(number, VARINT); writer.varint(value ? 1 : 0); return;
    case 'sint64': {
      const v = BigInt(value);
      writer.tag(number, VARINT); writer.varint((v << 1n) ^ (v >> 63n)); return;
    }
    default:
      if (varintTypes.has(type)) { writer.tag(number, VARINT); writer.varint(value); return; }
      writer.tag(number, LENGTH); writer.chunk(encode(schemas, type, value));
  }
}

/** Encodes `message` (a plain object keyed by field name) as schema `type`. */
export function encode(schemas, type, message) {
  const schema = schemas[type];
  if (!schema) throw new Error(`no schema ${type}`);
  const writer = new Writer();
  for (const [number, [name, fieldType, label]] of Object.entries(schema)) {
    const value = message?.[name];
    if (value === undefined || value === null) continue;
    const n = Number(number);
    if (label === 'repeated') {
      for (const item of value) encodeScalar(writer, n, fieldType, item, schemas);
    } else if (label?.startsWith('map:')) {
      const valueType = label.slice(4);
      for (const [key, item] of Object.entries(value)) {
        const entry = new Writer();
        encodeScalar(entry, 1, fieldType, key, schemas);
        encodeScalar(entry, 2, valueType, item, schemas);
        writer.tag(n, LENGTH); writer.chunk(entry.result());
      }
    } else {
      encodeScalar(writer, n, fieldType, value, schemas);
    }
  }
  return writer.result();
}

class Reader {
  constructor(bytes) { this.bytes = bytes; this.pos = 0; }
  get done() { return this.pos >= this.bytes.length; }
  varint() {
    let result = 0n; let shift = 0n;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('truncated message');
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  chunk() {
    const length = Number(this.varint());
    const data = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return data;
  }
  skip(wire) {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === LENGTH) this.chunk();
    else if (wire === FIXED32) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function scalarFromVarint(type, v) {
  switch (type) {
    case 'bool': return v !== 0n;
    case 'int64': case 'int32': return Number(BigInt.asIntN(64, v));
    case 'sint64': return Number((v >> 1n) ^ -(v & 1n));
    default: return Number(v);
  }
}

function decodeValue(reader, wire, type, schemas) {
  if (varintTypes.has(type)) return scalarFromVarint(type, reader.varint());
  const data = reader.chunk();
  if (type === 'string') return utf8Decoder.decode(data);
  if (type === 'bytes') return data.slice();
  return decode(schemas, type, data);
}

/** Decodes bytes as schema `type` into a plain object; repeated fields default to [], maps to {}. */
export function decode(schemas, type, bytes) {
  const schema = schemas[type];
  if (!schema) throw new Error(`no schema ${type}`);
  const message = {};
  for (const [name, , label] of Object.values(schema)) {
    if (label === 'repeated') message[name] = [];
    else if (label?.startsWith('map:')) message[name] = {};
  }
  const reader = new Reader(bytes);
  while (!reader.done) {
    const key = Number(reader.varint());
    const number = key >>> 3;
    const wire = key & 7;
    const field = schema[number];
    if (!field) { reader.skip(wire); continue; }
    const [name, fieldType, label] = field;
    if (label === 'repeated') {
      if (wire === LENGTH && varintTypes.has(fieldType)) {
        const packed = new Reader(reader.chunk());
        while (!packed.done) message[name].push(scalarFromVarint(fieldType, packed.varint()));
      } else {
        message[name].push(decodeValue(reader, wire, fieldType, schemas));
      }
    } else if (label?.startsWith('map:')) {
      const entry = new Reader(reader.chunk());
      let mapKey = ''; let mapValue;
      while (!entry.done) {
        const entryKey = Number(entry.varint());
        if ((entryKey >>> 3) === 1) mapKey = decodeValue(entry, entryKey & 7, fieldType, schemas);
        else if ((entryKey >>> 3) === 2) mapValue = decodeValue(entry, entryKey & 7, label.slice(4), schemas);
        else entry.skip(entryKey & 7);
      }
      message[name][mapKey] = mapValue ?? {};
    } else {
      message[name] = decodeValue(reader, wire, fieldType, schemas);
    }
  }
  return message;
}
