import { createRuntimeAuditor } from "../audit/runtime.js";
import { parseCookie, serializeSetCookie } from "../cookie/index.js";
import { Emitter } from "../lib/emitter.js";
import type { SessionRecord } from "../stores/types.js";
import { readBearerToken } from "../transports/bearer.js";
import {
  OPAQUE_COOKIE_CAPABILITIES,
  type TransportCapabilities,
} from "../transports/capabilities.js";
import { bearerError } from "./bearer.js";
import { OpaqueBearerSession } from "./bearer-session.js";
import { SessionError } from "./errors.js";
import type { RevokeReason, SessionEvent } from "./events.js";
import { resolveOptions, type SessionsOptions } from "./options.js";
import {
  guarded,
  type LoadedState,
  RequestSession,
  type SessionInfo,
  toInfo,
} from "./request-session.js";
import { type DataShape, forwardedHttps, type JsonShape } from "./session-common.js";
import { statelessSessions } from "./stateless-sessions.js";
import { isWellFormedToken, storeKey } from "./tokens.js";

/** The little an adapter tells the session layer about a request. */
export interface SessionRequest {
  /** One request header by lower-case name, or undefined. */
  header(name: string): string | undefined;
  /** True when the connection itself is TLS. */
  readonly encrypted: boolean;
}

/** The session manager that `createSessions` returns. */
export interface Sessions<Data extends DataShape<Data>> {
  /** The cookie name in use. */
  readonly cookieName: string;
  /**
   * What the transport can do: where state lives, how fast revocation is, whether the
   * credential is ambient (a cookie: unsafe requests then need the CSRF guard).
   */
  readonly capabilities: TransportCapabilities;
  /**
   * Finds the request's session: at most one store read, none for a missing or malformed
   * cookie. Throws a 503 {@link SessionError} when the request carries a session cookie and
   * the store is down (fail closed; nothing is changed, the cookie is kept).
   */
  load(request: SessionRequest): Promise<RequestSession<Data>>;
  /**
   * A user's live sessions, oldest first (admin views). Stateless transports keep no such list:
   * a 501 {@link SessionError} `ERR_SESSION_UNSUPPORTED`.
   */
  list(userId: string): Promise<SessionInfo[]>;
  /**
   * Ends every session of a user (admin forced sign-out, password change). Returns how many, or
   * null for a stateless transport, which sets the user's not-before time and cannot count.
   */
  revokeUser(userId: string, reason?: RevokeReason): Promise<number | null>;
  /** Subscribes to events; returns a function that unsubscribes. */
  on: Emitter<SessionEvent>["on"];
}

/** `NODE_ENV=production`, where a runtime has a `process` at all (Web runtimes may not). */
function inProduction(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.NODE_ENV === "production";
}

const LOCALHOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$/i;

/**
 * Creates the session manager: opaque 256-bit tokens in a `__Host-` cookie, SHA-256 of the
 * token as the store key, idle and absolute timeouts enforced from server time, rotation on
 * sign-in and elevation, revocation of one, others or all of a user's sessions.
 *
 * ```ts
 * const sessions = createSessions({ store: memoryStore() });
 * const session = await sessions.load(request);
 * await session.signIn(user.id);
 * const headers = await session.commit(); // Set-Cookie, Cache-Control, Vary
 * ```
 */
