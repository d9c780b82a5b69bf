// Tests take free loopback ports from the same helper the quickstart uses.
export { freePort } from '../../src/core/free-port.ts';
