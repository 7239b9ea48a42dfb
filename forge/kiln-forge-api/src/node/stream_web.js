// Node's `stream/web`: the WHATWG streams, which the engine has as globals
// (Node's module gives the same classes as its globals). A class the engine
// lacks is undefined here, as an import of it would be in an older Node.
// `ReadableStream` has Node's `from` and async iteration from the setup
// (handler.js's installGlobals), before any app module runs.
import * as textStreams from './text_streams.js';

export const {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest,
  ReadableByteStreamController,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  WritableStreamDefaultController,
  TransformStream,
  TransformStreamDefaultController,
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  CompressionStream,
  DecompressionStream,
} = globalThis;
// Node's, where the engine has none (text_streams.js).
export const TextEncoderStream = globalThis.TextEncoderStream ?? textStreams.TextEncoderStream;
export const TextDecoderStream = globalThis.TextDecoderStream ?? textStreams.TextDecoderStream;
