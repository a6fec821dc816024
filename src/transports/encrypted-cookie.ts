/**
 * The encrypted cookie: the session itself in the cookie, sealed with AES-256-GCM, so that the
 * client can neither read nor change it.
 *
 * Value: `v1.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`, with a fresh 96-bit IV from the CSPRNG
 * for every seal (drawn 256 IVs at a time, each used once) and a 128-bit tag.
 *
 * - Each key of the ring is stretched into its AES key by HKDF-SHA256 (empty salt, info
 *   `sessionjar/encrypted-cookie/v1`): the AES key is never the raw secret, so a secret also
 *   used for an HMAC elsewhere is still not one key under two algorithms.
 * - The associated data is `v1|<cookieName>`: a value sealed for one cookie name, or by another
 *   version of the format, does not open under any other.
 * - Random 96-bit IVs are safe for about 2^32 seals per key (NIST SP 800-38D); rotating the
 *   key every few months keeps any real server far below that.
 * - **Size: refused, not chunked.** A value whose cookie (name, "=" and value) would be over
 *   4096 bytes, which browsers drop, makes `seal` throw `ERR_TRANSPORT_TOO_LARGE` with the size
 *   and what to do. Splitting it across several cookies would work until the user's other
 *   cookies push the request past a server's header limit (8 KB in many proxies, 16 KB in
 *   Node), or one chunk is lost and the session silently breaks; a session that large belongs
 *   in a store. Sealing adds 28 bytes (IV and tag) and base64url adds a third, so a payload's
 *   JSON may be about 3,000 bytes: 3,028 with the name `__Host-session` and a 2-character key id.
 * - Like the signed cookie, a value is valid until its idle or absolute expiry; revoking one
 *   earlier needs a denylist by `sid` (see capabilities).
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomFillSync,
} from "node:crypto";
import { isToken } from "../cookie/chars.js";
import { FAIL, openedPayload, payloadJson, refuseTooLarge } from "./codec-common.js";
import { TransportError } from "./errors.js";
import {
  MAX_COOKIE_BYTES,
  readClock,
  readKeyRing,
  readOptions,
  type TransportKey,
} from "./keys.js";
import type { SessionPayload } from "./payload.js";
import type { OpenResult, SessionCodec } from "./types.js";

/** The reasons an encrypted value opens to no session. */
export type EncryptedOpenFailure =
  | "malformed"
  | "unknown-key"
  | "bad-ciphertext"
  | "expired"
  | "invalid-payload";

export type EncryptedOpenResult = OpenResult<EncryptedOpenFailure>;

export interface EncryptedCodecOptions {
  /** The key ring, newest first: the first key seals, every key opens. Secrets ≥ 32 bytes. */
  readonly keys: readonly TransportKey[];
  /**
   * The name of the cookie the value goes in, e.g. `__Host-session`. It is bound to every value
   * as associated data, and counts towards the 4096-byte limit.
   */
  readonly cookieName: string;
  /** The clock, in ms since the epoch, against which expiries are checked. Default Date.now. */
  readonly now?: () => number;
}

export type EncryptedCodec = SessionCodec<EncryptedOpenFailure>;

/** The HKDF info of the AES keys; a new format version gets a new one. */
export const ENCRYPTED_COOKIE_HKDF_INFO = "sessionjar/encrypted-cookie/v1";

const PREFIX = "v1.";
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The shortest sealed body: IV, one byte of ciphertext, tag. */
const MIN_BODY = IV_BYTES + 1 + TAG_BYTES;
/** IVs are drawn from the CSPRNG this many at a time: one call per IV would cost more than the AES. */
const IVS_PER_FILL = 256;
/**
 * A codec for encrypted session cookies. Throws {@link TransportError}
 * `ERR_TRANSPORT_KEY_INVALID` for an empty ring, a key id that is not 1-16 of `A-Z a-z 0-9 _ -`
 * or appears twice, or a secret under 32 bytes; `ERR_TRANSPORT_OPTIONS_INVALID` for a missing or
 * invalid cookie name or clock.
 *
 * ```ts
 * const codec = createEncryptedCodec({
 *   keys: [{ id: "2025-06", secret: process.env.SESSION_KEY }],
 *   cookieName: "__Host-session",
 * });
 * const value = codec.seal(payload); // throws ERR_TRANSPORT_TOO_LARGE past 4096 bytes
 * const r = codec.open(value); // { ok: true, payload, kid } | { ok: false, reason }
 * ```
 */
