// What `postMessage` does to a message before it travels, for MessagePort and
// BroadcastChannel (message_port.js, broadcast_channel.js): the engine's
// `structuredClone`, so the receiver gets its own copy (a Date a Date, a Map
// a Map, a later change by the sender unseen) and a value that cannot be
// cloned (a function, a symbol) throws its DataCloneError at the post, as in
// Node; and Node's checks of the transfer list and of ports in the message.

import { messagePorts } from './message_event.js';

function dataCloneError(message) {
  return new DOMException(message, 'DataCloneError');
}

function nodeTypeError(code, message) {
  return Object.assign(new TypeError(message), { code });
}

/**
 * The transfer list of `postMessage(message, transfer)`: an iterable, or
 * `{ transfer }`, as Node takes it. ArrayBuffers are transferred (the
 * sender's copy detached, as Node's); ports are not: in one invocation both
 * ends of a channel are the same code's, and Kiln does not move a port's
 * queue to a new object, so it says so rather than send a dead port.
 */
function transferListOf(transfer, source) {
  if (transfer === undefined || transfer === null) return [];
  let list = transfer;
  if (typeof transfer === 'object' && typeof transfer[Symbol.iterator] !== 'function') {
    list = transfer.transfer ?? [];
  }
  if (list === null || typeof list !== 'object' || typeof list[Symbol.iterator] !== 'function') {
    throw nodeTypeError('ERR_INVALID_ARG_TYPE', 'Optional transferList argument must be an iterable');
  }
  const buffers = [];
  for (const item of list) {
    if (item instanceof ArrayBuffer) {
      if (buffers.includes(item)) throw dataCloneError('Transfer list contains duplicate ArrayBuffer');
      buffers.push(item);
    } else if (messagePorts.has(item)) {
      if (item === source) throw dataCloneError('Transfer list contains source port');
      throw dataCloneError(
        'Kiln does not transfer a MessagePort: post the data itself, or keep the port where it was made',
      );
    } else {
      throw nodeTypeError('ERR_INVALID_TRANSFER_OBJECT', 'Found invalid object in transferList');
    }
  }
  return buffers;
}

/**
 * Whether a port is among the objects `value` holds (its own properties,
 * arrays, Maps, Sets), where Node refuses it unless it is transferred.
 * `structuredClone` would copy the layer's port as a plain object.
 */
function holdsPort(value) {
  const seen = new Set();
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    if (messagePorts.has(next)) return true;
    if (ArrayBuffer.isView(next) || next instanceof ArrayBuffer) continue;
    if (next instanceof Map) {
      for (const [key, entry] of next) pending.push(key, entry);
    } else if (next instanceof Set) {
      for (const entry of next) pending.push(entry);
    } else {
      for (const key of Object.keys(next)) pending.push(next[key]);
    }
  }
  return false;
}

/**
 * The copy of `message` its receiver gets, or the error Node throws at the
 * post: `transfer` is `postMessage`'s second argument, `source` the port
 * posting (which may not transfer itself).
 */
export function cloneMessage(message, transfer, source) {
  const buffers = transferListOf(transfer, source);
  if (holdsPort(message)) {
    throw nodeTypeError(
      'ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST',
      'Object that needs transfer was found in message but not listed in transferList',
    );
  }
  return buffers.length > 0 ? structuredClone(message, { transfer: buffers }) : structuredClone(message);
}
