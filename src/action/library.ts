/** The heavy half of the action (Helia, libp2p, the importer), loaded once the secrets are masked. */
export { pinDirectory, importDirectory, removePins, verifyCid } from '../lib/index.js';
