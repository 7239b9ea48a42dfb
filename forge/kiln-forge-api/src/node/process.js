// Node's `process` module: the layer's `process` global (`process.env` holds
// the app's config variables, handler.js and variables.js), nothing else.
// There is no process to exit, signal or spawn from in the sandbox.
const process = globalThis.process ?? (globalThis.process = { env: {} });

export const env = process.env;
export default process;
