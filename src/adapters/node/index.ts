/**
 * sessionjar/adapters/node: sessions for Node's own `http` / `https` servers (and anything built
 * on `IncomingMessage` / `ServerResponse`, such as Express), with the CSRF defence of
 * `sessionjar/csrf` as an option.
 *
 * ```ts
 * const csrf = createCsrf({ origin: "https://www.shop.test", keys: [{ id: "k1", secret }] });
 * http.createServer(withSessions(sessions, async (req, res, session) => {
 *   if (req.method === "GET") return page(res, { csrfToken: csrfToken(req) });
 *   const { body } = req as RequestWithForm; // the form, when the check read it
 *   …
 * }, { csrf }));
 * ```
 *
 * With `{ csrf }`, every unsafe request (anything but GET, HEAD, OPTIONS) is checked before the
 * handler runs, and refused with 403 `{ error: { code, message } }` (the code is the reason,
 * e.g. `csrf_token_missing`, `cross_site_request`). The token is taken from the `X-CSRF-Token`
 * header, else from the `csrf_token` field of an `application/x-www-form-urlencoded` or
 * `multipart/form-data` body, never from the query string. To read that field the adapter
 * reads the body (up to `formLimit`, 1 MiB by default; past it, 413 `csrf_body_too_large`), so
 * the stream is consumed: the parsed form is then at `req.body`, a plain object of the fields
 * (text fields as strings, file parts as Web `File`s, a repeated name as an array). When the
 * token came in the header, the body is not read: the stream is the handler's, and `req.body`
 * is not set. Safe requests pass untouched. {@link csrfToken} gives a token for a page.
 *
 * CORS: with `{ cors: createCorsPolicy(…) }` (or {@link withCors} around any handler, without
 * sessions), a preflight is answered at once, 204 with the policy's headers, before the session
 * loads and before the CSRF check (preflights carry no cookies); every other response gets the
 * policy's headers when it is written, `Vary: Origin` merged with the handler's own `Vary` and
 * the session's `Cookie`. A refused origin gets no grant but still reaches the handler: CORS
 * decides what a page may read, and the CSRF defence what it may send.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import type { SessionRequest, Sessions } from "../../session/create-sessions.js";
import type { RequestSession, SessionResponseHeaders } from "../../session/request-session.js";
import { applyHeaders, csrfFor, errorAnswer } from "../core.js";
import { withCors } from "./cors.js";
import { guardNodeRequest } from "./csrf.js";

export type { FormFields, FormValue } from "../csrf-core.js";
export { applyNodeCors, beforeHead, withCors } from "./cors.js";
export {
  csrfToken,
  guardNodeRequest,
  type NodeCsrfOptions,
  nodeGuardRequest,
  type RequestWithForm,
} from "./csrf.js";

/** The {@link SessionRequest} of a Node request. */
export function nodeSessionRequest(req: IncomingMessage): SessionRequest {
  return {
    header(name) {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(name === "cookie" ? "; " : ", ") : v;
    },
    encrypted: (req.socket as TLSSocket).encrypted === true,
  };
}

// Headers of the answer the handler prepared that must not survive into an error answer: a
// stale Content-Length would cut the JSON short, and cookies and redirects do not belong to it.
const REPLACED = [
  "content-length",
  "content-encoding",
  "content-range",
  "etag",
  "last-modified",
  "location",
  "set-cookie",
  "transfer-encoding",
];

const INTERNAL = JSON.stringify({ error: { code: "internal_error", message: "internal error" } });

/**
 * Sends a session error as JSON with its status. Any other error is logged and answered 500
 * without details. A response already under way is cut off instead.
 */
export function sendSessionError(res: ServerResponse, error: unknown): void {
  const a = errorAnswer(error);
  if (a === undefined) console.error(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of REPLACED) res.removeHeader(name);
  if (a === undefined) res.writeHead(500, { "content-type": "application/json" }).end(INTERNAL);
  else res.writeHead(a.status, a.headers).end(a.body);
}

/**
 * Holds the response until the session is committed: `writeHead`, `write` and `end` are
 * deferred until the store write has completed and the session's headers are set, so the
 * client never sees a response (a redirect, say) before its session is saved.
 */
