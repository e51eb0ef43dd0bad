// Worker entry for running the pool from its TypeScript sources (vitest, `npm run bench` under
// tsx): a worker thread does not inherit vitest's transform, so register tsx in this thread
// and load worker.ts through it. dist/ never uses this file; it runs dist/src/pool/worker.js.
import { register } from 'tsx/esm/api';

register();
const { default: handleTask } = await import('./worker.ts');

export default handleTask;
