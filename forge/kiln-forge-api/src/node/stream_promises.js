// Node's `stream/promises`: `pipeline` and `finished` as promises, from the
// same readable-stream as the layer's `stream` (stream.js).
import promises from 'readable-stream/lib/stream/promises.js';

export const { pipeline, finished } = promises;
export default promises;
