import { SessionjarError } from "../errors.js";

/** Every code a {@link CsrfError} can carry. */
export type CsrfErrorCode = "ERR_CSRF_OPTIONS_INVALID" | "ERR_CSRF_KEY_INVALID";

/** Thrown when the CSRF defence is configured in a way that would not protect anything. */
export class CsrfError extends SessionjarError {
  declare readonly code: CsrfErrorCode;
}

/** Why a request was refused: the code of the 403 body and of the `csrf-rejected` event. */
export type CsrfReason =
  /** No token in `X-CSRF-Token` nor in the `csrf_token` form field. */
  | "csrf_token_missing"
  /** A token was sent but is not one this server issued for this session. */
  | "csrf_token_invalid"
  /** `Sec-Fetch-Site: cross-site` from an origin that is not trusted. */
  | "cross_site_request"
  /** `Sec-Fetch-Site: same-site` (a sibling subdomain) while siblings are not trusted. */
  | "same_site_request"
  /** `Origin` is neither the application's origin nor a trusted one. */
  | "origin_mismatch"
  /** No `Origin`; the `Referer` is of another origin. */
  | "referer_mismatch"
  /** `Origin: null` (sandboxed frames, some redirects, file: pages) while not allowed. */
  | "null_origin"
  /** Neither `Sec-Fetch-Site`, `Origin` nor `Referer` (strict mode). */
  | "origin_missing";
