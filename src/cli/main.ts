#!/usr/bin/env node
// The `consortium-ledger` executable; the commands live in program.ts.
import { main } from './program.js';

await main(process.argv);
