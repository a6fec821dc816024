/**
 * sessionjar/stores: the SessionStore interface and the embedded memory store. The Redis,
 * PostgreSQL and SQLite stores have their own subpaths, so that only the client you use loads.
 *
 * @module
 */
export { shardFor } from "../session/tokens.js";
export { type MemoryStoreOptions, memoryStore } from "./memory.js";
export {
  type CreateOptions,
  type RenameOptions,
  type SessionPatch,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
  StoreError,
  type StoreErrorCode,
} from "./types.js";