export function commitBeforeResponse(
  res: ServerResponse,
  session: RequestSession<never> | RequestSession<Record<string, unknown>>,
): void {
  const writeHead = res.writeHead;
  const write = res.write;
  const end = res.end;
  let state: "open" | "committing" | "done" = "open";
  const queue: (() => void)[] = [];

  const release = (h: SessionResponseHeaders): void => {
    if (!res.headersSent) {
      applyHeaders(
        h,
        (n) => {
          const v = res.getHeader(n);
          return v === undefined ? undefined : String(v);
        },
        (n, v) => res.setHeader(n, v),
        (c) => res.appendHeader("set-cookie", c),
      );
    }
    restore();
    for (const f of queue) f();
  };
  const finish = (): void => {
    state = "committing";
    // Most read-only requests write nothing: their response leaves at once.
    const ready = session.commitSync();
    if (ready !== undefined) {
      release(ready);
      return;
    }
    session.commit().then(release, (error: unknown) => {
      restore();
      queue.length = 0;
      sendSessionError(res, error);
    });
  };
  const restore = (): void => {
    state = "done";
    res.writeHead = writeHead;
    res.write = write;
    res.end = end;
  };

  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (state === "done")
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(res, args);
    // Keep the status and headers, but let the session's headers join them first.
    const [status, ...rest] = args;
    const headers = rest.find((a) => typeof a === "object" && a !== null) as
      | Record<string, string>
      | undefined;
    res.statusCode = status as number;
    if (headers !== undefined) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    return res;
  } as typeof res.writeHead;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    if (state === "done") return (write as (...a: unknown[]) => boolean).apply(res, args);
    queue.push(() => (write as (...a: unknown[]) => boolean).apply(res, args));
    if (state === "open") finish();
    return true;
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (state === "done") return (end as (...a: unknown[]) => ServerResponse).apply(res, args);
    queue.push(() => (end as (...a: unknown[]) => ServerResponse).apply(res, args));
    if (state === "open") finish();
    return res;
  } as typeof res.end;
}

/** A Node request handler that receives the request's session as a third argument. */
export type SessionHandler<Data extends Record<string, unknown>> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: RequestSession<Data>,
) => void | Promise<void>;

/** Options of {@link withSessions}. */
export interface WithSessionsOptions {
  /**
   * A CORS policy from `createCorsPolicy`: preflights are answered 204 with its headers before
   * the session loads (and before the CSRF check); every other response gets its headers, `Vary`
   * merged with the handler's and the session's. See {@link withCors} to use it without sessions.
   */
  cors?: CorsPolicy;
  /**
   * The CSRF defence from `createCsrf`: unsafe requests are checked before the handler runs
   * and refused with 403 JSON; {@link csrfToken} issues tokens for pages. Required with a
   * cookie transport (`ERR_SESSION_CSRF_REQUIRED` otherwise), unless `false`: unsafe requests
   * are guarded some other way. Refused with a bearer transport.
   */
  csrf?: Csrf | false;
  /**
   * The largest form body read to find the `csrf_token` field, in bytes (default 1 MiB); a
   * larger one is answered 413 `csrf_body_too_large`. Only with `csrf`.
   */
  formLimit?: number;
}

/**
 * Wraps a Node `http` handler: loads the session before it runs and commits it before the
 * response leaves. A store that is down answers 503 JSON with a code (the cookie is kept);
 * a session error thrown by the handler (for instance 401 `session_required`) becomes its JSON
 * answer. With `{ csrf }`, unsafe requests are checked first (see the module's documentation).
 * With `{ cors }`, CORS preflights are answered before anything else, and every other response
 * carries the policy's headers (a refused origin gets none, and its request still runs: the CSRF
 * check is what stops an unsafe one).
 *
 * ```ts
 * http.createServer(withSessions(sessions, async (req, res, session) => { … }, { csrf, cors }));
 * ```
 */
export function withSessions<Data extends Record<string, unknown>>(
  sessions: Sessions<Data>,
  handler: SessionHandler<Data>,
  options: WithSessionsOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { formLimit, cors } = options;
  const csrf = csrfFor(sessions, options.csrf, "withSessions");
  const run = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let session: RequestSession<Data>;
    try {
      session = await sessions.load(nodeSessionRequest(req));
    } catch (error) {
      sendSessionError(res, error);
      return;
    }
    commitBeforeResponse(res, session as RequestSession<Record<string, unknown>>);
    try {
      if (
        csrf !== undefined &&
        !(await guardNodeRequest(req, res, session, {
          csrf,
          ...(formLimit === undefined ? {} : { formLimit }),
        }))
      )
        return;
      await handler(req, res, session);
    } catch (error) {
      sendSessionError(res, error);
    }
  };
  if (cors === undefined) return run;
  const guarded = withCors(cors, run);
  return async (req, res) => guarded(req, res);
}
