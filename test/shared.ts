// Locates ../shared (the design, specs and public conformance suites), which sits beside the
// project's checkout and is never copied into it.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SHARED = fileURLToPath(new URL("../../shared/", import.meta.url));

/** The absolute path of `relative` inside ../shared, or undefined when it is not there. */
export function sharedFile(relative: string): string | undefined {
  const p = SHARED + relative;
  return existsSync(p) ? p : undefined;
}

/** Parsed JSON of a ../shared file, or undefined when ../shared is absent. */
export function readSharedJson<T>(relative: string): T | undefined {
  const p = sharedFile(relative);
  return p === undefined ? undefined : (JSON.parse(readFileSync(p, "utf8")) as T);
}

/** The reason given by suites that skip because ../shared is absent. */
export function sharedAbsent(relative: string): string {
  return `../shared/${relative} is absent: this conformance suite runs only beside ../shared`;
}
