/** Where the local stack keeps its tools and state, all inside the project and ignored by git. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE_DIR = path.join(PROJECT_ROOT, '.cache');
/** `.b3iq/`, or B3IQ_LOCAL_DIR (the dev command's own test uses a temporary one). */
const LOCAL_DIR = process.env.B3IQ_LOCAL_DIR ?? path.join(PROJECT_ROOT, '.b3iq');
const NODE_BIN = path.join(PROJECT_ROOT, 'node_modules', '.bin');

export { CACHE_DIR, LOCAL_DIR, NODE_BIN, PROJECT_ROOT };
