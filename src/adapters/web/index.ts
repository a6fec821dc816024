/**
 * sessionjar/adapters/web: sessions for runtimes built on the Web `Request` / `Response`
 * (Next.js route handlers, Bun, Deno, Cloudflare Workers, any `fetch` handler).
 *
 * ```ts
 * export const POST = withSessions(sessions, async (request, session) => {
 *   await session.signIn(await userIdFrom(request));
 *   return Response.json({ ok: true });
 * }, { csrf });
 * // Bun.serve({ fetch: withSessions(sessions, handler, { csrf }) }) · Deno.serve(…)
 * ```
 *
 * Node's `http` has no `fetch`-style server of its own; a bridge such as @hono/node-server's
 * `getRequestListener` serves such a handler (or use `sessionjar/adapters/node` directly):
 *
 * ```ts
 * import { createServer } from "node:http";
 * import { getRequestListener } from "@hono/node-server";
 * const fetchHandler = withSessions(sessions, handler, { csrf });
 * createServer(getRequestListener(fetchHandler, { errorHandler: requestErrorResponse })).listen(3000);
 * ```
 *
 * The session is committed after the handler, and the response that leaves is a copy of the
 * handler's with the session's headers added (`Set-Cookie` appended to any the handler set), so
 * a shared or immutable `Response` (from `fetch`, `Response.redirect`) is never modified.
 *
 * A `SessionError` (thrown while loading, by the handler, or while committing) becomes its status
 * and `{ error: { code, message } }`. Any other error (a bug) is handed to the `onError` option
 * (by default `console.error`) and answered 500 `internal_error` here, not thrown on to the
 * runtime: the runtime's error response would lose the session's cookie (a sign-in or rotation
 * before the error has already replaced the old session) and the CORS grant.
 *
 * The scheme is `new URL(request.url).protocol`: `https:` counts as an encrypted connection. Behind
 * a proxy that terminates TLS, where the runtime sees `http:`, use the sessions' `trustProxy`.
 *
 * CSRF: with `withSessions(sessions, handler, { csrf })`, every unsafe request is checked before
 * the handler runs and refused with 403 `{ error: { code, message } }`; {@link csrfToken} gives
 * a token for a page. The token is taken from the `X-CSRF-Token` header, else from the
 * `csrf_token` field of a form body, never from the query string. The form is read from a
 * `request.clone()` (up to `formLimit`, 1 MiB by default; past it, 413 `csrf_body_too_large`),
 * so the handler can still read `request.formData()` itself.
 *
 * CORS: with `withSessions(sessions, handler, { cors: createCorsPolicy(…) })` (or
 * {@link withCors} around any `fetch`-style handler, without sessions), a preflight is answered
 * at once, 204 with the policy's headers, before the session loads and before the CSRF check
 * (preflights carry no cookies); every other response is returned as a copy with the policy's
 * headers, `Vary: Origin` merged with the handler's own `Vary` and the session's `Cookie`. A
 * refused origin gets no grant but still reaches the handler: CORS decides what a page may read,
 * and the CSRF defence what it may send.
 *
 * ```ts
 * export default { fetch: withCors(cors, withSessions(sessions, handler, { csrf })) };
 * // the same as withSessions(sessions, handler, { csrf, cors })
 * ```
 *
 * @module
 */
