// The key-value protocol carried in TLV frames (frame.ts): what each type
// means and how its value is laid out. Requests have the high bit clear,
// replies have it set.
//
//   type  name       value
//   0x01  GET        key
//   0x02  SET        key length (uint16, big-endian), key, data
//   0x03  DEL        key
//   0x81  VALUE      data               (reply to GET)
//   0x82  NOT_FOUND  empty              (reply to GET or DEL)
//   0x83  OK         empty              (reply to SET or DEL)
//   0xEE  ERROR      UTF-8 text         (reply to anything the server cannot do)
import { encodeFrame } from './frame.ts';

export const GET = 0x01;
export const SET = 0x02;
export const DEL = 0x03;
export const VALUE = 0x81;
export const NOT_FOUND = 0x82;
export const OK = 0x83;
export const ERROR = 0xee;

/** A type byte as people say it: "GET (0x01)", or just "0x7f" for a type the protocol does not have. */
export function typeName(type: number): string {
  const names: Record<number, string> = { [GET]: 'GET', [SET]: 'SET', [DEL]: 'DEL', [VALUE]: 'VALUE', [NOT_FOUND]: 'NOT_FOUND', [OK]: 'OK', [ERROR]: 'ERROR' };
  const hex = `0x${type.toString(16).padStart(2, '0')}`;
  return names[type] ? `${names[type]} (${hex})` : hex;
}

/** A SET frame's value: key length, key, data. Throws RangeError for a key over 65,535 bytes. */
export function encodeSet(key: Buffer, data: Buffer): Buffer {
  if (key.length > 0xffff) throw new RangeError(`a key holds at most 65535 bytes, not ${key.length}`);
  const keyLength = Buffer.alloc(2);
  keyLength.writeUInt16BE(key.length);
  return encodeFrame(SET, Buffer.concat([keyLength, key, data]));
}

/** Split a SET frame's value into key and data; null if the key length points past the end. */
export function parseSet(value: Buffer): { key: Buffer; data: Buffer } | null {
  if (value.length < 2) return null;
  const keyLength = value.readUInt16BE(0);
  if (2 + keyLength > value.length) return null;
  return { key: value.subarray(2, 2 + keyLength), data: value.subarray(2 + keyLength) };
}

/** An ERROR frame with a message. */
export const errorFrame = (message: string) => encodeFrame(ERROR, Buffer.from(message, 'utf8'));
