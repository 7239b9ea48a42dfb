// Node's globals that the engine lacks or has in another shape, injected by
// the build (esbuild's `inject`) wherever an app or a dependency names one
// without defining it, as Node code does: only bundles that use one carry it.
export { Buffer } from './buffer.js';

// Node's timers: `setTimeout` and `setInterval` answer a `Timeout` (with
// `unref()`, `refresh()`, …) where the engine's answer a number.
export { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate } from './timers.js';

// The text streams Node has as globals and the engine lacks (text_streams.js;
// `ReadableStream.from` and async iteration are given to every app by
// handler.js's installGlobals).
export { TextDecoderStream, TextEncoderStream } from './text_streams.js';

// The Web globals Node has and the engine lacks: `navigator` (navigator.js),
// and messaging within the app's instance: `MessageChannel`, `MessagePort`,
// `MessageEvent` (message_port.js) and `BroadcastChannel`.
export { navigator, Navigator } from './navigator.js';
export { MessageChannel, MessagePort } from './message_port.js';
export { MessageEvent } from './message_event.js';
export { BroadcastChannel } from './broadcast_channel.js';
