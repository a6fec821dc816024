/**
 * sessionjar/adapters/hono: sessions for Hono 4, on any runtime it runs on.
 *
 * ```ts
 * const app = new Hono<SessionEnv>();
 * app.use(sessions(manager, { csrf: createCsrf({ origin, keys }) }));
 * app.post("/login", async (c) => { await c.get("session").signIn(userId); return c.json({}) });
 * app.onError((err, c) => sessionErrorResponse(err) ?? c.text("Internal Server Error", 500));
 * serve({ fetch: app.fetch, port: 3000 }); // @hono/node-server; or export default app
 * ```
 *
 * The middleware loads the session into `c.get("session")` (typed by {@link SessionEnv}: give
 * it your data type, `Hono<SessionEnv<MyData>>`), awaits the rest of the chain, commits the
 * session and adds its headers to `c.res` (`Set-Cookie` appended to any the handler set; the
 * response is copied rather than modified, as it may be shared or immutable). A store that is
 * down answers 503 JSON, when loading as when committing.
 *
 * Hono turns errors thrown by handlers into responses in `app.onError` before the middleware
 * sees them, so wire {@link sessionErrorResponse} there: a `SessionError` becomes its status and
 * `{ error: { code, message } }`; without it, Hono's default answers every error with a 500.
 *
 * The scheme is `new URL(c.req.url).protocol`, as the runtime reports it, or `X-Forwarded-Proto` /
 * `Forwarded` with the sessions' own `trustProxy` option.
 *
 * CSRF: `app.use(csrf(defence))` after `sessions(manager)` checks every unsafe request before the
 * handlers and refuses it with 403 `{ error: { code, message } }`; `c.get("csrfToken")()` gives
 * a token for a page (typed by {@link CsrfEnv}: `Hono<SessionEnv & CsrfEnv>`). The token is taken
 * from the `X-CSRF-Token` header, else from the `csrf_token` field of a form body, never from the
 * query string. The form is read from `c.req.raw.clone()` (up to `formLimit`, 1 MiB by default;
 * past it, 413 `csrf_body_too_large`), so handlers can still `c.req.parseBody()`.
 *
 * ```ts
 * const app = new Hono<SessionEnv & CsrfEnv>();
 * app.use(sessions(manager, { csrf: false })); // the guard is the next middleware
 * app.use(csrf(createCsrf({ origin: "https://www.shop.test", keys })));
 * app.get("/login", (c) => c.html(loginForm(c.get("csrfToken")())));
 * ```
 *
 * CORS: `app.use(cors(createCorsPolicy(…)))` first, before `sessions(manager)`: a preflight is
 * answered at once, 204 with the policy's headers, before the session loads and before the CSRF
 * check (preflights carry no cookies); every other response gets the policy's headers after the
 * rest of the chain (error responses from `app.onError` too), `Vary: Origin` merged with the
 * handler's own `Vary` and the session's `Cookie`. A refused origin gets no grant but still
 * reaches the handlers: CORS decides what a page may read, and `csrf(…)` what it may send.
 *
 * @module
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import type { CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import type { KnownKeys } from "../../lib/options.js";
import type { Sessions } from "../../session/create-sessions.js";
import { RequestSession, type SessionResponseHeaders } from "../../session/request-session.js";
import type { DataShape } from "../../session/session-common.js";
import { checkAdapterOptions, csrfFor } from "../core.js";
import type { CsrfGlueOptions } from "../csrf-core.js";
import {
  corsWebRequest,
  guardWebRequest,
  requestErrorResponse,
  sessionErrorResponse,
  webSessionRequest,
  withCorsHeaders,
  withCsrfHeaders,
  withSessionHeaders,
} from "../web/index.js";

export { requestErrorResponse, sessionErrorResponse };

/**
 * The Hono environment the middleware provides: `c.get("session")`. Combine it with your own,
 * e.g. `Hono<SessionEnv<MyData> & { Bindings: MyBindings }>`.
 */
export interface SessionEnv<Data extends DataShape<Data> = Record<string, unknown>> extends Env {
  Variables: { session: RequestSession<Data> };
}

/** Options of {@link sessions}. */
export interface SessionsMiddlewareOptions extends CsrfGlueOptions {
  /**
   * The CSRF defence from `createCsrf`, run right after the session loads (as {@link csrf}
   * would, `c.get("csrfToken")` included). Required with a cookie transport
   * (`ERR_SESSION_CSRF_REQUIRED` otherwise), unless `false`: unsafe requests are guarded some
   * other way, for instance by `app.use(csrf(defence))` of its own. Refused with a bearer
   * transport.
   */
  csrf?: Csrf | false;
}

