export { importDirectory, importTree } from './import-directory.js';
export { PROFILES, DEFAULT_PROFILE, isProfileName, resolveProfile } from './profiles.js';
export { treeFromEntries, bytesEntry } from './tree.js';
export type { TreeEntry, FileEntry, DirEntry, SymlinkEntry, MemoryEntry } from './tree.js';
export type {
  BlockSink,
  ImportOptions,
  ImportProgressEvent,
  ImportResult,
  ProfileName,
  ProfileOverrides,
  ProfileParams,
  SkippedEntry,
} from './types.js';
