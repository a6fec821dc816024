import * as crypto from "node:crypto";

const { createHash, randomBytes } = crypto;

// crypto.hash (Node 20.12 and later) hashes in one call, without a Hash object per token.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: "base64url") => string }).hash;
const sha256 = (s: string): string =>
  oneShot === undefined
    ? createHash("sha256").update(s).digest("base64url")
    : oneShot("sha256", s, "base64url");

// A token is "<shard>.<secret>": 4 base64url characters that are the same for every session of
// one user (so a Redis Cluster store can keep a user's keys in one slot), then 256 random bits.
// Only the secret part needs to be unguessable; the shard is a routing hint, not a secret.
const TOKEN = /^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}$/;

/** The shard tag of a user: 24 bits of the SHA-256 of the user id. Random for anonymous sessions. */
export function shardFor(userId: string | null): string {
  if (userId === null) return randomBytes(3).toString("base64url");
  return sha256(userId).slice(0, 4);
}

/** A new token: the shard, a dot, 256 bits from the CSPRNG in base64url. */
export function newToken(shard: string): string {
  return `${shard}.${randomBytes(32).toString("base64url")}`;
}

/** True when `value` has the shape of a token; anything else is refused before any store lookup. */
export function isWellFormedToken(value: string): boolean {
  return value.length === 48 && TOKEN.test(value);
}

/** The store key of a token: its shard, a dot, and the SHA-256 of the whole token. */
export function storeKey(token: string): string {
  return `${token.slice(0, 4)}.${sha256(token)}`;
}

/** A public session id, for listing and revoking: 128 random bits, unrelated to the token. */
export function newPublicId(): string {
  return randomBytes(16).toString("base64url");
}
