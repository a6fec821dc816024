import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readKeyRing } from "../lib/key-ring.js";
import { CsrfError } from "./errors.js";

/** One signing key. The first key of a ring signs; every key verifies. */
export interface CsrfKey {
  /** A short name that travels with each token, so that the right key verifies it. */
  readonly id: string;
  /** At least 32 bytes of secret (a string is taken as UTF-8). */
  readonly secret: string | Uint8Array;
}

export interface TokenCodec {
  /** A new token bound to `binding`, masked afresh (a different string every call). */
  issue(binding: string): string;
  /** True when `token` was issued by this ring for `binding`. Constant-time; never throws. */
  verify(binding: string, token: string): boolean;
}

/**
 * Session-bound CSRF tokens, the OWASP "signed double-submit" construction: a random value and
 * an HMAC-SHA256 over the session binding and that value, with no timestamp. Each token is sent
 * masked (XOR with a fresh random pad, pad included), so that a compressed response never
 * repeats the same secret bytes (BREACH).
 */
export function createTokenCodec(keys: readonly CsrfKey[]): TokenCodec {
  const ring = readKeyRing(keys, "createCsrf", (m) => new CsrfError("ERR_CSRF_KEY_INVALID", m));
  const signer = keys[0] as CsrfKey;

  const mac = (secret: Buffer, binding: string, random: string): Buffer =>
    createHmac("sha256", secret)
      .update(`${binding.length}!${binding}!${random.length}!${random}`)
      .digest();

  return {
    issue(binding) {
      const random = randomBytes(32).toString("base64url");
      const sig = mac(ring.get(signer.id) as Buffer, binding, random).toString("base64url");
      const raw = Buffer.from(`${signer.id}.${random}.${sig}`, "latin1");
      const pad = randomBytes(raw.length);
      for (let i = 0; i < raw.length; i++) raw[i] = (raw[i] as number) ^ (pad[i] as number);
      return Buffer.concat([pad, raw]).toString("base64url");
    },
    verify(binding, token) {
      if (typeof token !== "string" || token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token))
        return false;
      const bytes = Buffer.from(token, "base64url");
      // Only the canonical spelling: base64url leaves spare bits in a last character, and a
      // token with other spare bits must not count as the same token.
      if (bytes.length % 2 !== 0 || bytes.length === 0 || bytes.toString("base64url") !== token) {
        return false;
      }
      const half = bytes.length / 2;
      const raw = Buffer.alloc(half);
      for (let i = 0; i < half; i++) raw[i] = (bytes[i] as number) ^ (bytes[half + i] as number);
      const [id, random, sig, extra] = raw.toString("latin1").split(".");
      if (id === undefined || random === undefined || sig === undefined || extra !== undefined)
        return false;
      const secret = ring.get(id);
      if (secret === undefined) return false;
      const expected = mac(secret, binding, random);
      const given = Buffer.from(sig, "base64url");
      return (
        given.length === expected.length &&
        given.toString("base64url") === sig &&
        timingSafeEqual(given, expected)
      );
    },
  };
}
