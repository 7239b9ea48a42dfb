import Resolver from '@forge/resolver';

// A local of a name the index re-exports: not exported, so not what it gets.
const panel = 'the local panel';

const resolver = new Resolver();
resolver.define('getText', ({ payload }) => ({ text: `hello ${payload.name}`, local: panel }));

export const handler = resolver.getDefinitions();
