/**
 * sessionjar/adapters/fastify: sessions for Fastify 5, as a plugin that needs no
 * `fastify-plugin` (it sets `skip-override` itself, so its hooks cover the whole app).
 *
 * ```ts
 * const app = fastify();
 * await app.register(fastifySessions, { sessions });
 * app.get("/me", async (request) => ({ userId: getSession(request).userId }));
 * app.post("/login", async (request) => { await getSession(request).signIn(userId); return {}; });
 * await app.listen({ port: 3000 });
 * ```
 *
 * The plugin decorates `request.session`, loads it in an `onRequest` hook (a store that is
 * down answers 503 JSON there), commits it in an `onSend` hook (the store write completes
 * before the headers leave) and, unless `errorHandler: false`, sets an error handler on the
 * root scope that answers a `SessionError` with its status and `{ error: { code, message } }`,
 * passing any other error on to the parent (Fastify's default) handler. An error handler of
 * your own set later replaces it (Fastify warns, FSTWRN004): from yours,
 * `return sessionErrorHandler(error, request, reply)` for the errors you do not handle, or
 * register with `errorHandler: false` and call it from yours.
 *
 * Read the session through {@link getSession}, typed with your data:
 * `getSession<{ cart: string[] }>(request)`. This module declares no type for
 * `request.session` on purpose: `@fastify/session` and `@fastify/secure-session` declare
 * `FastifyRequest.session` with their own types, and two declarations of one property break
 * type checking wherever both are installed. An app that uses only sessionjar may declare it:
 *
 * ```ts
 * declare module "fastify" { interface FastifyRequest { session: RequestSession<MyData> } }
 * ```
 *
 * The scheme comes from the connection (`request.raw.socket`), or from `X-Forwarded-Proto` /
 * `Forwarded` with the sessions' own `trustProxy` option; Fastify's `trustProxy` plays no part.
 *
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Sessions } from "../../session/create-sessions.js";
import { RequestSession } from "../../session/request-session.js";
import { applyHeaders, errorAnswer } from "../core.js";
import { nodeSessionRequest } from "../node/index.js";

/** Options of {@link fastifySessions}. */
export interface FastifySessionsOptions<
  Data extends Record<string, unknown> = Record<string, unknown>,
> {
  /** The session manager from `createSessions`. */
  sessions: Sessions<Data>;
  /**
   * Set {@link sessionErrorHandler} as the root error handler. Default true; false when you
   * set your own and call `sessionErrorHandler` from it.
   */
  errorHandler?: boolean;
}

/** The session of a request, or null when it could not be loaded (the 503 is already sent). */
function sessionOf(request: FastifyRequest): RequestSession | null {
  const session = (request as { session?: unknown }).session;
  return session instanceof RequestSession ? (session as RequestSession) : null;
}

/**
 * The request's session, typed with your data: `getSession<{ cart: string[] }>(request)`.
 * Throws when the plugin is not registered for this request's scope.
 */
export function getSession<Data extends Record<string, unknown> = Record<string, unknown>>(
  request: FastifyRequest,
): RequestSession<Data> {
  const session = sessionOf(request);
  if (session === null)
    throw new TypeError(
      "request.session is not a sessionjar session: register fastifySessions before this route",
    );
  return session as unknown as RequestSession<Data>;
}

/**
 * A Fastify error handler: a `SessionError` becomes its status and `{ error: { code, message } }`;
 * any other error is thrown on, to the parent error handler.
 */
export function sessionErrorHandler(
  error: unknown,
  _request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const a = errorAnswer(error);
  if (a === undefined) throw error;
  return reply.code(a.status).headers(a.headers).send(a.body);
}

async function plugin(
  fastify: FastifyInstance,
  options: FastifySessionsOptions<Record<string, unknown>>,
): Promise<void> {
  const { sessions } = options;
  fastify.decorateRequest("session", null);

  fastify.addHook("onRequest", async (request, reply) => {
    try {
      (request as { session?: unknown }).session = await sessions.load(
        nodeSessionRequest(request.raw),
      );
    } catch (error) {
      const a = errorAnswer(error);
      if (a === undefined) throw error;
      return reply.code(a.status).headers(a.headers).send(a.body);
    }
  });

  fastify.addHook("onSend", async (request, reply, payload) => {
    const session = sessionOf(request);
    if (session === null) return payload;
    try {
      const h = await session.commit();
      applyHeaders(
        h,
        (n) => {
          const v = reply.getHeader(n);
          return v === undefined ? undefined : String(v);
        },
        (n, v) => reply.header(n, v),
        (c) => reply.header("set-cookie", c),
      );
      return payload;
    } catch (error) {
      // The write failed: the answer becomes the session error, without the handler's cookies.
      const a = errorAnswer(error);
      if (a === undefined) throw error;
      (payload as { destroy?: () => void } | null)?.destroy?.();
      reply.removeHeader("set-cookie").removeHeader("content-length");
      reply.code(a.status).headers(a.headers);
      return a.body;
    }
  });

  if (options.errorHandler !== false) fastify.setErrorHandler(sessionErrorHandler);
}

/**
 * The Fastify plugin: `await app.register(fastifySessions, { sessions })`. It skips Fastify's
 * encapsulation, so its decoration, hooks and error handler apply to the scope that registers it.
 */
export const fastifySessions: (
  fastify: FastifyInstance,
  options: FastifySessionsOptions<Record<string, unknown>>,
) => Promise<void> = Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "sessionjar",
});
