// Node's `stream`, `stream/promises`, `stream/web` and `string_decoder` as
// the layer gives them (src/node/stream.cjs, …: readable-stream 4 and the
// string_decoder package), against Node's own: the same shapes, the same
// data through the same pipelines, the same decoded text.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realStream from 'node:stream';
import * as realPromises from 'node:stream/promises';
import { StringDecoder as RealDecoder } from 'node:string_decoder';
import { createRequire } from 'node:module';

import Stream from '../src/node/stream.cjs';
import * as promises from '../src/node/stream_promises.js';
import * as web from '../src/node/stream_web.js';
import { StringDecoder } from '../src/node/string_decoder.js';
import EventEmitter from '../src/node/events.cjs';

const require = createRequire(import.meta.url);
// Node's lexer cannot see the properties the module sets one by one (esbuild, which
// bundles it for apps, can: `import { Readable } from 'stream'` works there).
const { Readable, Transform, Writable, PassThrough, pipeline } = Stream;

test('require() of stream and events gives the class itself, as Node\'s does', () => {
  const stream = require('../src/node/stream.cjs');
  assert.equal(typeof stream, typeof require('node:stream'));
  assert.equal(stream.Stream, stream);
  // An emitter (of Node's events under Node, of the layer's in a bundle).
  assert.equal(typeof new stream().on, 'function');
  const events = require('../src/node/events.cjs');
  assert.equal(typeof events, typeof require('node:events'));
  assert.equal(events.EventEmitter, events);
  assert.equal(typeof events.once, 'function');
  // Old code extends it by hand, as xml2js does.
  function Parser() {
    events.call(this);
  }
  Object.setPrototypeOf(Parser.prototype, events.prototype);
  const parser = new Parser();
  let heard = null;
  parser.on('end', (value) => {
    heard = value;
  });
  parser.emit('end', 42);
  parser.removeAllListeners();
  assert.equal(heard, 42);
});

test('the module has Node\'s names', () => {
  for (const name of ['Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough', 'pipeline', 'finished', 'addAbortSignal', 'compose', 'destroy', 'isDisturbed', 'isErrored', 'isReadable', 'promises', 'Stream']) {
    assert.equal(typeof realStream[name], typeof Stream[name], name);
  }
  assert.equal(typeof promises.pipeline, typeof realPromises.pipeline);
  assert.equal(typeof promises.finished, typeof realPromises.finished);
  assert.equal(Stream.promises.pipeline, promises.pipeline);
  assert.equal(web.ReadableStream, globalThis.ReadableStream);
  assert.equal(web.TransformStream, globalThis.TransformStream);
});

/** Lines of `chunks`, upper-cased, through a Transform and a pipeline of `api`. */
async function throughPipeline(api, usePromises, chunks) {
  const upper = new api.Transform({
    transform(chunk, _encoding, done) {
      done(null, chunk.toString().toUpperCase());
    },
  });
  const seen = [];
  const sink = new api.Writable({
    write(chunk, _encoding, done) {
      seen.push(chunk.toString());
      done();
    },
  });
  const source = api.Readable.from(chunks);
  if (usePromises) {
    await usePromises.pipeline(source, upper, sink);
  } else {
    await new Promise((resolve, reject) => api.pipeline(source, upper, sink, (error) => (error ? reject(error) : resolve())));
  }
  return seen;
}

test('data goes through a pipeline as through Node\'s', async () => {
  const chunks = ['jira ', 'kiln ', '✓ done'];
  const ours = { Readable, Transform, Writable, pipeline };
  assert.deepEqual(await throughPipeline(ours, null, chunks), await throughPipeline(realStream, null, chunks));
  assert.deepEqual(await throughPipeline(ours, promises, chunks), await throughPipeline(realStream, realPromises, chunks));
});

test('a readable is read as Node\'s: events, async iteration and errors', async () => {
  async function read(api) {
    const events = [];
    const readable = new api.Readable({ read() {} });
    readable.on('data', (chunk) => events.push(`data ${chunk}`));
    readable.on('end', () => events.push('end'));
    readable.push('a');
    readable.push('b');
    readable.push(null);
    await new Promise((resolve) => readable.on('close', resolve));
    const iterated = [];
    for await (const chunk of api.Readable.from(['x', 'y'])) iterated.push(chunk);
    const failing = new api.PassThrough();
    const error = await new Promise((resolve) => {
      failing.on('error', (e) => resolve(e.message));
      failing.destroy(new Error('broken'));
    });
    return { events, iterated, error };
  }
  assert.deepEqual(await read({ Readable, PassThrough }), await read(realStream));
});

test('string_decoder decodes split characters as Node\'s', () => {
  const text = 'Jira ✓ — KILN-1 🎉 é';
  const bytes = Buffer.from(text, 'utf8');
  for (const encoding of ['utf8', 'utf16le', 'base64', 'hex', 'latin1']) {
    const encoded = encoding === 'utf8' ? bytes : Buffer.from(Buffer.from(text, 'utf8').toString(encoding === 'latin1' ? 'latin1' : 'utf8'), encoding === 'utf16le' ? 'utf16le' : 'utf8');
    for (let size = 1; size <= 4; size += 1) {
      const ours = new StringDecoder(encoding);
      const theirs = new RealDecoder(encoding);
      let a = '';
      let b = '';
      for (let i = 0; i < encoded.length; i += size) {
        a += ours.write(encoded.subarray(i, i + size));
        b += theirs.write(encoded.subarray(i, i + size));
      }
      assert.equal(a + ours.end(), b + theirs.end(), `${encoding} by ${size}`);
    }
  }
  // A truncated character at the end.
  const ours = new StringDecoder('utf8');
  const theirs = new RealDecoder('utf8');
  assert.equal(ours.write(bytes.subarray(0, 6)) + ours.end(), theirs.write(bytes.subarray(0, 6)) + theirs.end());
});
