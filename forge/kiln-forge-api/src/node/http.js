// Node's `http`: its client, sending through the layer's `fetch` and so
// through Kiln's egress door (http_client.js says what differs from Node).
// `http.request` to a host the manifest does not declare in
// `permissions.external.fetch.backend` fails as `fetch` does, and Kiln's
// host checks every request again. No server: a Kiln app has no sockets.

import * as shared from './http_client.js';

export {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  maxHeaderSize,
  validateHeaderName,
  validateHeaderValue,
} from './http_client.js';

const { clientModule, ...classesAndTables } = shared;
const client = clientModule('http:');

export const { request, get, globalAgent, createServer } = client;

/** Node's parser pool size; there is no parser to pool. */
export function setMaxIdleHTTPParsers() {}

export default { ...classesAndTables, ...client, setMaxIdleHTTPParsers };
