/** The block store suite over LevelDB (classic-level), in temporary directories. */
import { levelBackend } from './backends.js';
import { blockStoreSuite } from './suite.js';

blockStoreSuite(levelBackend());
