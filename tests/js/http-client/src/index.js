// Node's `http` and `https` clients as code written for Node uses them: a
// GET with a callback and a query, a POST written in pieces, a redirect
// answered (not followed), a Host header the app tries to set, and hosts the
// manifest does not declare. And follow-redirects, a package that needs
// `http` and has no browser version: it follows a redirect itself, each of
// its requests a new one through the layer and the host. Nothing here is
// trusted: the host checks every request.
import http from 'http';
import * as https from 'node:https';
import followRedirects from 'follow-redirects';

/** Sends `req`'s body (if any) and resolves with what came back or the error. */
function exchange(start) {
  return new Promise((resolve) => {
    const req = start((res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          message: res.statusMessage,
          contentType: res.headers['content-type'] ?? null,
          location: res.headers.location ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', (error) => resolve({ error: { name: error.name, code: error.code ?? null, message: error.message } }));
  });
}

export const call = async ({ base }) => {
  const url = new URL(base);
  const got = await exchange((onResponse) => http.get(`${base}/hello?x=1`, { headers: { 'X-App': 'node-http', Host: 'evil.example' } }, onResponse));
  const posted = await exchange((onResponse) => {
    const req = http.request(
      { hostname: url.hostname, port: Number(url.port), path: '/items', method: 'POST', headers: { 'Content-Type': 'application/json' } },
      onResponse,
    );
    req.write('{"name":');
    req.end('"Zoë"}');
    return req;
  });
  const moved = await exchange((onResponse) => http.get(`${base}/moved`, onResponse));
  const undeclared = await exchange((onResponse) => http.get('http://undeclared.example.test/', onResponse));
  const tls = await exchange((onResponse) => https.get('https://api.example.test/', onResponse));
  const followed = await exchange((onResponse) => followRedirects.http.get(`${base}/hop`, onResponse));
  const escaped = await exchange((onResponse) => followRedirects.http.get(`${base}/moved`, onResponse));
  return { got, posted, moved, undeclared, tls, followed, escaped };
};
