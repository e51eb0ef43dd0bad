/** The same block store suite over memory-level, the backend the simulator runs the store on. */
import { memoryBackend } from './backends.js';
import { blockStoreSuite } from './suite.js';

blockStoreSuite(memoryBackend());
