import type { SessionPayload } from "./payload.js";

/** Why a value opened to no session. */
export type OpenFailure =
  /** Not a value of this format at all: wrong version prefix, wrong shape, too long, bad base64url. */
  | "malformed"
  /** The value names a key id that is not (or no longer) in the ring. */
  | "unknown-key"
  /** The HMAC does not match: the value was changed, or made with another key (signed cookie). */
  | "bad-signature"
  /** Authenticated decryption failed: changed, another key, another cookie name (encrypted cookie). */
  | "bad-ciphertext"
  /** Authentic, but past its idle or absolute expiry. */
  | "expired"
  /** Authentic, but not a valid {@link SessionPayload} (made by another version of the code). */
  | "invalid-payload";

/**
 * What `open` returns: the session, or why there is none. `open` never throws: a value that
 * came from the network is data, not an error.
 */
export type OpenResult<Reason extends OpenFailure = OpenFailure> =
  | {
      readonly ok: true;
      readonly payload: SessionPayload;
      /**
       * The id of the key that opened the value. When it is not the codec's `keyId` (the newest
       * key), re-seal the session so that the old key can leave the ring.
       */
      readonly kid: string;
    }
  | {
      readonly ok: false;
      readonly reason: Reason;
      /**
       * With `expired` only: the authentic payload that expired, so that the session layer can
       * say whose session ended and why (idle or absolute).
       */
      readonly payload?: SessionPayload;
    };

/** A stateless session codec: the payload in, a cookie value out, and back. */
export interface SessionCodec<Reason extends OpenFailure = OpenFailure> {
  /** The id of the key that seals: the first of the ring. */
  readonly keyId: string;
  /**
   * The cookie value for `payload`. Throws {@link TransportError} `ERR_TRANSPORT_PAYLOAD_INVALID`
   * for a payload that is not valid, `ERR_TRANSPORT_TOO_LARGE` when the cookie would be over
   * 4096 bytes.
   */
  seal(payload: SessionPayload): string;
  /** The payload of `value` if it is authentic, well formed and not expired. Never throws. */
  open(value: string): OpenResult<Reason>;
}
