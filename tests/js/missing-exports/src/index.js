// `panel` and `run` are not in ./resolvers: left over from the template.
export { handler, panel, run } from './resolvers';
