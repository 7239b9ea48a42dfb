// The Node.js side of serve's web trigger benchmark (serve/benches/web_trigger.rs):
// Node's `http` server, and for every request a fresh `vm` context running the same
// trivial handler as tests/programs/serve-app's `web_echo` (Forge's request shape in,
// Forge's response shape out). A fresh context per request is what isolating one
// request from the next costs in Node; it is the comparison the issue names.
// The handler is given the environment entries Kiln gives the app (the benchmark passes them
// in this process's environment), so that it answers the same bytes.
// Prints `{"port": N}` once listening on 127.0.0.1.
import http from "node:http";
import vm from "node:vm";

const handler = new vm.Script(`
  const seen = {
    method: request.method,
    userPath: request.userPath,
    headers: request.headers,
    queryParameters: request.queryParameters,
    body: request.body,
    webTriggerUrls: env.KILN_WEBTRIGGER_URLS ?? null,
    greeting: env.GREETING ?? null,
  };
  result = {
    statusCode: 200,
    headers: { "Content-Type": ["application/json"], "X-Served-By": ["serve-app"] },
    body: JSON.stringify(seen),
  };
`);

const env = {
  KILN_WEBTRIGGER_URLS: process.env.KILN_WEBTRIGGER_URLS,
  GREETING: process.env.GREETING,
};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://127.0.0.1");
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value : [value];
    }
    const queryParameters = {};
    for (const [name, value] of url.searchParams) {
      (queryParameters[name] ??= []).push(value);
    }
    const request = {
      method: req.method,
      path: url.pathname,
      userPath: "/",
      headers,
      queryParameters,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    const context = vm.createContext({ request: JSON.parse(JSON.stringify(request)), env: { ...env }, result: null });
    handler.runInContext(context);
    const out = context.result;
    for (const [name, values] of Object.entries(out.headers)) res.setHeader(name, values);
    res.writeHead(out.statusCode);
    res.end(out.body);
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