export function createSessions<Data extends JsonShape<Data> = Record<string, unknown>>(
  options: SessionsOptions<Data>,
): Sessions<Data> {
  const o = resolveOptions(options);
  // Refuse a cookie configuration browsers would reject now, not on the first sign-in.
  try {
    serializeSetCookie({
      name: o.cookieName,
      value: "",
      path: o.path,
      ...(o.domain === undefined ? {} : { domain: o.domain }),
      secure: true,
      httpOnly: true,
      sameSite: o.sameSite,
    });
  } catch (error) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS_INVALID",
      500,
      `invalid session cookie options: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const events = new Emitter<SessionEvent>();
  const transport = options.transport;
  const audit = options.audit ?? !inProduction();
  if (audit !== false) {
    const a = audit === true ? {} : audit;
    const auditor = createRuntimeAuditor({
      // The session layer sees its own headers only, not the HSTS the application may send.
      ignore: ["hsts-missing"],
      sessionCookies: [o.cookieName],
      // Warnings go to logs: never the token itself.
      redact: true,
      ...(a.warn === undefined ? {} : { warn: a.warn }),
      ...(a.maxLifetime === undefined ? {} : { maxLifetime: a.maxLifetime }),
    });
    o.audit = (h, url) => {
      const headers: [string, string][] = h.setCookie.map((line) => ["set-cookie", line]);
      if (h.cacheControl !== undefined) headers.push(["cache-control", h.cacheControl]);
      if (h.vary !== undefined) headers.push(["vary", h.vary]);
      for (const finding of auditor.check({ url, status: 200, headers })) {
        events.emit({ type: "audit", finding });
      }
    };
  }

  const isSecure = (req: SessionRequest): boolean => {
    if (req.encrypted) return true;
    if (o.trustProxy) {
      const forwarded = forwardedHttps(req);
      if (forwarded !== undefined) return forwarded;
    }
    return o.insecureLocalhost && LOCALHOST.test(req.header("host") ?? "");
  };

  if (transport?.stateless !== undefined) {
    return statelessSessions(o, events, transport, transport.stateless, isSecure);
  }
  const bearer = transport?.carrier === "bearer";

  async function load(req: SessionRequest): Promise<RequestSession<Data>> {
    const secure = isSecure(req);
    const state: LoadedState = {
      token: undefined,
      key: undefined,
      record: undefined,
      clearCookie: false,
      problem: undefined,
      secure,
      // Read only on plain HTTP, for the message of a refused sign-in.
      forwardedHttps: !secure && !o.trustProxy && forwardedHttps(req) === true,
      // Read only for the runtime audit's URL.
      host: o.audit === undefined ? undefined : req.header("host"),
      userAgent: req.header("user-agent")?.slice(0, 512) ?? null,
    };
    if (bearer) return loadBearer(req, state);
    const header = req.header("cookie");
    const values = header === undefined ? [] : parseCookie(header).getAll(o.cookieName);
    if (values.length > 1) {
      // Two session cookies: one was planted (cookie tossing) or left by an old Path. Trust neither.
      events.emit({ type: "suspicious", reason: "duplicate-cookie" });
      state.problem = "duplicate-cookie";
    } else if (values.length === 1) {
      const token = values[0] as string;
      if (!isWellFormedToken(token)) {
        events.emit({ type: "suspicious", reason: "malformed-token" });
        state.problem = "malformed-token";
        state.clearCookie = true;
      } else {
        const key = storeKey(token);
        const record = await guarded(
          events,
          "get",
          () => o.store.get(key),
          () => dropUnreadable(state, key),
        );
        const pending = adopt(state, token, key, record);
        if (pending !== undefined) await pending;
      }
    }
    return new RequestSession<Data>(o, events, state);
  }

  async function loadBearer(
    req: SessionRequest,
    state: LoadedState,
  ): Promise<RequestSession<Data>> {
    const header = readBearerToken(req.header("authorization"));
    if (!header.ok) {
      if (header.reason === "missing") return new OpaqueBearerSession<Data>(o, events, state);
      throw bearerError(header.reason);
    }
    if (!isWellFormedToken(header.token)) {
      events.emit({ type: "suspicious", reason: "malformed-token" });
      throw bearerError("malformed");
    }
    const key = storeKey(header.token);
    const record = await guarded(
      events,
      "get",
      () => o.store.get(key),
      () => dropUnreadable(state, key),
    );
    await adopt(state, header.token, key, record);
    if (state.problem !== undefined)
      throw bearerError(state.problem === "expired" ? "expired" : "unknown");
    return new OpaqueBearerSession<Data>(o, events, state);
  }

  /** Takes a loaded record into the request's state: synchronous unless it must be deleted or validated. */
  function adopt(
    state: LoadedState,
    token: string,
    key: string,
    record: SessionRecord | null,
  ): Promise<void> | undefined {
    if (record === null) {
      // Unless the record was there but unreadable (dropUnreadable said so): never issued, or
      // gone. Its cookie is not cleared: the token may be one that another request rotated or
      // replaced a moment ago (MFA, a sign-in), and a clearing cookie arriving after that
      // response would delete the new cookie and sign the user out. A dead cookie costs one
      // store read per request until its Max-Age ends it or a sign-in replaces it.
      if (state.problem === undefined) {
        events.emit({ type: "suspicious", reason: "unknown-token" });
        state.problem = "unknown-token";
      }
      return undefined;
    }
    const now = o.now();
    // Enforced from the server's clock, whatever the store's own expiry did or did not do yet.
    const reason =
      now >= record.absoluteExpiresAt
        ? "absolute"
        : now >= record.idleExpiresAt
          ? "idle"
          : undefined;
    if (reason !== undefined) {
      events.emit({ type: "expired", sessionId: record.id, userId: record.userId, reason });
      return end(state, key, "expired");
    }
    if (o.schema !== undefined) return validated(state, token, key, record, o.schema);
    state.token = token;
    state.key = key;
    state.record = record;
    return undefined;
  }

  /**
   * A record the store holds but cannot read (ERR_STORE_CORRUPT, already reported as a
   * `store-error`) can never come back: its session ends, as a revoked one, instead of a 503 on
   * every request, sign-in and sign-out included, until someone repairs the row. Deleting it is
   * tried; a store that cannot delete it either leaves it to expire.
   */
  async function dropUnreadable(state: LoadedState, key: string): Promise<null> {
    await guarded(events, "delete", () => o.store.delete(key)).catch(() => undefined);
    state.problem = "revoked";
    state.clearCookie = true;
    return null;
  }

  /** Deletes a session the request may no longer use, and clears its cookie. */
  async function end(
    state: LoadedState,
    key: string,
    problem: "expired" | "revoked",
  ): Promise<void> {
    await guarded(events, "delete", () => o.store.delete(key));
    state.problem = problem;
    state.clearCookie = true;
  }

  async function validated(
    state: LoadedState,
    token: string,
    key: string,
    record: SessionRecord,
    schema: NonNullable<typeof o.schema>,
  ): Promise<void> {
    const result = await schema["~standard"].validate(record.data);
    if (result.issues !== undefined) {
      events.emit({
        type: "revoked",
        sessionId: record.id,
        userId: record.userId,
        reason: "invalid-data",
      });
      return end(state, key, "revoked");
    }
    state.token = token;
    state.key = key;
    state.record = { ...record, data: result.value as Record<string, unknown> };
  }

  return {
    cookieName: o.cookieName,
    capabilities: transport?.capabilities ?? OPAQUE_COOKIE_CAPABILITIES,
    load,
    async list(userId) {
      const all = await guarded(events, "listByUser", () => o.store.listByUser(userId));
      return all.map((s) => toInfo(s.record, false));
    },
    async revokeUser(userId, reason = "admin") {
      const removed = await guarded(events, "deleteByUser", () => o.store.deleteByUser(userId));
      for (const r of removed)
        events.emit({ type: "revoked", sessionId: r.id, userId: r.userId, reason });
      return removed.length;
    },
    on: events.on.bind(events),
  };
}
