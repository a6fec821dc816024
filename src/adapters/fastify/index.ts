/**
 * sessionjar/adapters/fastify: sessions for Fastify 5, as a plugin that needs no
 * `fastify-plugin` (it sets `skip-override` itself, so its hooks cover the whole app).
 *
 * ```ts
 * const app = fastify();
 * await app.register(fastifySessions, { sessions, csrf: createCsrf({ origin, keys }) });
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
 * CSRF: with `{ sessions, csrf }`, a `preHandler` hook checks every unsafe request before its
 * handler and refuses it with 403 `{ error: { code, message } }`; {@link getCsrfToken} gives a
 * token for a page. The token is taken from the `X-CSRF-Token` header, else from
 * `request.body.csrf_token` of a form body, never from the query string. For that, the plugin
 * registers content-type parsers for `application/x-www-form-urlencoded` and
 * `multipart/form-data` when the scope has none (`formParsers: false` to never): they read the
 * body up to `formLimit` (1 MiB by default; past it, 413 `csrf_body_too_large`) into a plain
 * object of the fields (strings, and Web `File`s for file parts); with the token in the header,
 * up to the route's `bodyLimit` (past it, Fastify's own `FST_ERR_CTP_BODY_TOO_LARGE`). Register
 * `@fastify/formbody` or `@fastify/multipart` before this plugin to use them instead; with
 * `@fastify/multipart`, set `attachFieldsToBody` so that the field is in `request.body`, or
 * send the token in the header.
 *
 * CORS: with `{ sessions, cors: createCorsPolicy(…) }`, the plugin's first `onRequest` hook
 * answers a preflight at once, 204 with the policy's headers, before the session loads, the body
 * is parsed or the CSRF check runs (preflights carry no cookies); every other reply gets the
 * policy's headers in an `onSend` hook, `Vary: Origin` merged with the route's own `Vary` and
 * the session's `Cookie`, error replies included. A refused origin gets no grant but still
 * reaches the route: CORS decides what a page may read, and the CSRF check what it may send.
 *
 * @module
 */
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { CorsDecision, CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import { isSafeMethod } from "../../csrf/origin-guard.js";
import type { KnownKeys } from "../../lib/options.js";
import type { Sessions } from "../../session/create-sessions.js";
import { RequestSession, type SessionResponseHeaders } from "../../session/request-session.js";
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
  bodyTooLargeAnswer,
  CSRF_VARY,
  checkRequest,
  DEFAULT_FORM_LIMIT,
  declaredTooLarge,
  formInvalidAnswer,
  mergeVary,
  parseForm,
  readNodeBody,
  TOO_LARGE,
  tokenIssuer,
} from "../csrf-core.js";
import { lateCookie } from "../node/csrf.js";
import { nodeGuardRequest, nodeSessionRequest } from "../node/index.js";

export type { FormFields, FormValue } from "../csrf-core.js";

