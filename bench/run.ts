/**
 * `npm run bench` runs every suite; `npm run bench -- hash` (or ed25519, adversarial, pool, store, proofs, consensus, sim) runs one.
 * Each suite module exports `run(): Promise<BenchTable>`.
 */
import { type BenchTable, report } from './common.js';

const suites: Record<string, () => Promise<{ run: () => Promise<BenchTable> }>> = {
  hash: () => import('./hash.js'),
  ed25519: () => import('./ed25519.js'),
  adversarial: () => import('./adversarial.js'),
  pool: () => import('./pool.js'),
  store: () => import('./store.js'),
  proofs: () => import('./proofs.js'),
  consensus: () => import('./consensus.js'),
  sim: () => import('./sim.js'),
  e2e: () => import('./e2e.js'),
};

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(suites);
for (const name of names) {
  const load = suites[name];
  if (load === undefined) {
    console.error(`unknown benchmark suite ${JSON.stringify(name)}; choose from: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}
for (const name of names) {
  console.error(`running benchmark suite ${name} …`);
  const suite = await (suites[name] as () => Promise<{ run: () => Promise<BenchTable> }>)();
  report(await suite.run());
}
