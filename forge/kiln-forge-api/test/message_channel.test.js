// The layer's MessageChannel, MessagePort, MessageEvent and BroadcastChannel
// (src/node/message_port.js, message_event.js, broadcast_channel.js) against
// Node's own globals: each scenario runs once with Node's classes and once
// with the layer's, and both must tell the same story — the order messages
// come in against the poster's microtasks, what a receiver gets (a clone),
// when ports start and close, and the errors of a bad post.

import test from 'node:test';
import assert from 'node:assert/strict';

import { MessageChannel, MessagePort } from '../src/node/message_port.js';
import { MessageEvent } from '../src/node/message_event.js';
import { BroadcastChannel } from '../src/node/broadcast_channel.js';

const node = {
  MessageChannel: globalThis.MessageChannel,
  MessagePort: globalThis.MessagePort,
  MessageEvent: globalThis.MessageEvent,
  BroadcastChannel: globalThis.BroadcastChannel,
};
const kiln = { MessageChannel, MessagePort, MessageEvent, BroadcastChannel };

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `scenario(classes, log)` logged, once it and 30 ms after it are over. */
async function story(classes, scenario) {
  const lines = [];
  await scenario(classes, (...parts) => lines.push(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')));
  await pause(30);
  return lines;
}

/** Asserts the layer's classes tell the story Node's do. */
async function sameAsNode(scenario) {
  const expected = await story(node, scenario);
  const actual = await story(kiln, scenario);
  assert.deepEqual(actual, expected);
  return actual;
}

/** An error as compared: its class, name, code and message. */
function failure(run) {
  try {
    run();
    return 'no error';
  } catch (error) {
    return `${error.constructor.name} ${error.name} ${error.code} ${error.message}`;
  }
}

test('messages come after the microtasks of the code that posted, one task each, in order', async () => {
  const lines = await sameAsNode(async ({ MessageChannel }, log) => {
    const { port1, port2 } = new MessageChannel();
    const done = new Promise((resolve) => {
      port2.onmessage = (event) => {
        log('message', event.data);
        Promise.resolve().then(() => log('microtask of', event.data));
        if (event.data === 3) resolve();
      };
    });
    port1.postMessage(1);
    Promise.resolve().then(() => log('microtask'));
    process.nextTick(() => log('tick'));
    port1.postMessage(2);
    port1.postMessage(3);
    log('sync');
    await done;
    port1.close();
  });
  assert.deepEqual(lines.slice(0, 4), ['sync', 'microtask', 'tick', 'message 1']);
});

test('a message is a clone taken at the post, delivered as a MessageEvent', async () => {
  await sameAsNode(async ({ MessageChannel, MessageEvent }, log) => {
    const { port1, port2 } = new MessageChannel();
    const sent = { when: new Date(0), map: new Map([[1, { a: 1 }]]), bytes: new Uint8Array([1, 2]), set: new Set(['x']), big: 10n };
    sent.self = sent;
    const event = await new Promise((resolve) => {
      port2.addEventListener('message', resolve);
      port1.postMessage(sent);
      sent.map.set(2, 'later');
      sent.bytes[0] = 9;
    });
    const { data } = event;
    log('class', event.constructor === MessageEvent, event instanceof Event, Object.prototype.toString.call(event));
    log('event', event.type, event.target === port2, event.ports, event.origin, event.lastEventId, String(event.source));
    log('data', data !== sent, data.self === data, data.when instanceof Date, data.when.getTime());
    log('map', [...data.map], data.map.get(1) !== sent.map.get(1));
    log('bytes', [...data.bytes], data.set.has('x'), String(data.big));
    port1.close();
  });
});

test('a post that Node refuses throws the same error, synchronously', async () => {
  await sameAsNode(async ({ MessageChannel }, log) => {
    const { port1, port2 } = new MessageChannel();
    const other = new MessageChannel();
    log('function', failure(() => port1.postMessage({ run() {} })).split(' ').slice(0, 3));
    log('symbol', failure(() => port1.postMessage(Symbol('s'))).split(' ').slice(0, 3));
    log('no arguments', failure(() => port1.postMessage()));
    log('port in message', failure(() => port1.postMessage({ port: other.port1 })));
    log('port in a Map', failure(() => port1.postMessage(new Map([[1, [other.port2]]]))));
    log('source port', failure(() => port1.postMessage(1, [port1])));
    log('not transferable', failure(() => port1.postMessage(1, [{}])));
    log('not a list', failure(() => port1.postMessage(1, 5)));
    const buffer = new ArrayBuffer(2);
    log('duplicate', failure(() => port1.postMessage(buffer, [buffer, buffer])));
    log('buffer untouched', buffer.byteLength);
    port1.close();
    other.port1.close();
    log('posted after close', failure(() => port2.postMessage('dropped')));
  });
});

test('a transferred ArrayBuffer is moved: the sender’s copy is detached', async () => {
  await sameAsNode(async ({ MessageChannel }, log) => {
    const { port1, port2 } = new MessageChannel();
    const first = new Uint8Array([1, 2, 3]).buffer;
    const second = new Uint8Array([4]).buffer;
    const received = [];
    const done = new Promise((resolve) => {
      port2.onmessage = ({ data }) => {
        received.push([...new Uint8Array(data.buffer ?? data)]);
        if (received.length === 2) resolve();
      };
    });
    port1.postMessage({ buffer: first }, [first]);
    port1.postMessage(second, { transfer: [second] });
    log('sender', first.byteLength, second.byteLength);
    await done;
    log('received', received);
    port1.close();
  });
});

test('a port holds messages until started; close delivers what was posted, then close events', async () => {
  await sameAsNode(async ({ MessageChannel }, log) => {
    const held = new MessageChannel();
    held.port1.postMessage('held');
    await pause(5);
    log('hasRef before', held.port2.hasRef());
    await new Promise((resolve) => {
      held.port2.addEventListener('message', (event) => {
        log('late listener got', event.data);
        resolve();
      });
    });
    log('hasRef listening', held.port2.hasRef());
    held.port2.unref();
    log('hasRef unref', held.port2.hasRef(), held.port2.ref());
    held.port2.close();

    const closing = new MessageChannel();
    const closed = Promise.all(
      ['port1', 'port2'].map(
        (side) => new Promise((resolve) => closing[side].addEventListener('close', (event) => resolve(`${side} ${event.type}`))),
      ),
    );
    closing.port2.onmessage = (event) => log('peer got', event.data);
    closing.port1.postMessage('before close');
    closing.port1.close();
    closing.port1.postMessage('after close');
    closing.port2.postMessage('to a closed port');
    log('closed', await closed);

    // The end that closes drops what it had not yet delivered.
    const dropping = new MessageChannel();
    dropping.port2.onmessage = (event) => log('dropped, yet got', event.data);
    dropping.port1.postMessage('pending');
    dropping.port2.close();
  });
});

test('ports are made by MessageChannel only, with the shape of Node’s', async () => {
  await sameAsNode(async ({ MessageChannel, MessagePort }, log) => {
    const channel = new MessageChannel();
    log('keys', Object.keys(channel), channel.port1 instanceof MessagePort, channel.port1 instanceof EventTarget);
    log('tags', Object.prototype.toString.call(channel), Object.prototype.toString.call(channel.port1));
    log('handlers', channel.port1.onmessage, channel.port1.onmessageerror);
    const handler = () => {};
    channel.port1.onmessage = handler;
    log('handler kept', channel.port1.onmessage === handler);
    channel.port1.onmessage = null;
    log('handler cleared', channel.port1.onmessage);
    log('constructor', failure(() => new MessagePort()));
    channel.port1.close();
  });
});

test('MessageEvent made by code carries its init', async () => {
  await sameAsNode(async ({ MessageEvent, MessageChannel }, log) => {
    const { port1 } = new MessageChannel();
    const event = new MessageEvent('message', { data: { a: 1 }, origin: 'o', lastEventId: 'l', ports: [port1] });
    log(event.type, event.data, event.origin, event.lastEventId, event.ports.length, event.ports[0] === port1, event.source);
    log('defaults', new MessageEvent('x').data, new MessageEvent('x').ports);
    log('keys', Object.keys(MessageEvent.prototype));
    log('bad ports', failure(() => new MessageEvent('x', { ports: [1] })));
    port1.close();
  });
});

test('BroadcastChannel reaches the other channels of its name, each with its own copy', async () => {
  await sameAsNode(async ({ BroadcastChannel }, log) => {
    const sender = new BroadcastChannel('jobs');
    const first = new BroadcastChannel('jobs');
    const second = new BroadcastChannel('jobs');
    const elsewhere = new BroadcastChannel('other');
    const closedEarly = new BroadcastChannel('jobs');
    sender.onmessage = () => log('the sender heard itself');
    elsewhere.onmessage = () => log('another name heard it');
    closedEarly.onmessage = () => log('a closed channel heard it');
    const got = [];
    const done = new Promise((resolve) => {
      const listen = (channel, name) =>
        channel.addEventListener('message', (event) => {
          got.push(event.data);
          log(name, event.data, event.target === channel, event.constructor.name, event.ports);
          if (got.length === 2) resolve();
        });
      listen(first, 'first');
      listen(second, 'second');
    });
    const message = { job: 1 };
    sender.postMessage(message);
    closedEarly.close();
    Promise.resolve().then(() => log('microtask'));
    log('sync');
    await done;
    log('copies', got[0] !== got[1], got[0] !== message);
    const numbered = new BroadcastChannel(5);
    log('name', sender.name, numbered.name, sender.ref() === sender, sender.unref() === sender);
    numbered.close();
    log('function', failure(() => sender.postMessage(() => 1)).split(' ').slice(0, 3));
    log('no message', failure(() => sender.postMessage()));
    log('no name', failure(() => new BroadcastChannel()));
    log('tag', Object.prototype.toString.call(sender), sender instanceof EventTarget);
    for (const channel of [sender, first, second, elsewhere]) channel.close();
    sender.close();
    log('closed', failure(() => sender.postMessage(1)));
  });
});

test('Kiln refuses to transfer a port, saying so', () => {
  const { port1, port2 } = new MessageChannel();
  const other = new MessageChannel();
  assert.throws(() => port1.postMessage({ port: other.port2 }, [other.port2]), {
    name: 'DataCloneError',
    message: /Kiln does not transfer a MessagePort/,
  });
  for (const port of [port1, port2, other.port1]) port.close();
});
