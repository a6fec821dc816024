/**
 * sessionjar/adapters/web: sessions for runtimes built on the Web `Request` / `Response`
 * (Next.js route handlers, Bun, Deno, Cloudflare Workers, any `fetch` handler).
 *
 * ```ts
 * export const POST = withSessions(sessions, async (request, session) => {
 *   await session.signIn(await userIdFrom(request));
 *   return Response.json({ ok: true });
 * });
 * // Bun.serve({ fetch: withSessions(sessions, handler) }) · Deno.serve(withSessions(sessions, handler))
 * ```
 *
 * The session is committed after the handler, and the response that leaves is a copy of the
 * handler's with the session's headers added (`Set-Cookie` appended to any the handler set), so
 * a shared or immutable `Response` (from `fetch`, `Response.redirect`) is never modified.
 *
 * A `SessionError` (thrown while loading, by the handler, or while committing) becomes its status
 * and `{ error: { code, message } }`; any other error from the handler is thrown on, to the
 * runtime's own error handling, and the session is then not committed.
 *
 * The scheme is `new URL(request.url).protocol`: `https:` counts as an encrypted connection. Behind
 * a proxy that terminates TLS, where the runtime sees `http:`, use the sessions' `trustProxy`.
 *
 * @module
 */
import type { SessionRequest, Sessions } from "../../session/create-sessions.js";
import type { RequestSession, SessionResponseHeaders } from "../../session/request-session.js";
import { applyHeaders, errorAnswer } from "../core.js";

/** The {@link SessionRequest} of a Web `Request`. */
export function webSessionRequest(request: Request): SessionRequest {
  return {
    header: (name) => request.headers.get(name) ?? undefined,
    encrypted: new URL(request.url).protocol === "https:",
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
export type WebSessionHandler<Data extends Record<string, unknown>, Args extends unknown[]> = (
  request: Request,
  session: RequestSession<Data>,
  ...args: Args
) => Response | Promise<Response>;

/**
 * Wraps a `fetch`-style handler: loads the session before it runs, commits it after, and returns
 * its response with the session's headers. A store that is down answers 503 JSON with a code
 * (the cookie is kept).
 */
export function withSessions<Data extends Record<string, unknown>, Args extends unknown[] = []>(
  sessions: Sessions<Data>,
  handler: WebSessionHandler<Data, Args>,
): (request: Request, ...args: Args) => Promise<Response> {
  return async (request, ...args) => {
    let session: RequestSession<Data>;
    try {
      session = await sessions.load(webSessionRequest(request));
    } catch (error) {
      const answer = sessionErrorResponse(error);
      if (answer === undefined) throw error;
      return answer;
    }
    let response: Response;
    try {
      response = await handler(request, session, ...args);
    } catch (error) {
      const answer = sessionErrorResponse(error);
      if (answer === undefined) throw error;
      response = answer;
    }
    let h: SessionResponseHeaders;
    try {
      h = await session.commit();
    } catch (error) {
      const answer = sessionErrorResponse(error);
      if (answer === undefined) throw error;
      // The write failed: the handler's response (and any cookie it set) never leaves.
      await response.body?.cancel().catch(() => {});
      return answer;
    }
    return withSessionHeaders(response, h);
  };
}
