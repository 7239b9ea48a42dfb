// Node's `string_decoder`: the `string_decoder` npm package (the Node.js
// project's copy of Node's module, the one readable-stream and browserify
// use), over the layer's Buffer. Imported by file so that under Node it is
// that package, not Node's own.
import decoderPackage from 'string_decoder/lib/string_decoder.js';

export const { StringDecoder } = decoderPackage;
export default decoderPackage;
