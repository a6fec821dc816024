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
  | "ERR_TRANSPORT_PAYLOAD_INVALID";

/**
 * Thrown when a transport is configured in a way that would not protect anything, or asked to
 * write a value it must not write. Reading a value never throws: a tampered, expired or
 * malformed cookie is "no session", reported as an `OpenResult` with a reason.
 */
export class TransportError extends SessionjarError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