/** Options of {@link fastifySessions}. */
export interface FastifySessionsOptions<Data extends DataShape<Data> = Record<string, unknown>> {
  /** The session manager from `createSessions`. */
  sessions: Sessions<Data>;
  /**
   * Set {@link sessionErrorHandler} as the root error handler. Default true; false when you
   * set your own and call `sessionErrorHandler` from it.
   */
  errorHandler?: boolean;
  /**
   * A CORS policy from `createCorsPolicy`: preflights are answered 204 in the first `onRequest`
   * hook, before the session loads; every other reply gets its headers in `onSend`.
   */
  cors?: CorsPolicy;
  /**
   * The CSRF defence from `createCsrf`: unsafe requests are checked in a `preHandler` hook and
   * refused with 403 JSON; {@link getCsrfToken} issues tokens for pages. Required with a cookie
   * transport (`ERR_SESSION_CSRF_REQUIRED` when registering otherwise), unless `false`: unsafe
   * requests are guarded some other way. Refused with a bearer transport.
   */
  csrf?: Csrf | false;
  /**
   * The largest form body the plugin's own form parsers read, in bytes (default 1 MiB); a
   * larger one is answered 413 `csrf_body_too_large`. Only with `csrf`.
   */
  formLimit?: number;
  /**
   * Register form parsers (URL-encoded and multipart) where the scope has none. Default true;
   * only with `csrf`.
   */
  formParsers?: boolean;
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
export function getSession<Data extends DataShape<Data> = Record<string, unknown>>(
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

// Answers owed to requests whose form the plugin's parser could not read (over the limit,
// malformed), given in the preHandler hook.
const formProblems = new WeakMap<FastifyRequest, ErrorAnswer>();
const issuers = new WeakMap<FastifyRequest, () => string>();

/**
 * A CSRF token for a page or a script of this request (a form's hidden `csrf_token` field, a
 * `<meta>` for `fetch`'s `X-CSRF-Token` header), bound to the session as it is now: ask after a
 * sign-in, not before. Without a session it is bound to the pre-session cookie, which is then
 * set on the reply (sign-in forms: login CSRF). Throws when the plugin has no `csrf` here.
 */
export function getCsrfToken(request: FastifyRequest): string {
  const issue = issuers.get(request);
  if (issue === undefined)
    throw new TypeError(
      "this request has no CSRF token issuer: call getCsrfToken from a route or a preHandler hook (the CSRF defence runs in preHandler, after onRequest and preValidation), with fastifySessions registered with { sessions, csrf }",
    );
  return issue();
}

function mergeInto(reply: FastifyReply, h: SessionResponseHeaders): void {
  applyHeaders(
    h,
    (n) => {
      const v = reply.getHeader(n);
      return v === undefined ? undefined : String(v);
    },
    (n, v) => reply.header(n, v),
    (c) => reply.header("set-cookie", c),
  );
}

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ErrorAnswer,
  close: boolean,
): FastifyReply {
  if (close && request.raw.httpVersionMajor === 1) reply.header("connection", "close");
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

function addCsrf(
  fastify: FastifyInstance,
  options: FastifySessionsOptions<Record<string, unknown>>,
  csrf: Csrf,
): void {
  const limit = options.formLimit ?? DEFAULT_FORM_LIMIT;
  if (options.formParsers !== false) {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data"]) {
      if (fastify.hasContentTypeParser(type)) continue;
      fastify.addContentTypeParser(type, async (request: FastifyRequest, payload: unknown) => {
        // With the token in the header the CSRF check reads no field, so the form is the
        // route's, up to Fastify's own bodyLimit, and past it Fastify's own 413 (its error, for
        // its handler); the form limit is for finding the token.
        const headed = request.headers["x-csrf-token"] !== undefined;
        const own = headed ? (request.routeOptions.bodyLimit ?? limit) : limit;
        const raw = declaredTooLarge(request.headers["content-length"], own)
          ? TOO_LARGE
          : await readNodeBody(payload as Parameters<typeof readNodeBody>[0], own);
        if (raw === TOO_LARGE) {
          if (headed) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
          formProblems.set(request, bodyTooLargeAnswer(own));
          return undefined;
        }
        const fields = await parseForm(raw, request.headers["content-type"] ?? "");
        if (fields === undefined) formProblems.set(request, formInvalidAnswer());
        return fields;
      });
    }
  }

  fastify.addHook("preHandler", async (request, reply) => {
    const session = sessionOf(request);
    if (session === null) return;
    const guardRequest = nodeGuardRequest(request.raw);
    const issue = tokenIssuer(csrf, guardRequest, session);
    issuers.set(request, () => {
      const issued = issue();
      if (!reply.sent) mergeInto(reply, issued.headers);
      else if (issued.headers.setCookie.length > 0) throw lateCookie();
      return issued.token;
    });
    const problem = formProblems.get(request);
    if (problem !== undefined) return send(request, reply, problem, problem.status === 413);
    if (isSafeMethod(guardRequest.method)) return;
    checked.add(request);
    // The framework owns the stream: the token is in the parsed body or nowhere.
    const outcome = await checkRequest(csrf, {
      request: guardRequest,
      session,
      parsed: request.body ?? null,
    });
    if (!outcome.ok) return send(request, reply, outcome.answer, outcome.bodyLeftUnread);
  });
  // What the verdict depended on, merged as the reply is sent: a route that sets its own Vary
  // replaces the header, and would drop it.
  fastify.addHook("onSend", (request, reply, payload, done) => {
    if (checked.has(request)) {
      reply.header("vary", mergeVary(replyHeader(reply, "vary"), CSRF_VARY));
    }
    done(null, payload);
  });
}

// The unsafe requests the CSRF check ran on.
const checked = new WeakSet<FastifyRequest>();

const corsDecisions = new WeakMap<FastifyRequest, CorsDecision>();

function replyHeader(reply: FastifyReply, name: string): string | undefined {
  const v = reply.getHeader(name);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(", ") : String(v);
}

/** The CORS hooks: registered before the session's, so that a preflight never loads one. */
function addCors(fastify: FastifyInstance, policy: CorsPolicy): void {
  fastify.addHook("onRequest", async (request, reply) => {
    const decision = decideCors(policy, request.raw.method ?? request.method, (name) => {
      const v = request.headers[name];
      return Array.isArray(v) ? v.join(", ") : v;
    });
    if (isPreflight(decision)) return reply.code(decision.status).headers(decision.headers).send();
    corsDecisions.set(request, decision);
  });

  fastify.addHook("onSend", async (request, reply, payload) => {
    const decision = corsDecisions.get(request);
    if (decision !== undefined)
      applyCorsHeaders(
        decision.headers,
        (n) => replyHeader(reply, n),
        (n, v) => reply.header(n, v),
      );
    return payload;
  });
}

// What Fastify itself reads from the options of register() is allowed too.
const OPTION_KEYS: readonly string[] = [
  ...Object.keys({
    sessions: true,
    errorHandler: true,
    cors: true,
    csrf: true,
    formLimit: true,
    formParsers: true,
  } satisfies KnownKeys<FastifySessionsOptions<Record<string, unknown>>>),
  "prefix",
  "logLevel",
  "logSerializers",
];

async function plugin(
  fastify: FastifyInstance,
  options: FastifySessionsOptions<Record<string, unknown>>,
): Promise<void> {
  const { sessions } = options;
  fastify.decorateRequest("session", null);
  if (options.cors !== undefined) addCors(fastify, options.cors);

  // Callback hooks, not async ones: a read-only request then commits without a promise turn.
  fastify.addHook("onRequest", (request, reply, done) => {
    sessions.load(nodeSessionRequest(request.raw)).then(
      (session) => {
        (request as { session?: unknown }).session = session;
        done();
      },
      (error: unknown) => {
        const a = errorAnswer(error);
        // With an error handler of the application's own, it gets the store outage too (to
        // log it, or answer in its own format).
        if (a === undefined || options.errorHandler === false) done(error as Error);
        else reply.code(a.status).headers(a.headers).send(a.body);
      },
    );
  });

  fastify.addHook("onSend", (request, reply, payload, done) => {
    const session = sessionOf(request);
    if (session === null) {
      done(null, payload);
      return;
    }
    // A failed request (a route that threw, a store that failed) saves nothing it staged.
    if (reply.statusCode >= 500) session.discard();
    const ready = session.commitSync();
    if (ready !== undefined) {
      mergeInto(reply, ready);
      done(null, payload);
      return;
    }
    session.commit().then(
      (h) => {
        mergeInto(reply, h);
        done(null, payload);
      },
      (error: unknown) => {
        // The write failed: the answer becomes the session error, without the handler's cookies.
        const a = errorAnswer(error);
        if (a === undefined) {
          done(error as Error);
          return;
        }
        (payload as { destroy?: () => void } | null)?.destroy?.();
        reply.removeHeader("set-cookie").removeHeader("content-length");
        reply.code(a.status).headers(a.headers);
        done(null, a.body);
      },
    );
  });

  checkAdapterOptions(options, OPTION_KEYS, "fastifySessions");
  const csrf = csrfFor(sessions, options.csrf, "fastifySessions");
  if (csrf !== undefined) addCsrf(fastify, options, csrf);
  if (options.errorHandler !== false) fastify.setErrorHandler(sessionErrorHandler);
}

/**
 * What `app.register(fastifySessions, …)` takes: {@link FastifySessionsOptions} with a manager
 * of any session data. `Sessions<Data>` is invariant in `Data`, and `register` cannot carry a
 * type parameter through to the plugin, so `createSessions<{ cart: string[] }>()` would not fit
 * `Sessions<Record<string, unknown>>`. The plugin never reads the data's shape; routes type it
 * with `getSession<Data>(request)`.
 */
export type FastifySessionsPluginOptions = Omit<FastifySessionsOptions, "sessions"> & {
  // biome-ignore lint/suspicious/noExplicitAny: a manager of any data type; see above.
  sessions: Sessions<any>;
};

/**
 * The Fastify plugin: `await app.register(fastifySessions, { sessions, csrf })`. It skips Fastify's
 * encapsulation, so its decoration, hooks and error handler apply to the scope that registers it.
 */
export const fastifySessions: (
  fastify: FastifyInstance,
  options: FastifySessionsPluginOptions,
) => Promise<void> = Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "sessionjar",
});
