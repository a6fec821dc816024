import { randomBytes } from "node:crypto";
import { parseCookie, serializeSetCookie } from "../cookie/index.js";
import { Emitter } from "../lib/emitter.js";
import type { KnownKeys } from "../lib/options.js";
import { siteOf } from "../site/origin.js";
import { CsrfError, type CsrfReason } from "./errors.js";
import {
  checkCsrfKeys,
  csrfBoolean,
  GUARD_OPTION_KEYS,
  type GuardRequest,
  type GuardVerdict,
  isSafeMethod,
  type OriginGuardOptions,
  originGuard,
} from "./origin-guard.js";
import { type CsrfKey, createTokenCodec } from "./tokens.js";

/** Options of {@link createCsrf}. */
export interface CsrfOptions extends OriginGuardOptions {
  /** Signing keys, newest first: the first signs, every one verifies. */
  keys: readonly CsrfKey[];
  /**
   * Also require a session-bound token on unsafe requests (default true): the guard stops
   * cross-origin requests, the token stops anything the guard cannot see. Set false to rely
   * on the guard alone (then `mode: "compatible"` is refused: it would leave nothing).
   */
  requireToken?: boolean;
  /** Log and count refusals without refusing, to roll the defence out. Default false. */
  reportOnly?: boolean;
  /**
   * The pre-session cookie that binds sign-in form tokens (login CSRF). Default name
   * `__Host-csrf`: the prefix keeps a sibling subdomain from planting it. With a name without
   * the prefix, an anonymous session takes only its own tokens, not the pre-session cookie's.
   */
  preSession?: { name?: string; maxAge?: number };
}

/** Events of the CSRF defence: the "rejection rate" and "unexpected cross-site Origin" signals. */
export type CsrfEvent =
  | {
      type: "csrf-rejected";
      reason: CsrfReason;
      method: string;
      /** The Origin (or the Referer's origin) of the request, if any. */
      origin: string | undefined;
      /** Its schemeful site, for grouping. */
      site: string | undefined;
      reportOnly: boolean;
    }
  | {
      type: "cross-site-unsafe";
      method: string;
      origin: string | undefined;
      site: string | undefined;
      allowed: boolean;
    };

/** The decision on one request. */
export type CsrfDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: 403;
      readonly reason: CsrfReason;
      readonly message: string;
    };

/** What `check` needs: the request's method and headers, its session binding and its token. */
export interface CsrfInput {
  readonly request: GuardRequest;
  /** `session.binding`: null without a session, then the pre-session cookie binds the token. */
  readonly binding: string | null;
  /** From `X-CSRF-Token` or the `csrf_token` form field; never from the query string. */
  readonly token: string | undefined;
  /**
   * `session.anonymous`: the session has no user yet. A token bound to the request's pre-session
   * cookie is then good too, so that the token a page got before it had a session still works
   * once its first `set` (a cart) has made one. Default false: after a sign-in, only tokens of
   * the session count.
   */
  readonly anonymous?: boolean;
}

/** A token for a page or a script, and the pre-session cookie to set with it, if any. */
export interface IssuedToken {
  readonly token: string;
  readonly setCookie: string | undefined;
}

const MESSAGES: Record<CsrfReason, string> = {
  csrf_token_missing:
    "this request needs a CSRF token: send it in the X-CSRF-Token header or a csrf_token form field",
  csrf_token_invalid:
    'the CSRF token is not valid for this session (it was made for another one: before a sign-in, or for a session that has ended since, e.g. by "log out all devices"): reload the page to get a fresh one',
  cross_site_request: "a cross-site request cannot change state here",
  same_site_request: "a request from a sibling subdomain cannot change state here",
  origin_mismatch: "the request's Origin is not this application's",
  referer_mismatch: "the request's Referer is not of this application",
  null_origin: "a request with Origin: null cannot change state here",
  origin_missing:
    "the request carries neither Sec-Fetch-Site, Origin nor Referer, so its origin cannot be checked",
};

// csrf_token_invalid when the request carried nothing a token can be bound to. Besides a session
// that ended, that is most often a client that did not keep the cookies the token came with.
const UNBOUND_REASON = Symbol("unbound");
const UNBOUND = (preName: string): string =>
  `the CSRF token is not valid: the request has no session (none was sent, or it has ended, e.g. by "log out all devices") and no ${preName} cookie, which comes with a token given before sign-in. Reload the page to get a fresh one; a client other than a browser must keep the cookies of the response that gave it the token (a cookie jar against http://localhost must keep Secure cookies there)`;

// A refusal by origin names the origin and, for the application's own front end on another
// origin (the usual cause in development), the option that lets it through.
const BY_ORIGIN = new Set<CsrfReason>([
  "cross_site_request",
  "same_site_request",
  "origin_mismatch",
]);

function refusalMessage(reason: CsrfReason, origin: string | undefined): string {
  if (!BY_ORIGIN.has(reason) || origin === undefined) return MESSAGES[reason];
  const shown = JSON.stringify(origin.length > 200 ? `${origin.slice(0, 200)}…` : origin);
  return `${MESSAGES[reason]} (Origin ${shown}); if that origin is this application's own front end, list it in createCsrf's trustedOrigins`;
}

/** The CSRF defence that `createCsrf` returns. */
export interface Csrf {
  /** Decides an unsafe request; safe methods always pass. Emits events; honours report-only. */
  check(input: CsrfInput): CsrfDecision;
  /** A fresh masked token for `binding`, or for a pre-session when there is no session. */
  issue(request: GuardRequest, binding: string | null): IssuedToken;
  on: Emitter<CsrfEvent>["on"];
}

