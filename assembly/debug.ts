// The debug build's entry (asconfig.json, target "debug"): everything the release module
// exports, plus the test hooks, which the release module users load never carries.

export * from './index';
export * from './ed25519/test-hooks';
export { sha256ManyScalar } from './sha256';
