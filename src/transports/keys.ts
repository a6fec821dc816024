import { TransportError } from "./errors.js";

/** One key of a ring. The first key of a ring seals; every key opens. */
export interface TransportKey {
  /** A short name that travels with each value, so that the right key opens it. */
  readonly id: string;
  /** At least 32 bytes of secret (a string is taken as UTF-8): `crypto.randomBytes(32)`. */
  readonly secret: string | Uint8Array;
}

/** 1 to 16 characters of base64url: no "." (the separator of the value formats). */
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/** The longest cookie browsers store: name, "=" and value together (RFC 6265bis 5.6 step 5). */
export const MAX_COOKIE_BYTES = 4096;

/**
 * Checks a key ring and returns each key's secret as a Buffer of its own, by id, in the ring's
 * order (the first entry seals). Throws {@link TransportError} `ERR_TRANSPORT_KEY_INVALID`.
 */
export function readKeyRing(keys: unknown, what: string): Map<string, Buffer> {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TransportError(
      "ERR_TRANSPORT_KEY_INVALID",
      `${what} needs keys: [{ id, secret }, …], newest first: the first seals, all open. Make a secret with crypto.randomBytes(32)`,
    );
  }
  const ring = new Map<string, Buffer>();
  for (const k of keys as unknown[]) {
    if (k === null || typeof k !== "object") {
      throw new TransportError("ERR_TRANSPORT_KEY_INVALID", "each key must be { id, secret }");
    }
    const { id, secret } = k as { id?: unknown; secret?: unknown };
    if (typeof id !== "string" || !KEY_ID.test(id)) {
      throw new TransportError(
        "ERR_TRANSPORT_KEY_INVALID",
        `key id ${JSON.stringify(id) ?? String(id)} must be 1-16 characters of A-Z a-z 0-9 _ -`,
      );
    }
    if (ring.has(id)) {
      throw new TransportError(
        "ERR_TRANSPORT_KEY_INVALID",
        `key id "${id}" appears twice: every key needs its own id`,
      );
    }
    let bytes: Buffer;
    if (typeof secret === "string") bytes = Buffer.from(secret, "utf8");
    else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
    else {
      throw new TransportError(
        "ERR_TRANSPORT_KEY_INVALID",
        `key "${id}" has no secret: give a string or a Uint8Array of at least 32 random bytes`,
      );
    }
    if (bytes.length < 32) {
      throw new TransportError(
        "ERR_TRANSPORT_KEY_INVALID",
        `key "${id}" has ${bytes.length} bytes of secret; use at least 32 random bytes (crypto.randomBytes(32))`,
      );
    }
    ring.set(id, bytes);
  }
  return ring;
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
