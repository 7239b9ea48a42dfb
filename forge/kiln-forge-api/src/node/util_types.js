// Node's `util.types`: checks of what a value is, by the engine's own
// internal slots where JavaScript can reach them (a getter or method of the
// class that throws on anything else), as Node's are brand checks, not
// `instanceof` (which a prototype swap fools, and an object from another
// global fails). What only V8 can tell (`isProxy`, `isExternal`,
// `isModuleNamespaceObject`) answers false.

const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const brand = (probe) => (value) => {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    probe(value);
    return true;
  } catch {
    return false;
  }
};
const tag = (value) => Object.prototype.toString.call(value).slice(8, -1);

const typedArrayTag = getter(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag);
const typedArrayOf = (value) => (ArrayBuffer.isView(value) ? typedArrayTag.call(value) : undefined);
const isTyped = (name) => (value) => typedArrayOf(value) === name;

const isMap = brand((v) => Map.prototype.has.call(v));
const isSet = brand((v) => Set.prototype.has.call(v));
const isNumberObject = brand((v) => Number.prototype.valueOf.call(v));
const isStringObject = brand((v) => String.prototype.valueOf.call(v));
const isBooleanObject = brand((v) => Boolean.prototype.valueOf.call(v));
const isBigIntObject = brand((v) => BigInt.prototype.valueOf.call(v));
const isSymbolObject = brand((v) => Symbol.prototype.valueOf.call(v));
const isArrayBuffer = brand((v) => getter(ArrayBuffer.prototype, 'byteLength').call(v));
const isSharedArrayBuffer =
  typeof SharedArrayBuffer === 'function'
    ? brand((v) => getter(SharedArrayBuffer.prototype, 'byteLength').call(v))
    : () => false;
const functionKind = (value) => (typeof value === 'function' ? tag(value) : undefined);
const generatorProto = Object.getPrototypeOf(function* () {}).prototype;
const sourceOf = getter(RegExp.prototype, 'source');
// An iterator has no check without side effects (`next` advances it): its
// tag, as its prototype gives it, the prototype itself excepted.
const iteratorTagged = (name) => {
  const proto = Object.getPrototypeOf(name === 'Map Iterator' ? new Map().entries() : new Set().values());
  return (value) => value !== null && typeof value === 'object' && value !== proto && tag(value) === name;
};

export const types = {
  isDate: brand((v) => Date.prototype.getTime.call(v)),
  // `source` reads any RegExp and throws for anything else but RegExp.prototype.
  isRegExp: (value) => value !== RegExp.prototype && brand((v) => sourceOf.call(v))(value),
  isMap,
  isSet,
  isWeakMap: brand((v) => WeakMap.prototype.has.call(v, {})),
  isWeakSet: brand((v) => WeakSet.prototype.has.call(v, {})),
  isMapIterator: iteratorTagged('Map Iterator'),
  isSetIterator: iteratorTagged('Set Iterator'),
  isPromise: (value) => value instanceof Promise,
  // The tag of an object with the engine's error slot (not one merely made from Error.prototype).
  isNativeError: (value) => value !== null && typeof value === 'object' && tag(value) === 'Error',
  isAsyncFunction: (value) => ['AsyncFunction', 'AsyncGeneratorFunction'].includes(functionKind(value)),
  isGeneratorFunction: (value) => ['GeneratorFunction', 'AsyncGeneratorFunction'].includes(functionKind(value)),
  isGeneratorObject: (value) =>
    value !== null && typeof value === 'object' && (generatorProto.isPrototypeOf(value) || tag(value) === 'AsyncGenerator'),
  isArgumentsObject: (value) => value !== null && typeof value === 'object' && tag(value) === 'Arguments',
  isNumberObject,
  isStringObject,
  isBooleanObject,
  isBigIntObject,
  isSymbolObject,
  isBoxedPrimitive: (value) =>
    isNumberObject(value) || isStringObject(value) || isBooleanObject(value) || isBigIntObject(value) || isSymbolObject(value),
  isArrayBuffer,
  isSharedArrayBuffer,
  isAnyArrayBuffer: (value) => isArrayBuffer(value) || isSharedArrayBuffer(value),
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
  isDataView: (value) => ArrayBuffer.isView(value) && typedArrayOf(value) === undefined,
  isTypedArray: (value) => typedArrayOf(value) !== undefined,
  isUint8Array: isTyped('Uint8Array'),
  isUint8ClampedArray: isTyped('Uint8ClampedArray'),
  isUint16Array: isTyped('Uint16Array'),
  isUint32Array: isTyped('Uint32Array'),
  isInt8Array: isTyped('Int8Array'),
  isInt16Array: isTyped('Int16Array'),
  isInt32Array: isTyped('Int32Array'),
  isFloat32Array: isTyped('Float32Array'),
  isFloat64Array: isTyped('Float64Array'),
  isBigInt64Array: isTyped('BigInt64Array'),
  isBigUint64Array: isTyped('BigUint64Array'),
  isProxy: () => false,
  isExternal: () => false,
  isModuleNamespaceObject: () => false,
  isKeyObject: (value) => value !== null && typeof value === 'object' && value.constructor?.name === 'KeyObject' && typeof value.export === 'function',
  isCryptoKey: (value) => typeof CryptoKey === 'function' && value instanceof CryptoKey,
};