const OPTION_KEYS: readonly string[] = Object.keys({
  csrf: true,
  formLimit: true,
} satisfies KnownKeys<SessionsMiddlewareOptions>);

/**
 * The middleware: `app.use(sessions(manager))`. Loads the request's session before the rest of
 * the chain runs and commits it after, before the response leaves.
 */
export function sessions<Data extends DataShape<Data>>(
  manager: Sessions<Data>,
  options: SessionsMiddlewareOptions = {},
): MiddlewareHandler<SessionEnv<Data>> {
  checkAdapterOptions(options, OPTION_KEYS, "sessions(manager)");
  const defence = csrfFor(manager, options.csrf, "sessions(manager)");
  const guard =
    defence === undefined
      ? undefined
      : (csrf(defence, options) as unknown as MiddlewareHandler<SessionEnv<Data>>);
  return async (c, next) => {
    let session: RequestSession<Data>;
    try {
      session = await manager.load(webSessionRequest(c.req.raw));
    } catch (error) {
      const answer = sessionErrorResponse(error);
      if (answer === undefined) throw error;
      return answer;
    }
    c.set("session", session);
    if (guard === undefined) await next();
    else {
      const refusal = await guard(c, next);
      if (refusal instanceof Response) c.res = refusal;
    }
    // A failed request (a handler that threw, a store that failed) saves nothing it staged.
    if (c.res.status >= 500) session.discard();
    let h: SessionResponseHeaders;
    try {
      h = session.commitSync() ?? (await session.commit());
    } catch (error) {
      const answer = sessionErrorResponse(error);
      if (answer === undefined) throw error;
      // The write failed: the handler's response (and any cookie it set) never leaves. Clearing
      // c.res first keeps Hono from merging the old response's headers into the answer.
      await c.res.body?.cancel().catch(() => {});
      c.res = undefined;
      c.res = answer;
      return;
    }
    const response = withSessionHeaders(c.res, h);
    if (response !== c.res) {
      c.res = undefined;
      c.res = response;
    }
  };
}

/**
 * The Hono environment the {@link csrf} middleware provides: `c.get("csrfToken")()`, a token for
 * a page or a script of this request. Combine it: `Hono<SessionEnv<MyData> & CsrfEnv>`.
 */
export interface CsrfEnv extends Env {
  Variables: {
    /**
     * A token bound to the session as it is now (ask after a sign-in, not before); without a
     * session, bound to the pre-session cookie, which is then set on the response.
     */
    csrfToken: () => string;
  };
}

/**
 * The request's session, as `c.get("session")` gives it, typed by the manager's data
 * (`getSession<Data>(c)`). Where {@link sessions} did not run for the request (a route
 * registered before `app.use(sessions(…))`, or on another app), a TypeError says so instead of
 * the route failing on `undefined`.
 */
export function getSession<Data extends DataShape<Data> = Record<string, unknown>>(
  c: Context,
): RequestSession<Data> {
  const session = (c as Context<SessionEnv>).get("session") as unknown;
  if (!(session instanceof RequestSession)) {
    throw new TypeError(
      'c.get("session") is unset: register this route after app.use(sessions(manager)), on the same app',
    );
  }
  return session as RequestSession<Data>;
}

/**
 * The CSRF middleware: `app.use(csrf(defence))`, after {@link sessions}. Unsafe requests are
 * checked before the rest of the chain and refused with 403 JSON; safe ones pass untouched.
 */
export function csrf(
  defence: Csrf,
  options: CsrfGlueOptions = {},
): MiddlewareHandler<SessionEnv & CsrfEnv> {
  return async (c, next) => {
    const session = c.get("session") as RequestSession | undefined;
    if (session === undefined)
      throw new TypeError('c.get("session") is unset: app.use(sessions(manager)) before csrf(…)');
    const request = c.req.raw;
    const { state, refusal } = await guardWebRequest(request, session, defence, options);
    if (refusal !== undefined) return refusal;
    c.set("csrfToken", state.token);
    await next();
    const response = withCsrfHeaders(c.res, request, state);
    if (response !== c.res) {
      c.res = undefined;
      c.res = response;
    }
  };
}

/**
 * The CORS middleware: `app.use(cors(policy))`, first, before {@link sessions}. Answers
 * preflights (204 with the policy's headers) without running the rest of the chain, and adds the
 * policy's headers to every other response, `Vary` merged. A refused origin's request goes on,
 * without a grant.
 */
export function cors(policy: CorsPolicy): MiddlewareHandler {
  return async (c, next) => {
    const outcome = corsWebRequest(c.req.raw, policy);
    if (outcome.preflight !== undefined) return outcome.preflight;
    await next();
    const response = withCorsHeaders(c.res, outcome.decision);
    if (response !== c.res) {
      c.res = undefined;
      c.res = response;
    }
  };
}