const OPTION_KEYS: readonly string[] = [
  ...GUARD_OPTION_KEYS,
  ...Object.keys({
    keys: true,
    requireToken: true,
    reportOnly: true,
    preSession: true,
  } satisfies KnownKeys<Omit<CsrfOptions, keyof OriginGuardOptions>>),
];
const PRE_SESSION_KEYS = Object.keys({ name: true, maxAge: true } satisfies KnownKeys<
  CsrfOptions["preSession"]
>);

/**
 * CSRF defence in layers: a Fetch-Metadata / Origin guard on every unsafe request, and a
 * session-bound signed token. Without a session (a sign-in form), the token is bound to a
 * short-lived `__Host-csrf` pre-session cookie, so login CSRF is covered too.
 *
 * ```ts
 * const csrf = createCsrf({ origin: "https://www.shop.test", keys: [{ id: "k1", secret }] });
 * ```
 */
export function createCsrf(options: CsrfOptions): Csrf {
  checkCsrfKeys(options, OPTION_KEYS, "createCsrf's options", "");
  if (options.preSession !== undefined) {
    checkCsrfKeys(options.preSession, PRE_SESSION_KEYS, "preSession", "preSession.");
  }
  const guard = originGuard(options);
  const codec = createTokenCodec(options.keys);
  const requireToken = csrfBoolean("requireToken", options.requireToken, true);
  if (!requireToken && options.mode === "compatible") {
    throw new CsrfError(
      "ERR_CSRF_OPTIONS_INVALID",
      'mode "compatible" lets requests without any origin header through on the token alone, and requireToken: false turns the token off: keep one of them',
    );
  }
  const reportOnly = csrfBoolean("reportOnly", options.reportOnly, false);
  const preName = options.preSession?.name ?? "__Host-csrf";
  const preMaxAge = options.preSession?.maxAge ?? 7200;
  const preHostOnly = preName.startsWith("__Host-");
  const events = new Emitter<CsrfEvent>();
  // Pre-session bindings live in another namespace than session bindings.
  const preBinding = (value: string): string => `pre:${value}`;

  const preSessionValue = (request: GuardRequest): string | undefined => {
    const values = parseCookie(request.header("cookie")).getAll(preName);
    return values.length === 1 && /^[A-Za-z0-9_-]{43}$/.test(values[0] as string)
      ? values[0]
      : undefined;
  };

  const verdict = (
    input: CsrfInput,
    g: GuardVerdict,
  ): CsrfReason | typeof UNBOUND_REASON | undefined => {
    if (input.request.method !== undefined && !isSafeMethod(input.request.method) && g.crossSite) {
      const origin = g.origin;
      events.emit({
        type: "cross-site-unsafe",
        method: input.request.method,
        origin,
        site: origin === undefined ? undefined : siteOf(origin),
        allowed: g.ok,
      });
    }
    if (!g.ok) return g.reason;
    if (isSafeMethod(input.request.method)) return undefined;
    if (!requireToken && !g.tokenOnly) return undefined;
    const token = input.token;
    if (token === undefined || token === "") return "csrf_token_missing";
    if (input.binding !== null) {
      if (codec.verify(input.binding, token)) return undefined;
      // A session takes pre-session tokens only while it has no user, and only from a cookie no
      // sibling subdomain can plant: one that could would let it choose a token the session takes.
      if (input.anonymous !== true || !preHostOnly) return "csrf_token_invalid";
    }
    // No session, or one without a user: the pre-session cookie may bind the token.
    const pre = preSessionValue(input.request);
    if (pre === undefined) return input.binding === null ? UNBOUND_REASON : "csrf_token_invalid";
    return codec.verify(preBinding(pre), token) ? undefined : "csrf_token_invalid";
  };

  return {
    check(input) {
      const g = guard(input.request);
      const found = verdict(input, g);
      if (found === undefined) return { ok: true };
      const reason = found === UNBOUND_REASON ? "csrf_token_invalid" : found;
      // The Origin, or the Referer's origin when the guard went by the Referer.
      const origin = g.origin ?? input.request.header("origin") ?? undefined;
      events.emit({
        type: "csrf-rejected",
        reason,
        method: input.request.method,
        origin,
        site: origin === undefined ? undefined : siteOf(origin),
        reportOnly,
      });
      if (reportOnly) return { ok: true };
      const message =
        found === UNBOUND_REASON ? UNBOUND(preName) : refusalMessage(reason, g.origin);
      return { ok: false, status: 403, reason, message };
    },
    issue(request, binding) {
      if (binding !== null) {
        // Signed in: the pre-session cookie has done its job; ask the browser to drop it.
        const clear =
          preSessionValue(request) === undefined
            ? undefined
            : serializeSetCookie({
                name: preName,
                value: "",
                path: "/",
                secure: true,
                httpOnly: true,
                sameSite: "Lax",
                maxAge: 0,
              });
        return { token: codec.issue(binding), setCookie: clear };
      }
      let pre = preSessionValue(request);
      let setCookie: string | undefined;
      if (pre === undefined) {
        pre = randomBytes(32).toString("base64url");
        setCookie = serializeSetCookie({
          name: preName,
          value: pre,
          path: "/",
          secure: true,
          httpOnly: true,
          sameSite: "Lax",
          maxAge: preMaxAge,
        });
      }
      return { token: codec.issue(preBinding(pre)), setCookie };
    },
    on: events.on.bind(events),
  };
}
