/**
 * sessionjar/csrf: CSRF defence in layers — a Fetch-Metadata / Origin guard and session-bound,
 * masked, signed tokens, with login CSRF covered by a pre-session cookie.
 *
 * @module
 */
export {
  type Csrf,
  type CsrfDecision,
  type CsrfEvent,
  type CsrfInput,
  type CsrfOptions,
  createCsrf,
  type IssuedToken,
} from "./create-csrf.js";
export { CsrfError, type CsrfErrorCode, type CsrfReason } from "./errors.js";
export {
  createOriginGuard,
  type GuardRequest,
  type GuardVerdict,
  isSafeMethod,
  type OriginGuardOptions,
} from "./origin-guard.js";
export { type CsrfKey, createTokenCodec, type TokenCodec } from "./tokens.js";
