// What every session class writes the same way: the session cookie's Set-Cookie line, and the
// refusal of a Secure credential over plain HTTP.
import { serializeSetCookie } from "../cookie/index.js";
import { SessionError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/**
 * The Set-Cookie line of the session cookie: `value` until `expiresAt` (ms), or a clearing line
 * (empty value, Max-Age=0) when `expiresAt` is undefined.
 */
export function sessionCookie(
  o: ResolvedOptions<never> | ResolvedOptions<Record<string, unknown>>,
  value: string,
  expiresAt: number | undefined,
): string {
  const maxAge = expiresAt === undefined ? 0 : Math.max(1, Math.ceil((expiresAt - o.now()) / 1000));
  return serializeSetCookie({
    name: o.cookieName,
    value,
    path: o.path,
    ...(o.domain === undefined ? {} : { domain: o.domain }),
    secure: true,
    httpOnly: true,
    sameSite: o.sameSite,
    maxAge,
  });
}

/** The 400 of a request over plain HTTP that would need a Secure credential. */
export function insecureTransport(): SessionError {
  return new SessionError(
    "ERR_SESSION_INSECURE_TRANSPORT",
    400,
    "this request came over plain http://, where browsers refuse to store a Secure session cookie: serve the app over HTTPS, set trustProxy: true behind a proxy that terminates TLS, or set insecureLocalhost: true for http://localhost during development",
  );
}
