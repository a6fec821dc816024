import { SessionjarError } from "../errors.js";

/** Every code an {@link AuditError} can carry. */
export type AuditErrorCode =
  /** A HAR file that is not JSON, has no `log.entries` array, or headers that are not a list. */
  | "ERR_AUDIT_HAR_INVALID"
  /** Raw headers that hold no header line at all, or a URL that is not http(s). */
  | "ERR_AUDIT_INPUT_INVALID"
  /** An option of the wrong type or range (a negative lifetime, an unknown severity). */
  | "ERR_AUDIT_OPTIONS_INVALID"
  /** The URL could not be fetched (DNS, TLS, refused, timeout) or redirected too often. */
  | "ERR_AUDIT_FETCH_FAILED";

/** Thrown by `sessionjar/audit` for input it cannot read; a finding is never an error. */
export class AuditError extends SessionjarError {
  declare readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
