import { TransportError } from "./errors.js";
import type { JwtFailure } from "./jwt.js";

/** The error codes of RFC 6750 section 3.1. */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

/** Why an `Authorization` header gave no bearer token. */
export type BearerHeaderFailure =
  /** No `Authorization` header: the client did not try (401, a challenge without an error). */
  | "missing"
  /**
   * Another scheme (`Basic …`, `Digest …`): RFC 6750 3.1 treats a client that "attempted using
   * an unsupported authentication method" as one that lacks authentication: 401, a challenge
   * without an error code.
   */
  | "scheme"
  /** `Bearer` without exactly one well-formed token after it (400 `invalid_request`). */
  | "malformed-header"
  /** More than one `Authorization` header (400 `invalid_request`). */
  | "multiple-headers";

/** What {@link readBearerToken} returns. It never throws. */
export type BearerHeaderResult =
  | { readonly ok: true; readonly token: string }
  | {
      readonly ok: false;
      readonly reason: BearerHeaderFailure;
      /** The status to answer: 401, or 400 for `invalid_request`. */
      readonly status: 400 | 401;
      /** The RFC 6750 error code, or null where RFC 6750 says to send none. */
      readonly error: "invalid_request" | null;
    };

// RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +([A-Za-z0-9\-._~+/]+=*))?$/;
const SCHEME_ONLY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?: .*)?$/s;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 2.1): the scheme in any case,
 * one or more spaces, then exactly one b64token; leading and trailing spaces and tabs are
 * ignored. Anything else is refused, never thrown:
 *
 * | header | result |
 * | --- | --- |
 * | none | `missing`, 401, no error code |
 * | `Basic dXNlcjpwYXNz` | `scheme`, 401, no error code (RFC 6750 3.1) |
 * | `Bearer`, `Bearer a b`, `Bearer a,b`, `Bearer\ta` | `malformed-header`, 400 `invalid_request` |
 * | two `Authorization` headers | `multiple-headers`, 400 `invalid_request` |
 *
 * Pass every value the request carried: Node's `req.headers.authorization` keeps only the first
 * of several, so use `req.headersDistinct.authorization` (an array). A Fetch `Headers.get` joins
 * repeated headers with ", ", which is malformed too. Tokens in the query string or a form body
 * (RFC 6750 2.2, 2.3) are not read: they leak into logs and caches.
 */
export function readBearerToken(
  header: string | readonly string[] | null | undefined,
): BearerHeaderResult {
  let value: unknown = header;
  if (Array.isArray(value)) {
    if (value.length > 1) {
      return { ok: false, reason: "multiple-headers", status: 400, error: "invalid_request" };
    }
    value = value[0];
  }
  if (value === undefined || value === null) {
    return { ok: false, reason: "missing", status: 401, error: null };
  }
  if (typeof value !== "string") {
    return { ok: false, reason: "malformed-header", status: 400, error: "invalid_request" };
  }
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, "");
  const m = CREDENTIALS.exec(trimmed);
  const scheme = m?.[1] ?? (SCHEME_ONLY.test(trimmed) ? trimmed.split(" ", 1)[0] : undefined);
  if (scheme !== undefined && scheme.toLowerCase() !== "bearer") {
    return { ok: false, reason: "scheme", status: 401, error: null };
  }
  const token = m?.[2];
  if (token === undefined) {
    return { ok: false, reason: "malformed-header", status: 400, error: "invalid_request" };
  }
  return { ok: true, token };
}

/** Parameters of a `WWW-Authenticate: Bearer` challenge (RFC 6750 3). */
export interface BearerChallengeOptions {
  readonly error?: BearerErrorCode;
  /** `error_description`: for developers, not end users. */
  readonly description?: string;
  readonly realm?: string;
  /** Space-separated scopes the resource needs (with `insufficient_scope`). */
  readonly scope?: string;
}

// RFC 6750 3: error_description and (by the same rule, here) realm: %x20-21 / %x23-5B / %x5D-7E;
// scope: scope-tokens of %x21 / %x23-5B / %x5D-7E separated by single spaces.
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const ERRORS: ReadonlySet<string> = new Set([
  "invalid_request",
  "invalid_token",
  "insufficient_scope",
]);

function challengeError(message: string): TransportError {
  return new TransportError("ERR_BEARER_CHALLENGE_INVALID", `bearerChallenge: ${message}`);
}

