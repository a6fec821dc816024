import { refuseUnknownKeys } from "../lib/options.js";
import { StoreError } from "./types.js";

/**
 * Refuses a store factory's options that are not an object (`example` shows a call that works),
 * or that have a key not among `known`: a misspelt `maxSesions` would otherwise leave the
 * default bound in force, a `tabel` the default table.
 */
export function checkStoreOptions(
  factory: string,
  options: unknown,
  known: readonly string[],
  example: string,
): void {
  const invalid = (message: string): never => {
    throw new StoreError("ERR_STORE_OPTIONS_INVALID", `${factory}: ${message}`);
  };
  if (options === null || typeof options !== "object") {
    invalid(`needs an options object: ${example}`);
  }
  refuseUnknownKeys(options as object, known, "", invalid);
}
