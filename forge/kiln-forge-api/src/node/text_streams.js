// WHATWG stream pieces Node has as globals and the engine lacks:
// `TextDecoderStream` and `TextEncoderStream` (code reading a response line
// by line writes `response.body.pipeThrough(new TextDecoderStream())`, as
// the streaming clients of LLM APIs do), and `ReadableStream.from` (a stream
// of an async or sync iterable) and async iteration of a `ReadableStream`
// (`for await (const chunk of response.body)`). Built on the engine's `TransformStream`,
// `TextDecoder` and `TextEncoder`, as the Encoding and Streams standards
// define them. Compared with Node's own in test/text_streams.test.js.

/** `TextDecoderStream`: bytes in, text out, a character split across chunks kept whole. */
export class TextDecoderStream {
  #decoder;
  #transform;
  constructor(label = 'utf-8', options = {}) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = new globalThis.TransformStream({
      transform(chunk, controller) {
        if (!(chunk instanceof ArrayBuffer) && !ArrayBuffer.isView(chunk)) {
          throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
        }
        const text = decoder.decode(chunk, { stream: true });
        if (text !== '') controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== '') controller.enqueue(text);
      },
    });
  }
  get encoding() {
    return this.#decoder.encoding;
  }
  get fatal() {
    return this.#decoder.fatal;
  }
  get ignoreBOM() {
    return this.#decoder.ignoreBOM;
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return 'TextDecoderStream';
  }
}

/** `TextEncoderStream`: text in, UTF-8 out, a surrogate pair split across chunks kept whole. */
export class TextEncoderStream {
  #transform;
  constructor() {
    const encoder = new TextEncoder();
    let pending = ''; // a high surrogate that ended the last chunk
    this.#transform = new globalThis.TransformStream({
      transform(chunk, controller) {
        let text = pending + String(chunk);
        pending = '';
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pending = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text !== '') controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        // A lone high surrogate at the end is U+FFFD, as the standard says.
        if (pending !== '') controller.enqueue(encoder.encode(pending));
      },
    });
  }
  get encoding() {
    return 'utf-8';
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return 'TextEncoderStream';
  }
}

/** `ReadableStream.from(iterable)`: a stream of an async or sync iterable's values. */
export function readableStreamFrom(iterable) {
  const asyncMethod = iterable?.[Symbol.asyncIterator];
  let iterator;
  if (asyncMethod != null) {
    iterator = asyncMethod.call(iterable);
  } else {
    const syncMethod = iterable?.[Symbol.iterator];
    if (syncMethod == null) {
      throw new TypeError('ReadableStream.from: the argument is not an async iterable or an iterable');
    }
    const sync = syncMethod.call(iterable);
    iterator = {
      async next() {
        const { value, done } = sync.next();
        return { value: await value, done };
      },
      async return(value) {
        return typeof sync.return === 'function' ? sync.return(value) : { value, done: true };
      },
    };
  }
  if (iterator === null || typeof iterator !== 'object') {
    throw new TypeError('ReadableStream.from: the iterator is not an object');
  }
  return new globalThis.ReadableStream(
    {
      async pull(controller) {
        const result = await iterator.next();
        if (result === null || typeof result !== 'object') {
          throw new TypeError('ReadableStream.from: the iterator result is not an object');
        }
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      async cancel(reason) {
        if (typeof iterator.return === 'function') {
          const result = await iterator.return(reason);
          if (result === null || typeof result !== 'object') {
            throw new TypeError('ReadableStream.from: the iterator result is not an object');
          }
        }
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * `stream.values({ preventCancel })` and `for await (const chunk of stream)`:
 * a reader's reads as an async iterator, the stream cancelled when the loop
 * stops early unless `preventCancel`, as the Streams standard defines them.
 */
function values({ preventCancel = false } = {}) {
  const reader = this.getReader();
  let finished = false;
  const finish = () => {
    finished = true;
    reader.releaseLock();
  };
  return {
    async next() {
      if (finished) return { value: undefined, done: true };
      try {
        const result = await reader.read();
        if (result.done) finish();
        return result;
      } catch (error) {
        finish();
        throw error;
      }
    },
    async return(value) {
      if (!finished) {
        const cancelled = preventCancel ? undefined : reader.cancel(value);
        finish();
        await cancelled;
      }
      return { value, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `ReadableStream` (the engine's class) with what Node's has and the engine
 * lacks: `ReadableStream.from`, and async iteration (`values()`,
 * `Symbol.asyncIterator`). Given to the class itself, so that `fetch`'s
 * bodies, instances of it, have them too.
 */
export function withNodeApi(ReadableStream) {
  if (ReadableStream === undefined) return ReadableStream;
  const give = (target, name, value) => {
    if (typeof target[name] !== 'function') {
      Object.defineProperty(target, name, { value, writable: true, configurable: true });
    }
  };
  give(ReadableStream, 'from', readableStreamFrom);
  give(ReadableStream.prototype, 'values', values);
  give(ReadableStream.prototype, Symbol.asyncIterator, ReadableStream.prototype.values);
  return ReadableStream;
}
