import { parseSetCookie } from "../cookie/index.js";
import { type BearerRejectReason, bearerRejection } from "../transports/bearer.js";
import { SessionError } from "./errors.js";
import { RequestSession, type SessionResponseHeaders } from "./request-session.js";
import { SET_AUTH_TOKEN } from "./stateless-session.js";

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

/** The bearer form of the store session's headers: the token in `Set-Auth-Token`, no cookie. */
function asBearer(h: SessionResponseHeaders): SessionResponseHeaders {
  const line = h.setCookie[0];
  let headers: Record<string, string> | undefined;
  if (line !== undefined) {
    const parsed = parseSetCookie(line);
    const token =
      parsed.type === "cookie" && (parsed.cookie.maxAge ?? 1) > 0 ? parsed.cookie.value : "";
    headers = { [SET_AUTH_TOKEN]: token };
  }
  return {
    setCookie: [],
    cacheControl: h.cacheControl,
    vary: h.vary === undefined ? undefined : "Authorization",
    ...(headers === undefined ? {} : { headers }),
  };
}

/**
 * The store's session carried in `Authorization: Bearer` (`opaqueBearer`): the lifecycle of the
 * opaque cookie, with each new token in the `Set-Auth-Token` response header instead of a cookie.
 */
export class OpaqueBearerSession<
  Data extends Record<string, unknown> = Record<string, unknown>,
> extends RequestSession<Data> {
  #answer: SessionResponseHeaders | undefined;

  override async commit(): Promise<SessionResponseHeaders> {
    const h = await super.commit();
    this.#answer ??= asBearer(h);
    return this.#answer;
  }

  override commitSync(): SessionResponseHeaders | undefined {
    const h = super.commitSync();
    if (h === undefined) return undefined;
    this.#answer ??= asBearer(h);
    return this.#answer;
  }
}
