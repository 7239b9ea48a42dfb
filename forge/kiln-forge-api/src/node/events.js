// Node's `events` module: the `events` npm package (the one browserify
// ships), Node's `EventEmitter` and `once`. Imported by file so that under
// Node it is that package, not Node's own.
import EventEmitter from 'events/events.js';

export { EventEmitter };
export const once = EventEmitter.once;
export default EventEmitter;