/**
 * The value of a `WWW-Authenticate` header for a bearer-protected resource, such as
 * `Bearer realm="shop", error="invalid_token", error_description="The access token expired"`.
 * Without an error, it is the bare challenge RFC 6750 3.1 asks for when a request had no
 * credentials. Throws {@link TransportError} `ERR_BEARER_CHALLENGE_INVALID` for a value RFC 6750 does
 * not allow (a `"` or `\`, a control character, non-ASCII).
 */
export function bearerChallenge(options: BearerChallengeOptions = {}): string {
  const params: string[] = [];
  const { error, description, realm, scope } = options;
  if (realm !== undefined) {
    if (typeof realm !== "string" || !QUOTABLE.test(realm)) {
      throw challengeError('realm may hold printable ASCII except " and \\');
    }
    params.push(`realm="${realm}"`);
  }
  if (scope !== undefined) {
    if (typeof scope !== "string" || !SCOPE.test(scope)) {
      throw challengeError(
        'scope must be scope tokens (printable ASCII, no " or \\) separated by single spaces',
      );
    }
    params.push(`scope="${scope}"`);
  }
  if (error !== undefined) {
    if (!ERRORS.has(error)) {
      throw challengeError(
        `error must be invalid_request, invalid_token or insufficient_scope, not ${JSON.stringify(error)}`,
      );
    }
    params.push(`error="${error}"`);
  }
  if (description !== undefined) {
    if (typeof description !== "string" || !QUOTABLE.test(description)) {
      throw challengeError('description may hold printable ASCII except " and \\');
    }
    if (error === undefined) throw challengeError("a description needs an error");
    params.push(`error_description="${description}"`);
  }
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
}

/** The status RFC 6750 3.1 gives an error code: 400, 401, 403; 401 when there is none. */
export function bearerStatus(error: BearerErrorCode | null | undefined): 400 | 401 | 403 {
  if (error === "invalid_request") return 400;
  if (error === "insufficient_scope") return 403;
  return 401;
}

/**
 * Why a bearer request is refused: a header failure, a token failure (a {@link JwtFailure}, or
 * any reason an opaque-token lookup gives, such as `"unknown"` or `"revoked"`), or a token
 * that lacks a scope.
 */
export type BearerRejectReason =
  | BearerHeaderFailure
  | JwtFailure
  | "insufficient-scope"
  | "unknown"
  | "revoked";

/** A refusal as the response needs it. */
export interface BearerRejection {
  readonly status: 400 | 401 | 403;
  readonly error: BearerErrorCode | null;
  /** The value of the `WWW-Authenticate` header. */
  readonly wwwAuthenticate: string;
}

/**
 * The response to a refused bearer request: status, error code and `WWW-Authenticate` value.
 * A missing header or another scheme: 401 with a bare challenge. A malformed header or several:
 * 400 `invalid_request`. Any token that does not verify: 401 `invalid_token`, saying only
 * whether it expired (so a client knows to refresh) and never why else, which would help an
 * attacker more than a client. A token that lacks a scope: 403 `insufficient_scope`.
 */
export function bearerRejection(
  reason: BearerRejectReason,
  options: { readonly realm?: string; readonly scope?: string } = {},
): BearerRejection {
  const base = options.realm === undefined ? {} : { realm: options.realm };
  let challenge: BearerChallengeOptions;
  switch (reason) {
    case "missing":
    case "scheme":
      challenge = base;
      break;
    case "malformed-header":
      challenge = {
        ...base,
        error: "invalid_request",
        description: "The Authorization header must be Bearer and one token",
      };
      break;
    case "multiple-headers":
      challenge = {
        ...base,
        error: "invalid_request",
        description: "Send one Authorization header",
      };
      break;
    case "insufficient-scope":
      challenge = {
        ...base,
        ...(options.scope === undefined ? {} : { scope: options.scope }),
        error: "insufficient_scope",
        description: "The access token lacks the scope this request needs",
      };
      break;
    case "expired":
      challenge = { ...base, error: "invalid_token", description: "The access token expired" };
      break;
    default:
      challenge = { ...base, error: "invalid_token", description: "The access token is invalid" };
  }
  const error = challenge.error ?? null;
  return { status: bearerStatus(error), error, wwwAuthenticate: bearerChallenge(challenge) };
}
