// The text streams and `ReadableStream.from` the layer gives where the engine
// lacks them (src/node/text_streams.js), against Node's own globals: the same
// chunks out for the same chunks in, split characters and errors included.

import test from 'node:test';
import assert from 'node:assert/strict';

import { TextDecoderStream, TextEncoderStream, readableStreamFrom, withNodeApi } from '../src/node/text_streams.js';

/** Writes `chunks` through `transform` and collects what comes out (or the error's name). */
async function through(transform, chunks) {
  const writer = transform.writable.getWriter();
  const read = (async () => {
    const out = [];
    try {
      for await (const chunk of transform.readable) out.push(chunk instanceof Uint8Array ? [...chunk] : chunk);
    } catch (error) {
      out.push(`error ${error.name}`);
    }
    return out;
  })();
  try {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  } catch {
    // the readable side reports it
  }
  return read;
}

const euro = new TextEncoder().encode('a€b😀c'); // 1 + 3 + 1 + 4 + 1 bytes

test('TextDecoderStream decodes as Node\'s, characters split across chunks kept whole', async () => {
  const cases = [
    [[euro]],
    [[euro.slice(0, 2), euro.slice(2, 6), euro.slice(6)]],
    [[euro.slice(0, 7)]],
    [[new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])]],
    [[new Uint8Array([0xef, 0xbb, 0xbf, 0x68])], 'utf-8', { ignoreBOM: true }],
    [[new Uint8Array([0xff, 0x41])], 'utf-8', { fatal: true }],
    [[new Uint8Array([0x68, 0x00, 0x69, 0x00])], 'utf-16le'],
    [[new Uint8Array([0xe9]).buffer], 'latin1'],
  ];
  for (const [chunks, label, options] of cases) {
    const ours = await through(new TextDecoderStream(label, options), chunks);
    const node = await through(new globalThis.TextDecoderStream(label, options), chunks);
    assert.deepEqual(ours, node, JSON.stringify([label, options]));
  }
  const stream = new TextDecoderStream('latin1', { fatal: false });
  assert.deepEqual(
    [stream.encoding, stream.fatal, stream.ignoreBOM, Object.prototype.toString.call(stream)],
    ['windows-1252', false, false, '[object TextDecoderStream]'],
  );
  assert.deepEqual(await through(new TextDecoderStream(), ['text']), ['error TypeError']);
  assert.throws(() => new TextDecoderStream('no-such-encoding'), RangeError);
});

test('TextEncoderStream encodes as Node\'s, a surrogate pair split across chunks kept whole', async () => {
  for (const chunks of [['a€b'], ['a\ud83d', '\ude00b'], ['x\ud83d'], ['\ude00'], [''], [42]]) {
    const ours = await through(new TextEncoderStream(), chunks);
    const node = await through(new globalThis.TextEncoderStream(), chunks);
    assert.deepEqual(ours, node, JSON.stringify(chunks));
  }
  assert.equal(new TextEncoderStream().encoding, 'utf-8');
});

test('a response read line by line through pipeThrough, as streaming API clients do', async () => {
  const body = new Response('data: {"a":1}\n\ndata: {"b":"ü"}\n\n').body;
  const text = [];
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) text.push(chunk);
  assert.equal(text.join(''), 'data: {"a":1}\n\ndata: {"b":"ü"}\n\n');
});

test('ReadableStream.from streams an async or sync iterable\'s values, as Node\'s', async () => {
  const collect = async (stream) => {
    const out = [];
    for await (const value of stream) out.push(value);
    return out;
  };
  async function* generated() {
    yield 1;
    yield 'two';
  }
  for (const make of [() => [1, Promise.resolve(2), 3], () => generated(), () => new Set(['a']), () => 'hi']) {
    assert.deepEqual(await collect(readableStreamFrom(make())), await collect(ReadableStream.from(make())));
  }
  for (const bad of [42, null, {}]) {
    assert.throws(() => readableStreamFrom(bad), TypeError);
    assert.throws(() => ReadableStream.from(bad), TypeError);
  }
  // Cancelling returns the iterator, as Node's does.
  let returned = false;
  const iterator = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      return { value: 1, done: false };
    },
    async return() {
      returned = true;
      return { done: true };
    },
  };
  const reader = readableStreamFrom(iterator).getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  await reader.cancel('enough');
  assert.equal(returned, true);
  // Given to a class without it, kept on one that has it.
  class Bare {}
  assert.equal(withNodeApi(Bare).from, readableStreamFrom);
  assert.equal(withNodeApi(ReadableStream).from, ReadableStream.from);
});

test('async iteration of a stream, given to a class that lacks it, reads and cancels as Node\'s', async () => {
  // A ReadableStream class as the engine has it: Node's, without iteration.
  class EngineStream extends ReadableStream {}
  for (const name of ['values', Symbol.asyncIterator]) {
    Object.defineProperty(EngineStream.prototype, name, { value: undefined, configurable: true, writable: true });
  }
  withNodeApi(EngineStream);
  const make = (Class, log) =>
    new Class({
      start(controller) {
        controller.enqueue('a');
        controller.enqueue('b');
      },
      pull(controller) {
        controller.enqueue('c');
        controller.close();
      },
      cancel(reason) {
        log.push(`cancel ${reason}`);
      },
    });
  const run = async (Class) => {
    const log = [];
    for await (const chunk of make(Class, log)) log.push(chunk);
    const early = make(Class, log);
    for await (const chunk of early) {
      log.push(`first ${chunk}`);
      break;
    }
    log.push(`locked ${early.locked}`);
    const kept = make(Class, log);
    for await (const chunk of kept.values({ preventCancel: true })) {
      log.push(`kept ${chunk}`);
      break;
    }
    const reader = kept.getReader();
    log.push(`next ${(await reader.read()).value}`);
    const failing = new Class({
      pull() {
        throw new Error('boom');
      },
    });
    try {
      for await (const chunk of failing) log.push(chunk);
    } catch (error) {
      log.push(`error ${error.message} locked ${failing.locked}`);
    }
    return log;
  };
  assert.deepEqual(await run(EngineStream), await run(ReadableStream));
});
