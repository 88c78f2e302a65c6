export { formatBytes, formatMs, plural } from '../lib/index.js';
