/**
 * sessionjar/adapters/express: sessions for Express 5, on top of the Node adapter.
 *
 * ```ts
 * const app = express();
 * app.use(sessionMiddleware(sessions));
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
 * @module
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { Sessions } from "../../session/create-sessions.js";
import { RequestSession } from "../../session/request-session.js";
import { errorAnswer } from "../core.js";
import { commitBeforeResponse, nodeSessionRequest, sendSessionError } from "../node/index.js";

/**
 * Loads the request's session into `req.session`, then holds the response until the session is
 * committed: the store write completes before the client sees anything, a redirect included. A
 * store that is down answers 503 JSON at once (fail closed; the cookie is kept).
 */
export function sessionMiddleware<Data extends Record<string, unknown>>(
  sessions: Sessions<Data>,
): RequestHandler {
  return (req, res, next) => {
    sessions.load(nodeSessionRequest(req)).then(
      (session) => {
        (req as { session?: unknown }).session = session;
        commitBeforeResponse(res, session as RequestSession<Record<string, unknown>>);
        next();
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
export function getSession<Data extends Record<string, unknown> = Record<string, unknown>>(
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
