import { parseSetCookie } from "../cookie/index.js";
import { SET_AUTH_TOKEN } from "./bearer.js";
import { RequestSession, type SessionResponseHeaders } from "./request-session.js";
import type { DataShape } from "./session-common.js";

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
  Data extends DataShape<Data> = Record<string, unknown>,
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