import type { CorsDecision, CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import { type GuardRequest, isSafeMethod } from "../../csrf/origin-guard.js";
import type { KnownKeys } from "../../lib/options.js";
import type { SessionRequest, Sessions } from "../../session/create-sessions.js";
import type { RequestSession, SessionResponseHeaders } from "../../session/request-session.js";
import type { DataShape } from "../../session/session-common.js";
import {
  applyHeaders,
  checkAdapterOptions,
  csrfFor,
  type ErrorAnswer,
  errorAnswer,
} from "../core.js";
import { applyCorsHeaders, decideCors, isPreflight } from "../cors-core.js";
import {
  bodyUnreadableAnswer,
  type CheckOutcome,
  CSRF_VARY,
  type CsrfGlueOptions,
  type CsrfSession,
  checkRequest,
  discardWebBody,
  mergeVary,
  readWebBody,
  tokenIssuer,
} from "../csrf-core.js";

export type { CsrfSession } from "../csrf-core.js";

/** The {@link SessionRequest} of a Web `Request`. */
export function webSessionRequest(request: Request): SessionRequest {
  const url = new URL(request.url);
  return {
    // A Request made in code (`new Request("http://localhost/…")`, Hono's `app.request`) has no
    // Host header: its URL names the host.
    header: (name) => request.headers.get(name) ?? (name === "host" ? url.host : undefined),
    encrypted: url.protocol === "https:",
  };
}

/**
 * The JSON answer of a `SessionError` (503 store down, 401 no session, 400 plain HTTP…), or
 * undefined for any other error. For a framework's error hook, e.g. Hono's `app.onError`.
 */
export function sessionErrorResponse(error: unknown): Response | undefined {
  const a = errorAnswer(error);
  return a === undefined
    ? undefined
    : new Response(a.body, { status: a.status, headers: a.headers });
}

/**
 * The error handler of the Node glue, `getRequestListener(fetch, { errorHandler:
 * requestErrorResponse })` of @hono/node-server, which calls it for every error: a request that
 * Node's parser accepted but that cannot become a Web `Request` (an invalid Host, a backslash in
 * the path; its `RequestError`) gets 400 JSON `bad_request` instead of an empty 400; a
 * `SessionError` its own answer; anything else (a bug in the handler) is logged and answered
 * 500 `internal_error`, without details.
 */
export function requestErrorResponse(error: unknown): Response {
  if (error instanceof Error && error.name === "RequestError") {
    return jsonResponse(400, "bad_request", "the request's URL or Host header is not valid");
  }
  const answer = sessionErrorResponse(error);
  if (answer !== undefined) return answer;
  console.error(error);
  return jsonResponse(500, "internal_error", "internal error");
}

function jsonResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * A copy of `response` with the session's headers added: `Set-Cookie` lines appended, and
 * `Cache-Control` / `Vary` merged with the response's own. The response itself is returned
 * when there is nothing to add, or when its status (1xx) cannot be constructed anew.
 */
export function withSessionHeaders(response: Response, h: SessionResponseHeaders): Response {
  if (h.setCookie.length === 0 && h.cacheControl === undefined && h.vary === undefined)
    return response;
  const out = response.status < 200 ? response : new Response(response.body, response);
  applyHeaders(
    h,
    (n) => out.headers.get(n) ?? undefined,
    (n, v) => out.headers.set(n, v),
    (c) => out.headers.append("set-cookie", c),
  );
  return out;
}

/**
 * A request handler that receives the request's session. Extra arguments the runtime passes
 * (Next.js's `{ params }`, Bun's `server`, Deno's `info`) follow the session.
 */
export type WebSessionHandler<Data extends DataShape<Data>, Args extends unknown[]> = (
  request: Request,
  session: RequestSession<Data>,
  ...args: Args
) => Response | Promise<Response>;

/** The {@link GuardRequest} of a Web `Request`. */
export function webGuardRequest(request: Request): GuardRequest {
  return {
    method: request.method.toUpperCase(),
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/** A `Response` of a JSON answer. */
export function answerResponse(a: ErrorAnswer): Response {
  return new Response(a.body, { status: a.status, headers: a.headers });
}

/** The CSRF state of one request: how to issue tokens, and the headers the tokens owe. */
export interface WebCsrfState {
  /** Issues a token; its headers join {@link WebCsrfState.owed}. */
  readonly token: () => string;
  /** Headers owed to the response by the tokens issued so far. */
  readonly owed: SessionResponseHeaders[];
}

const states = new WeakMap<Request, WebCsrfState>();

/**
 * Runs the CSRF defence on a Web request, for adapters: registers the token issuer of
 * {@link csrfToken} (and returns its state); lets safe methods through; on an unsafe one, finds
 * the token (`X-CSRF-Token`, else the `csrf_token` field of a form, read from a clone) and
 * checks it. Gives the refusal's `Response` (403 JSON, 413 for a form over the limit, 400 for a
 * malformed one or one that failed while it was read), or undefined to go on.
 */
export async function guardWebRequest(
  request: Request,
  session: CsrfSession,
  csrf: Csrf,
  options: CsrfGlueOptions = {},
): Promise<{ state: WebCsrfState; refusal: Response | undefined }> {
  const guardRequest = webGuardRequest(request);
  const issue = tokenIssuer(csrf, guardRequest, session);
  const owed: SessionResponseHeaders[] = [];
  const state: WebCsrfState = {
    token: () => {
      const issued = issue();
      owed.push(issued.headers);
      return issued.token;
    },
    owed,
  };
  states.set(request, state);
  if (isSafeMethod(guardRequest.method)) return { state, refusal: undefined };
  let cloned = false;
  let readFailed = false;
  let outcome: CheckOutcome;
  try {
    outcome = await checkRequest(csrf, {
      request: guardRequest,
      session,
      readBody: (limit) => {
        cloned = true;
        return readWebBody(request.clone().body, limit).catch((error: unknown) => {
          readFailed = true;
          throw error;
        });
      },
      formLimit: options.formLimit,
    });
  } catch (error) {
    // The client went away while sending its form (or sent it broken): a 400 with a code, not
    // an error for the application's error tracking.
    if (!readFailed) throw error;
    return { state, refusal: answerResponse(bodyUnreadableAnswer()) };
  }
  if (outcome.ok) return { state, refusal: undefined };
  if (outcome.bodyLeftUnread && cloned) discardWebBody(request.body);
  return { state, refusal: answerResponse(outcome.answer) };
}

/**
 * A copy of `response` with what the CSRF defence owes it: the headers of the tokens issued
 * (pre-session cookie, `Cache-Control`, `Vary: Cookie`) and, for an unsafe request, `Vary:
 * Origin, Sec-Fetch-Site, Cookie`. The response itself when there is nothing to add.
 */
export function withCsrfHeaders(
  response: Response,
  request: Request,
  state: WebCsrfState,
): Response {
  let out = response;
  for (const h of state.owed) out = withSessionHeaders(out, h);
  if (isSafeMethod(request.method) || out.status < 200) return out;
  const vary = mergeVary(out.headers.get("vary") ?? undefined, CSRF_VARY);
  if (vary === out.headers.get("vary")) return out;
  if (out === response) out = new Response(response.body, response);
  out.headers.set("vary", vary);
  return out;
}

/**
 * A CSRF token for a page or a script of this request (a form's hidden `csrf_token` field, a
 * `<meta>` for `fetch`'s `X-CSRF-Token` header), bound to the session as it is now: ask after a
 * sign-in, not before. Without a session it is bound to the pre-session cookie, which the
 * adapter then sets on the handler's response (sign-in forms: login CSRF). Throws when the CSRF
 * defence did not run for this request.
 */
export function csrfToken(request: Request): string {
  const state = states.get(request);
  if (state === undefined)
    throw new TypeError(
      "this request went through no CSRF defence: withSessions(sessions, handler, { csrf })",
    );
  return state.token();
}

/**
 * A copy of `response` with a CORS decision's headers added (`Vary` merged with the response's
 * own), for actual and non-CORS requests. The response itself when its status (1xx) cannot be
 * constructed anew.
 */
export function withCorsHeaders(response: Response, decision: CorsDecision): Response {
  if (response.status < 200) return response;
  const out = new Response(response.body, response);
  applyCorsHeaders(
    decision.headers,
    (n) => out.headers.get(n) ?? undefined,
    (n, v) => out.headers.set(n, v),
  );
  return out;
}

/**
 * The CORS policy's part of one Web request, for adapters: the preflight's answer (204 with the
 * policy's headers), to return at once without running anything else; or the decision whose
 * headers the response gets ({@link withCorsHeaders}).
 */
export function corsWebRequest(
  request: Request,
  policy: CorsPolicy,
): { preflight: Response } | { preflight: undefined; decision: CorsDecision } {
  const decision = decideCors(policy, request.method, (n) => request.headers.get(n) ?? undefined);
  if (isPreflight(decision))
    return {
      preflight: new Response(null, { status: decision.status, headers: decision.headers }),
    };
  return { preflight: undefined, decision };
}

/**
 * Wraps a `fetch`-style handler with a CORS policy from `createCorsPolicy`: preflights are
 * answered 204 before the handler runs; every other request reaches it (a refused origin too,
 * without a grant), and its response is returned as a copy with the policy's headers, `Vary`
 * merged with the handler's.
 *
 * ```ts
 * Deno.serve(withCors(createCorsPolicy({ origins: ["https://www.shop.test"] }), handler));
 * ```
 */
export function withCors<Args extends unknown[] = []>(
  policy: CorsPolicy,
  handler: (request: Request, ...args: Args) => Response | Promise<Response>,
): (request: Request, ...args: Args) => Promise<Response> {
  return async (request, ...args) => {
    const cors = corsWebRequest(request, policy);
    if (cors.preflight !== undefined) return cors.preflight;
    return withCorsHeaders(await handler(request, ...args), cors.decision);
  };
}

/** Options of {@link withSessions}. */
export interface WithSessionsOptions extends CsrfGlueOptions {
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
   * Called with any error that is not a `SessionError` with an answer (a bug in the handler, a
   * store's `TypeError`), for your logs or error tracking; default `console.error`. The request
   * is then answered 500 `internal_error` with the session's headers (a sign-in made before the
   * error keeps its cookie) and the CORS grant. What it throws or rejects with goes to
   * `console.error`.
   */
  onError?: (error: unknown, request: Request) => void | Promise<void>;
}

const logError = (error: unknown): void => console.error(error);

/** Hands a bug to `onError`; a failing hook must not lose the error it was given. */
function report(
  onError: (error: unknown, request: Request) => void | Promise<void>,
  error: unknown,
  request: Request,
): void {
  try {
    // A hook typed as returning void may still return anything: only a promise is awaited.
    const r: unknown = onError(error, request);
    if (r instanceof Promise) r.catch((e: unknown) => console.error(e));
  } catch (e) {
    console.error(error);
    console.error(e);
  }
}

const OPTION_KEYS: readonly string[] = Object.keys({
  cors: true,
  csrf: true,
  onError: true,
  formLimit: true,
} satisfies KnownKeys<WithSessionsOptions>);

/**
 * Wraps a `fetch`-style handler: loads the session before it runs, commits it after, and returns
 * its response with the session's headers. A store that is down answers 503 JSON with a code
 * (the cookie is kept); a bug goes to `onError` and is answered 500 with the session's headers
 * (a sign-in before it keeps its cookie). With `{ csrf }`, unsafe requests are checked first.
 * With `{ cors }`, preflights are answered before the session loads, and every response gets
 * the policy's headers.
 */
export function withSessions<Data extends DataShape<Data>, Args extends unknown[] = []>(
  sessions: Sessions<Data>,
  handler: WebSessionHandler<Data, Args>,
  options: WithSessionsOptions = {},
): (request: Request, ...args: Args) => Promise<Response> {
  const { cors, onError = logError } = options;
  checkAdapterOptions(options, OPTION_KEYS, "withSessions");
  const csrf = csrfFor(sessions, options.csrf, "withSessions");
  // Answered here rather than thrown on: the runtime's 500 would carry neither the session's
  // cookie nor (around withCors) the CORS grant.
  const fail = (error: unknown, request: Request): Response => {
    const answer = sessionErrorResponse(error);
    if (answer !== undefined) return answer;
    report(onError, error, request);
    return jsonResponse(500, "internal_error", "internal error");
  };
  const run = async (request: Request, ...args: Args): Promise<Response> => {
    let session: RequestSession<Data>;
    try {
      session = await sessions.load(webSessionRequest(request));
    } catch (error) {
      return fail(error, request);
    }
    let response: Response;
    let csrfState: WebCsrfState | undefined;
    try {
      let refusal: Response | undefined;
      if (csrf !== undefined)
        ({ state: csrfState, refusal } = await guardWebRequest(request, session, csrf, options));
      response = refusal ?? (await handler(request, session, ...args));
    } catch (error) {
      response = fail(error, request);
    }
    if (csrfState !== undefined) response = withCsrfHeaders(response, request, csrfState);
    // A failed request (a store that failed, a 5xx of the handler's) saves nothing it staged.
    if (response.status >= 500) session.discard();
    let h: SessionResponseHeaders;
    try {
      h = session.commitSync() ?? (await session.commit());
    } catch (error) {
      // The write failed: the handler's response (and any cookie it set) never leaves.
      await response.body?.cancel().catch(() => {});
      return fail(error, request);
    }
    return withSessionHeaders(response, h);
  };
  return cors === undefined ? run : withCors(cors, run);
}
