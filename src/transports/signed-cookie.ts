/**
 * The signed cookie: the session itself in the cookie, in the clear, with an HMAC-SHA256 that
 * proves this server wrote it.
 *
 * Value: `v1.<kid>.<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, "v1.<kid>.<payload>"))>`
 *
 * - The client can READ everything in the payload (user id, data, times): keep secrets out of
 *   it, or use the encrypted cookie.
 * - A key ring: the first key signs, every listed key verifies, and the key id travels with the
 *   value. To rotate, put a new key first; remove the old one once every session it signed has
 *   expired (its absolute timeout) or been re-sealed (`open` reports the `kid` that verified).
 * - The MAC is compared in constant time over its base64url text, so each value has exactly one
 *   valid spelling. Nothing of the payload is decoded or parsed before the MAC has verified.
 * - A value is only valid until its idle or absolute expiry; revoking one earlier needs a
 *   denylist by `sid` (see capabilities).
 * - Size: a cookie over 4096 bytes (name, "=" and value) is refused at seal time with
 *   `ERR_TRANSPORT_TOO_LARGE`, never split. The payload's JSON may be about 3,000 bytes: 3,023
 *   with the name `__Host-session` and a 2-character key id.
 *
 * @module
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
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

/** The reasons a signed value opens to no session. */
export type SignedOpenFailure =
  | "malformed"
  | "unknown-key"
  | "bad-signature"
  | "expired"
  | "invalid-payload";

export type SignedOpenResult = OpenResult<SignedOpenFailure>;

export interface SignedCodecOptions {
  /** The key ring, newest first: the first key signs, every key verifies. Secrets ≥ 32 bytes. */
  readonly keys: readonly TransportKey[];
  /** The clock, in ms since the epoch, against which expiries are checked. Default Date.now. */
  readonly now?: () => number;
  /**
   * The name of the cookie the value goes in, used only to refuse at seal time a cookie over
   * 4096 bytes (name, "=" and value). Without it, the value alone must leave room for a
   * one-character name.
   */
  readonly cookieName?: string;
}

export type SignedCodec = SessionCodec<SignedOpenFailure>;

const PREFIX = "v1.";
/** The base64url of a 32-byte HMAC-SHA256: 43 characters, no padding. */
const MAC_LENGTH = 43;
const MAC_TEXT = /^[A-Za-z0-9_-]{43}$/;

/**
 * A codec for signed session cookies. Throws {@link TransportError} `ERR_TRANSPORT_KEY_INVALID`
 * for an empty ring, a key id that is not 1-16 of `A-Z a-z 0-9 _ -` or appears twice, or a
 * secret under 32 bytes; `ERR_TRANSPORT_OPTIONS_INVALID` for other bad options.
 *
 * ```ts
 * const codec = createSignedCodec({ keys: [{ id: "2025-06", secret: process.env.SESSION_KEY }] });
 * const value = codec.seal(payload);
 * const r = codec.open(value); // { ok: true, payload, kid } | { ok: false, reason }
 * ```
 */
export function createSignedCodec(options: SignedCodecOptions): SignedCodec {
  const o = readOptions(options, "createSignedCodec");
  const ring = new Map<string, KeyObject>();
  for (const [id, secret] of readKeyRing(o.keys, "createSignedCodec")) {
    ring.set(id, createSecretKey(secret));
  }
  const now = readClock(o.now);
  let nameLength = 1;
  if (o.cookieName !== undefined) {
    if (typeof o.cookieName !== "string" || !isToken(o.cookieName)) {
      throw new TransportError(
        "ERR_TRANSPORT_OPTIONS_INVALID",
        `cookieName ${JSON.stringify(o.cookieName) ?? String(o.cookieName)} is not a cookie name (an RFC 9110 token)`,
      );
    }
    nameLength = o.cookieName.length;
  }
  const what =
    o.cookieName === undefined ? "the signed cookie" : `the signed cookie "${o.cookieName}"`;
  const [keyId, signingKey] = ring.entries().next().value as [string, KeyObject];

  // UTF-8, never latin1: latin1 keeps only the low byte of each character, so "\u0141" would
  // MAC like "A". In UTF-8 any character outside ASCII gives bytes that base64url text cannot.
  const mac = (key: KeyObject, signed: string): string =>
    createHmac("sha256", key).update(signed, "utf8").digest("base64url");

  return {
    keyId,

    seal(payload: SessionPayload): string {
      const json = payloadJson(payload);
      const signed = `${PREFIX}${keyId}.${Buffer.from(json, "utf8").toString("base64url")}`;
      const value = `${signed}.${mac(signingKey, signed)}`;
      refuseTooLarge(what, nameLength, value.length);
      return value;
    },

    open(value: string): SignedOpenResult {
      // A cookie this long cannot exist; refusing it first bounds the work on garbage.
      if (typeof value !== "string" || value.length > MAX_COOKIE_BYTES) return FAIL.malformed;
      if (!value.startsWith(PREFIX)) return FAIL.malformed;
      const kidEnd = value.indexOf(".", PREFIX.length);
      const macDot = value.length - MAC_LENGTH - 1;
      // Exactly four parts, the last of fixed length: the dot before the MAC is the next one
      // after the kid, and the payload between them is not empty.
      if (kidEnd < 0 || macDot <= kidEnd + 1 || value.indexOf(".", kidEnd + 1) !== macDot) {
        return FAIL.malformed;
      }
      const given = value.slice(macDot + 1);
      // Base64url only: then both sides of the comparison below are ASCII, one byte a character.
      if (!MAC_TEXT.test(given)) return FAIL.malformed;
      const kid = value.slice(PREFIX.length, kidEnd);
      const key = ring.get(kid);
      if (key === undefined) return FAIL["unknown-key"];
      // The MAC covers the exact text, so the payload's characters need no check of their own:
      // only base64url text is ever signed.
      const expected = mac(key, value.slice(0, macDot));
      if (!timingSafeEqual(Buffer.from(given, "latin1"), Buffer.from(expected, "latin1"))) {
        return FAIL["bad-signature"];
      }
      const payload = value.slice(kidEnd + 1, macDot);
      const json = Buffer.from(payload, "base64url").toString("utf8");
      return openedPayload(json, kid, now);
    },
  };
}