export function createEncryptedCodec(options: EncryptedCodecOptions): EncryptedCodec {
  const o = readOptions(options, "createEncryptedCodec");
  const cookieName = o.cookieName;
  if (typeof cookieName !== "string" || !isToken(cookieName)) {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      `createEncryptedCodec needs cookieName, the name of the cookie the value goes in (e.g. "__Host-session"); got ${JSON.stringify(cookieName) ?? String(cookieName)}`,
    );
  }
  const ring = new Map<string, KeyObject>();
  for (const [id, secret] of readKeyRing(o.keys, "createEncryptedCodec")) {
    const key = hkdfSync("sha256", secret, Buffer.alloc(0), ENCRYPTED_COOKIE_HKDF_INFO, 32);
    ring.set(id, createSecretKey(Buffer.from(key)));
  }
  const now = readClock(o.now);
  const aad = Buffer.from(`v1|${cookieName}`, "latin1");
  const what = `the encrypted cookie "${cookieName}"`;
  const [keyId, sealingKey] = ring.entries().next().value as [string, KeyObject];
  /** The value's characters before the base64url of the sealed body. */
  const head = PREFIX.length + keyId.length + 1;
  // Fresh random bytes, each used once as an IV and then passed over (IVs are public; their
  // only requirement is never to repeat under one key).
  const ivPool = Buffer.alloc(IV_BYTES * IVS_PER_FILL);
  let ivOffset = ivPool.length;
  const nextIv = (): Buffer => {
    if (ivOffset === ivPool.length) {
      randomFillSync(ivPool);
      ivOffset = 0;
    }
    const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
    ivOffset += IV_BYTES;
    return iv;
  };

  return {
    keyId,

    seal(payload: SessionPayload): string {
      const plain = Buffer.from(payloadJson(payload), "utf8");
      // Refuse before encrypting: the length of the base64url of the sealed body is known.
      const bodyLength = IV_BYTES + plain.length + TAG_BYTES;
      refuseTooLarge(what, cookieName.length, head + Math.ceil((bodyLength * 4) / 3));
      const iv = nextIv();
      const cipher = createCipheriv("aes-256-gcm", sealingKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${keyId}.${body.toString("base64url")}`;
    },

    open(value: string): EncryptedOpenResult {
      // A cookie this long cannot exist; refusing it first bounds the work on garbage.
      if (typeof value !== "string" || value.length > MAX_COOKIE_BYTES) return FAIL.malformed;
      if (!value.startsWith(PREFIX)) return FAIL.malformed;
      const kidEnd = value.indexOf(".", PREFIX.length);
      if (kidEnd < 0) return FAIL.malformed;
      const sealed = value.slice(kidEnd + 1);
      const body = Buffer.from(sealed, "base64url");
      // Node's decoder skips characters outside the alphabet and ignores the unused low bits
      // of the last one: accept only the one spelling Node writes for these bytes, so that a
      // session has exactly one valid value.
      if (body.length < MIN_BODY || body.toString("base64url") !== sealed) return FAIL.malformed;
      const kid = value.slice(PREFIX.length, kidEnd);
      const key = ring.get(kid);
      if (key === undefined) return FAIL["unknown-key"];
      let plain: Buffer;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, body.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(aad);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const first = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
        // final() throws unless the tag verifies; nothing decrypted is used before it has.
        const last = decipher.final();
        plain = last.length === 0 ? first : Buffer.concat([first, last]);
      } catch {
        return FAIL["bad-ciphertext"];
      }
      return openedPayload(plain.toString("utf8"), kid, now);
    },
  };
}
