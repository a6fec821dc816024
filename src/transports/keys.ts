import { readKeyRing as readRing } from "../lib/key-ring.js";
import { TransportError } from "./errors.js";

/** One key of a ring. The first key of a ring seals; every key opens. */
export interface TransportKey {
  /** A short name that travels with each value, so that the right key opens it. */
  readonly id: string;
  /** At least 32 bytes of secret (a string is taken as UTF-8): `crypto.randomBytes(32)`. */
  readonly secret: string | Uint8Array;
}

/** The longest cookie browsers store: name, "=" and value together (RFC 6265bis 5.6 step 5). */
export const MAX_COOKIE_BYTES = 4096;

/**
 * Checks a key ring and returns each key's secret as a Buffer of its own, by id, in the ring's
 * order (the first entry seals). Throws {@link TransportError} `ERR_TRANSPORT_KEY_INVALID`.
 */
export function readKeyRing(keys: unknown, what: string): Map<string, Buffer> {
  return readRing(keys, what, (m) => new TransportError("ERR_TRANSPORT_KEY_INVALID", m));
}

/** Returns `now`, checked, or Date.now. Throws `ERR_TRANSPORT_OPTIONS_INVALID`. */
export function readClock(now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== "function") {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      "now must be a function returning milliseconds since the epoch (Date.now)",
    );
  }
  return now as () => number;
}

/** Checks the options object itself. Throws `ERR_TRANSPORT_OPTIONS_INVALID`. */
export function readOptions(options: unknown, what: string): Record<string, unknown> {
  if (options === null || typeof options !== "object") {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      `${what} needs options: { keys: [{ id, secret }, …] }`,
    );
  }
  return options as Record<string, unknown>;
}
