// What the bearer transports share: the response headers that hand a client its tokens, and the
// 401 of a credential that gives no session.
import { type BearerRejectReason, bearerChallenge, bearerRejection } from "../transports/bearer.js";
import { SessionError } from "./errors.js";

/** The response header that hands a bearer client its new token (empty: discard it). */
export const SET_AUTH_TOKEN = "set-auth-token";
/** The response header that hands a bearer-JWT client its new refresh token (empty: discard it). */
export const SET_REFRESH_TOKEN = "set-refresh-token";

/**
 * The 401 of a bearer request whose credential gives no session, with its RFC 6750 challenge:
 * `invalid_request` for a malformed `Authorization` header, none for another scheme,
 * `invalid_token` for a token that does not verify (saying only whether it expired).
 *
 * Always 401, also for `invalid_request`, where RFC 6750 3.1 says SHOULD 400: a client then has
 * one status to handle for "authenticate again", and a 400 would read as a bug in its body.
 */
export function bearerError(reason: BearerRejectReason): SessionError {
  const r = bearerRejection(reason);
  const what =
    r.error === "invalid_request"
      ? "the Authorization header must be exactly one: Bearer and one token"
      : r.error === null
        ? "this resource takes Authorization: Bearer <token>"
        : reason === "expired"
          ? "the bearer token expired: refresh it or sign in again"
          : "the bearer token is invalid: sign in again";
  return new SessionError("ERR_SESSION_TOKEN_INVALID", 401, what, {
    wwwAuthenticate: r.wwwAuthenticate,
  });
}

const REFRESH_REFUSED = {
  expired:
    "the refresh token expired (the session reached its idle or absolute timeout): sign in again",
  malformed:
    "the refresh token is malformed (it is the Set-Refresh-Token value, unchanged): sign in again",
  invalid: "the refresh token is invalid (unknown, revoked, or used before): sign in again",
  unusable:
    "no access token can be made for this session (its data is over the size a token may have; the cause says more): sign in again",
} as const;

/**
 * The 401 of a bearer-JWT refresh that gives no session: the refresh token is malformed,
 * unknown, revoked, used before, or past the session's idle or absolute timeout, or the
 * session's data no longer makes an access token (`unusable`, with the sealing error as
 * `cause`). Its own code (`session_refresh_invalid`) and challenge, so that a client never takes
 * it for an expired access token and refreshes again: the only way on is to sign in.
 */
export function refreshError(reason: keyof typeof REFRESH_REFUSED, cause?: unknown): SessionError {
  return new SessionError("ERR_SESSION_REFRESH_INVALID", 401, REFRESH_REFUSED[reason], {
    ...(cause === undefined ? {} : { cause }),
    wwwAuthenticate: bearerChallenge({
      error: "invalid_token",
      description:
        reason === "expired" ? "The refresh token expired" : "The refresh token is invalid",
    }),
  });
}
