import { SessionjarError } from "../errors.js";

/** Every code a {@link TransportError} can carry. */
export type TransportErrorCode =
  /** The key ring is empty, a key id is malformed or repeated, or a secret is under 32 bytes. */
  | "ERR_TRANSPORT_KEY_INVALID"
  /** The sealed value would not fit in one cookie (4096 bytes for name, "=" and value). */
  | "ERR_TRANSPORT_TOO_LARGE"
  /** An option other than the keys is missing or wrong (a cookie name, the clock). */
  | "ERR_TRANSPORT_OPTIONS_INVALID"
  /** `seal` was given something that is not a valid session payload. */
  | "ERR_TRANSPORT_PAYLOAD_INVALID"
  /** A key of a JWT codec is missing, repeated, of the wrong type for its `alg`, or too short. */
  | "ERR_JWT_KEY_INVALID"
  /** An option of a JWT codec other than the keys is missing or wrong (issuer, audience, TTL…). */
  | "ERR_JWT_OPTIONS_INVALID"
  /** `sign` was given claims it must not write: reserved ones the codec sets, or non-JSON. */
  | "ERR_JWT_CLAIMS_INVALID"
  /** `sign` was called on a codec that holds no private or secret key (verify-only). */
  | "ERR_JWT_NO_SIGNING_KEY"
  /** The remote JWKS could not be fetched or read: answer 503, the token may well be valid. */
  | "ERR_JWT_JWKS_UNAVAILABLE"
  /** A `WWW-Authenticate` parameter holds characters RFC 6750 does not allow. */
  | "ERR_BEARER_CHALLENGE_INVALID"
  /** An option of the refresh-token issuer or its store is missing or wrong. */
  | "ERR_REFRESH_OPTIONS_INVALID"
  /** An option of a revocation store is missing or wrong. */
  | "ERR_REVOCATION_OPTIONS_INVALID";

/**
 * The one error of `sessionjar/transports` (codecs, JWT, bearer, refresh tokens, revocation):
 * thrown when a building block is configured in a way that would not protect anything, or asked
 * to write something it must not. Reading a credential never throws on bad input: a tampered,
 * expired or malformed cookie or token is "no session", a result with a reason. The one
 * exception is `ERR_JWT_JWKS_UNAVAILABLE`: the key server is down, which says nothing about the
 * token. A store that is down throws the stores' own `StoreError` (`ERR_STORE_UNAVAILABLE`).
 */
export class TransportError extends SessionjarError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
