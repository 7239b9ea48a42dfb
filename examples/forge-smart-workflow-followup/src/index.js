export { handler } from './resolvers';
export { onIssueUpdated } from './trigger';
