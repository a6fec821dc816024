/** 1 to 16 characters of base64url: no "." (the separator of the token and value formats). */
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * True for a secret no random source would give: fewer than 8 distinct bytes ("x".repeat(32),
 * "changeme" four times), or one block repeated ("0123456789abcdef" twice). 32 random bytes are
 * neither, short of odds near 2^-100; a weak passphrase may still pass, so this only catches
 * placeholders left in configuration.
 */
export function isPlaceholderSecret(bytes: Buffer): boolean {
  if (new Set(bytes).size < 8) return true;
  for (let period = 1; period <= bytes.length / 2; period++) {
    let i = period;
    while (i < bytes.length && bytes[i] === bytes[i - period]) i++;
    if (i === bytes.length) return true;
  }
  return false;
}

/**
 * Checks a ring of `{ id, secret }` keys, as a caller wrote it (nothing is trusted: the secret
 * often comes from an environment variable that may be unset), and returns each key's secret as
 * a Buffer of its own, by id, in the ring's order (the first entry signs or seals). Every
 * problem is thrown as `fail(message)`, so that each module keeps its own error class and code.
 */
export function readKeyRing(
  keys: unknown,
  what: string,
  fail: (message: string) => Error,
): Map<string, Buffer> {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw fail(
      `${what} needs keys: [{ id, secret }, …], newest first (the first makes new values, all are accepted). Make a secret with crypto.randomBytes(32)`,
    );
  }
  const ring = new Map<string, Buffer>();
  for (const k of keys as unknown[]) {
    if (k === null || typeof k !== "object") throw fail("each key must be { id, secret }");
    const { id, secret } = k as { id?: unknown; secret?: unknown };
    if (typeof id !== "string" || !KEY_ID.test(id)) {
      throw fail(
        `key id ${JSON.stringify(id) ?? String(id)} must be 1-16 characters of A-Z a-z 0-9 _ -`,
      );
    }
    if (ring.has(id)) throw fail(`key id "${id}" appears twice: every key needs its own id`);
    let bytes: Buffer;
    if (typeof secret === "string") bytes = Buffer.from(secret, "utf8");
    else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
    else {
      throw fail(
        `key "${id}" has no secret (${secret === undefined ? "undefined: is its environment variable set?" : typeof secret}): give a string or a Uint8Array of at least 32 random bytes`,
      );
    }
    if (bytes.length === 0) {
      throw fail(
        `key "${id}" has an empty secret (is its environment variable set? \`?? ""\` turns an unset one into this): give at least 32 random bytes`,
      );
    }
    if (bytes.length < 32) {
      throw fail(
        `key "${id}" has ${bytes.length} bytes of secret; use at least 32 random bytes (crypto.randomBytes(32))`,
      );
    }
    if (isPlaceholderSecret(bytes)) {
      throw fail(
        `key "${id}" is not a random secret (a few characters repeated, like a placeholder); use at least 32 random bytes (crypto.randomBytes(32))`,
      );
    }
    ring.set(id, bytes);
  }
  return ring;
}
