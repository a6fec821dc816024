/**
 * sessionjar/adapters/express: sessions for Express 5, on top of the Node adapter.
 *
 * ```ts
 * const app = express();
 * app.use(sessionMiddleware(sessions, { csrf: createCsrf({ origin, keys }) }));
 * app.post("/login", async (req, res) => { await getSession(req).signIn(userId); res.json({}) });
 * app.use(sessionErrorHandler()); // after the routes: SessionError → its status and JSON body
 * app.listen(3000);
 * ```
 *
 * The session is at `req.session` at run time; read it through {@link getSession}, typed with
 * your data: `getSession<{ cart: string[] }>(req)`. This module declares no global type for
 * `req.session` on purpose: `express-session` (and Passport) declare `Express.Request.session`
 * with their own type, and two declarations of one property break type checking wherever both
 * packages are installed. An app that uses only sessionjar may declare it once itself:
 *
 * ```ts
 * declare global { namespace Express { interface Request { session: RequestSession<MyData> } } }
 * ```
 *
 * The scheme comes from the connection, or from `X-Forwarded-Proto` / `Forwarded` with the
 * sessions' own `trustProxy` option; Express's `trust proxy` setting plays no part.
 *
 * A cookie transport (the default) needs the CSRF guard: `sessionMiddleware(sessions, { csrf })`
 * runs it right after loading the session, and without it `sessionMiddleware` throws
 * `ERR_SESSION_CSRF_REQUIRED` unless given `{ csrf: false }` (you guard unsafe requests yourself,
 * for instance with `csrfMiddleware` after a body parser of yours, as below).
 *
 * CSRF: `app.use(csrfMiddleware(csrf))` after `sessionMiddleware` checks every unsafe request
 * before the routes (403 `{ error: { code, message } }` on refusal); {@link getCsrfToken} gives a
 * token for a page. The token is taken from the `X-CSRF-Token` header, else from the
 * `csrf_token` field of a form, never from the query string. When a body parser ran before
 * (`express.urlencoded()`, multer with its fields in `req.body`), its `req.body.csrf_token` is
 * used; otherwise the middleware reads the form itself (up to `formLimit`, 1 MiB by default;
 * past it, 413 `csrf_body_too_large`), sets `req.body` to its fields (strings, and Web `File`s
 * for file parts) and `req._body = true`, so later body parsers leave it alone. A parser that
 * reads the stream regardless of these (multer) must then come before `csrfMiddleware`, or the
 * form must send its token in the header.
 *
 * CORS: `app.use(corsMiddleware(createCorsPolicy(…)))` first, before `sessionMiddleware`: a
 * preflight is answered at once, 204 with the policy's headers, before the session loads and
 * before the CSRF check (preflights carry no cookies); every other response gets the policy's
 * headers when it is written, `Vary: Origin` merged with the route's own `Vary` and the session's
 * `Cookie`. A refused origin gets no grant but still reaches the routes: CORS decides what a page
 * may read, and `csrfMiddleware` what it may send.
 *
 * ```ts
 * app.use(corsMiddleware(cors));
 * app.use(sessionMiddleware(sessions, { csrf: false }));
 * app.use(csrfMiddleware(csrf));
 * ```
 *
 * @module
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import type { KnownKeys } from "../../lib/options.js";
import type { Sessions } from "../../session/create-sessions.js";
import { RequestSession } from "../../session/request-session.js";
import type { DataShape } from "../../session/session-common.js";
import { checkAdapterOptions, csrfFor, errorAnswer } from "../core.js";
import type { CsrfGlueOptions } from "../csrf-core.js";
import {
  applyNodeCors,
  commitBeforeResponse,
  csrfToken,
  guardNodeRequest,
  nodeSessionRequest,
  sendSessionError,
} from "../node/index.js";

export type { FormFields, FormValue } from "../csrf-core.js";

/** Options of {@link sessionMiddleware}. */
export interface SessionMiddlewareOptions extends CsrfGlueOptions {
  /**
   * The CSRF defence from `createCsrf`, run right after the session loads (as
   * {@link csrfMiddleware} would). Required with a cookie transport (`ERR_SESSION_CSRF_REQUIRED`
   * otherwise), unless `false`: unsafe requests are guarded some other way, for instance by
   * `csrfMiddleware(csrf)` placed after a body parser of yours. Refused with a bearer transport.
   */
  csrf?: Csrf | false;
}

