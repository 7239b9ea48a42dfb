// The WHATWG stream pieces Node has as globals and the engine lacks, as code
// written for Node uses them: a response read line by line through
// `TextDecoderStream` (as LLM APIs' streaming clients read server-sent
// events), `TextEncoderStream`, and `ReadableStream.from`.
import { TextDecoderStream as FromModule } from 'node:stream/web';

export const run = async () => {
  const body = new Response(new Uint8Array([...new TextEncoder().encode('data: ü€\n\ndata: 😀\n\n')])).body;
  const events = [];
  let buffered = '';
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    const parts = buffered.split('\n\n');
    buffered = parts.pop();
    events.push(...parts.map((part) => part.replace(/^data: /, '')));
  }
  const encoded = [];
  for await (const bytes of ReadableStream.from(['a\ud83d', '\ude00']).pipeThrough(new TextEncoderStream())) {
    encoded.push(...bytes);
  }
  async function* pages() {
    yield { page: 1 };
    yield { page: 2 };
  }
  const pages_ = [];
  for await (const page of ReadableStream.from(pages())) pages_.push(page.page);
  // A body iterated as Node code does, with no stream class named.
  const direct = [];
  for await (const bytes of new Response('plain body').body) direct.push(new TextDecoder().decode(bytes));
  return {
    direct: direct.join(''),
    events,
    encoded,
    pages: pages_,
    sameClass: FromModule === TextDecoderStream,
    fromBody: typeof body.constructor.from,
  };
};
