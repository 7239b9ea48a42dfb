// Node's `url` module, as far as it is the WHATWG URL the engine has:
// `URL` and `URLSearchParams`. The legacy `url.parse` and file URLs are not
// provided (there are no files in the sandbox).
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;

export default { URL, URLSearchParams };