const OPTION_KEYS: readonly string[] = Object.keys({
  csrf: true,
  formLimit: true,
} satisfies KnownKeys<SessionMiddlewareOptions>);

/**
 * Loads the request's session into `req.session`, then holds the response until the session is
 * committed: the store write completes before the client sees anything, a redirect included. A
 * store that is down answers 503 JSON at once (fail closed; the cookie is kept).
 */
export function sessionMiddleware<Data extends DataShape<Data>>(
  sessions: Sessions<Data>,
  options: SessionMiddlewareOptions = {},
): RequestHandler {
  checkAdapterOptions(options, OPTION_KEYS, "sessionMiddleware");
  const csrf = csrfFor(sessions, options.csrf, "sessionMiddleware");
  const guard = csrf === undefined ? undefined : csrfMiddleware(csrf, options);
  return (req, res, next) => {
    sessions.load(nodeSessionRequest(req)).then(
      (session) => {
        (req as { session?: unknown }).session = session;
        commitBeforeResponse(res, session as RequestSession<Record<string, unknown>>);
        if (guard === undefined) next();
        else guard(req, res, next);
      },
      (error: unknown) => {
        if (errorAnswer(error) === undefined) next(error);
        else sendSessionError(res, error);
      },
    );
  };
}

/**
 * The request's session, typed with your data: `getSession<{ cart: string[] }>(req)`. Throws
 * when `sessionMiddleware` did not run for this request.
 */
export function getSession<Data extends DataShape<Data> = Record<string, unknown>>(
  req: Request,
): RequestSession<Data> {
  const session = (req as { session?: unknown }).session;
  if (!(session instanceof RequestSession))
    throw new TypeError(
      "req.session is not a sessionjar session: app.use(sessionMiddleware(sessions)) before this route",
    );
  return session as RequestSession<Data>;
}

/**
 * An error handler, to `app.use` after the routes: a `SessionError` (401 `session_required`,
 * 400 `session_insecure_transport`, 503 `session_store_unavailable`…) becomes its status and
 * `{ error: { code, message } }`. Any other error goes on to the next error handler.
 */
export function sessionErrorHandler(): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (errorAnswer(error) === undefined) next(error);
    else sendSessionError(res, error);
  };
}

/**
 * The CSRF defence, to `app.use` after {@link sessionMiddleware} and after any body parser of
 * yours: unsafe requests are checked before the routes and refused with 403 JSON. See the
 * module's documentation for where the token is read from.
 */
export function csrfMiddleware(csrf: Csrf, options: CsrfGlueOptions = {}): RequestHandler {
  return (req, res, next) => {
    let session: RequestSession;
    try {
      session = getSession(req);
    } catch (error) {
      next(error);
      return;
    }
    const parsed = (req as { body?: unknown }).body;
    guardNodeRequest(req, res, session, {
      csrf,
      ...(parsed === undefined ? {} : { parsed }),
      ...(options.formLimit === undefined ? {} : { formLimit: options.formLimit }),
    }).then((go) => {
      if (!go) return;
      // The form was read here: body-parser and the like must not wait for the stream again.
      if (parsed === undefined && (req as { body?: unknown }).body !== undefined)
        (req as { _body?: boolean })._body = true;
      next();
    }, next);
  };
}

/**
 * A CSRF token for a page or a script of this request (a form's hidden `csrf_token` field, a
 * `<meta>` for `fetch`'s `X-CSRF-Token` header), bound to the session as it is now: ask after a
 * sign-in, not before. Without a session it is bound to the pre-session cookie, which is then
 * set on the response (sign-in forms: login CSRF). Throws when `csrfMiddleware` did not run.
 */
export function getCsrfToken(req: Request): string {
  return csrfToken(req);
}

/**
 * The CORS middleware, to `app.use` first, before {@link sessionMiddleware}: answers preflights
 * (204 with the policy's headers) without running anything after it, and adds the policy's
 * headers to every other response, `Vary` merged. A refused origin's request goes on, without a
 * grant.
 */
export function corsMiddleware(policy: CorsPolicy): RequestHandler {
  return (req, res, next) => {
    if (applyNodeCors(req, res, policy)) next();
  };
}
