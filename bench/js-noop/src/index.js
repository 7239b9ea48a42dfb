// The handler both sides run: Forge's shape, doing nothing.
export const noop = async (event, context) => null;
