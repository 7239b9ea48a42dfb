// The Web globals Node 22 has and the engine lacks, as code written for Node
// uses them: `navigator` to tell what it runs on, a `MessageChannel` to run
// work as a task of its own after the current microtasks (as React's
// scheduler does), and a `BroadcastChannel` between two parts of the app.

export const run = async () => {
  const order = [];
  const { port1, port2 } = new MessageChannel();
  const received = await new Promise((resolve) => {
    port2.onmessage = (event) => {
      order.push(`message ${event.data.n}`);
      if (event.data.n === 2) resolve(event);
    };
    const sent = { n: 1, when: new Date(0), tags: new Map([['a', 1]]) };
    port1.postMessage(sent);
    sent.n = 99; // a clone was taken at the post
    port1.postMessage({ n: 2, when: new Date(0), tags: new Map([['a', 1]]) });
    Promise.resolve().then(() => order.push('microtask'));
    order.push('sync');
  });
  let uncloneable;
  try {
    port1.postMessage({ run() {} });
  } catch (error) {
    uncloneable = error.name;
  }
  const closed = new Promise((resolve) => port2.addEventListener('close', () => resolve('closed')));
  port1.close();
  port1.postMessage('after close'); // dropped, as in Node

  const buffer = new Uint8Array([1, 2, 3]).buffer;
  const transfer = new MessageChannel();
  const moved = new Promise((resolve) => {
    transfer.port2.onmessage = (event) => resolve([...new Uint8Array(event.data)]);
  });
  transfer.port1.postMessage(buffer, [buffer]);

  const heard = [];
  const sender = new BroadcastChannel('sync');
  const receiver = new BroadcastChannel('sync');
  sender.onmessage = () => heard.push('the sender heard itself');
  const broadcast = await new Promise((resolve) => {
    receiver.addEventListener('message', (event) => resolve(event.data));
    sender.postMessage({ issue: 'KILN-1' });
  });
  sender.close();
  receiver.close();
  let postClosed;
  try {
    sender.postMessage(1);
  } catch (error) {
    postClosed = error.name;
  }
  const movedBytes = await moved;
  transfer.port1.close();

  return {
    navigator: {
      tag: Object.prototype.toString.call(navigator),
      userAgent: navigator.userAgent,
      platform: navigator.platform,
      language: navigator.language,
      languages: navigator.languages,
      frozen: Object.isFrozen(navigator.languages),
      hardwareConcurrency: navigator.hardwareConcurrency,
      version: process.version,
    },
    order,
    event: {
      isMessageEvent: received instanceof MessageEvent,
      isEvent: received instanceof Event,
      targetIsPort: received.target === port2,
      portIsMessagePort: port2 instanceof MessagePort,
      ports: received.ports,
      date: received.data.when instanceof Date,
      map: received.data.tags instanceof Map,
    },
    uncloneable,
    closed: await closed,
    moved: { sender: buffer.byteLength, received: movedBytes },
    broadcast,
    heard,
    postClosed,
  };
};
