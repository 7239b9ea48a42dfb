// Node's `https`: the same client as `http` (http_client.js), its requests
// `https:` and port 443 by default. TLS is the host's: Kiln's egress door
// connects and verifies the server's certificate against its own roots, so
// the TLS options Node takes (`ca`, `cert`, `key`, `rejectUnauthorized`,
// `servername`, …) are accepted and not used; in particular
// `rejectUnauthorized: false` cannot turn verification off.

import { Agent as HttpAgent, clientModule } from './http_client.js';

/** An agent of `https:` requests (port 443); as `http.Agent`, it pools nothing. */
export class Agent extends HttpAgent {
  constructor(options = {}) {
    super({ defaultPort: 443, protocol: 'https:', ...options });
  }
}

const client = clientModule('https:');

export const { request, get, createServer } = client;
export const globalAgent = new Agent({ keepAlive: true });

/** Node's `https.Server`: cannot listen in the sandbox. */
export function Server() {
  return createServer();
}

export default { Agent, Server, createServer, get, globalAgent, request };
