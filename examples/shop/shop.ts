// The shop: three hosts in one process, built from sessionjar's public API only. www has the
// pages and the session; api, same site but another origin, has its own session reached by a
// one-time code exchange and answers www's page through credentialed CORS; evil is a hostile
// site with an attack page.

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { csrfToken, nodeSessionRequest, withSessions } from "sessionjar/adapters/node";
import { parseCookie } from "sessionjar/cookie";
import { createCorsPolicy } from "sessionjar/cors";
import { createCsrf } from "sessionjar/csrf";
import { createMetrics, type Metrics } from "sessionjar/metrics";
import {
  createSessions,
  type RequestSession,
  type SessionInfo,
  type Sessions,
} from "sessionjar/session";
import type { SessionStore } from "sessionjar/stores";
import { buildAuditPage } from "../audit-page/build.js";
import { ACCOUNTS, cartOf, demoOrders, euros, type Order, type User } from "./data.js";
import { createExchangeCodes } from "./exchange-codes.js";
import {
  field,
  HttpError,
  htmlErrorsFor,
  isForm,
  readFields,
  redirect,
  sendError,
  sendHtml,
  sendJson,
  wantsHtml,
} from "./http.js";
import {
  adminPage,
  attackPage,
  cartSummary,
  checkoutPage,
  insecurePage,
  sessionsPage,
  signInPage,
} from "./pages.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { createRouter, type Params, type Route } from "./router.js";
import { createThrottle, type ThrottleOptions } from "./throttle.js";

export interface ShopHosts {
  readonly www: string;
  readonly api: string;
  readonly evil: string;
}

export const DEFAULT_HOSTS: ShopHosts = {
  www: "www.shop.test",
  api: "api.shop.test",
  evil: "evil.example",
};

/** The www session's cookie: host-only, `__Host-`, Secure, HttpOnly, SameSite=Lax. */
export const WWW_COOKIE = "__Host-shop_session";
/** The API's own session cookie, host-only on the API's host. */
export const API_COOKIE = "__Host-shop_api";
/** The one-time code of the MFA step in the demo. */
export const DEMO_MFA_CODE = "123456";

export interface ShopOptions {
  /** Where www's and the API's sessions live (two stores, or two tables / prefixes of one). */
  stores: { readonly www: SessionStore; readonly api: SessionStore };
  /** The port browsers see in origins (443 is left out of them). */
  publicPort: number;
  hosts?: Partial<ShopHosts>;
  /** At least 32 bytes that sign CSRF tokens; random when absent (tokens die with the process). */
  csrfSecret?: string;
  /** The login and MFA throttles. */
  throttle?: ThrottleOptions;
}

/** The www session's data: the shopper's preferences, as `pref.<name>` → value. */
type WwwData = Record<string, string>;
const PREF = "pref.";
const PREF_NAME = /^[a-z0-9-]{1,32}$/;
const MAX_PREFS = 50;
type ApiData = { www: string };

export interface Shop {
  readonly hosts: ShopHosts;
  readonly origins: ShopHosts;
  /** Answers any request of the HTTPS port, by its Host header. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Per-host handlers, for servers that dispatch themselves. */
  readonly handlers: Readonly<
    Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>
  >;
  /** Answers the plain-HTTP port: a redirect to HTTPS. */
  handleInsecure(req: IncomingMessage, res: ServerResponse): void;
  readonly sessions: Sessions<WwwData>;
  readonly apiSessions: Sessions<ApiData>;
  readonly metrics: Metrics;
  readonly orders: ReadonlyMap<string, Order>;
  /** Waits for background work (the API sessions ended with a www session). */
  settled(): Promise<void>;
}

/** `https://host[:port]`, as browsers serialize it. */
export function originOf(host: string, port: number): string {
  return port === 443 ? `https://${host}` : `https://${host}:${port}`;
}

/** The host name of a Host header, lower-cased, without its port. */
export function hostnameOf(header: string | undefined): string {
  const h = (header ?? "").trim().toLowerCase();
  const colon = h.lastIndexOf(":");
  return colon === -1 || h.endsWith("]") ? h : h.slice(0, colon);
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  // No Strict-Transport-Security: on the demo's hosts it would make the browser upgrade the
  // plain-HTTP port itself, and the page that shows Secure cookies staying away could not load.
};

function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}

/** Why a request that needs a signed-in user has none, as a 401. */
function signedOut(problem: RequestSession["problem"]): HttpError {
  switch (problem) {
    case "unknown-token":
      return new HttpError(
        401,
        "session_unknown",
        "this session is not known here (it ended, or was never issued): sign in again",
      );
    case "expired":
      return new HttpError(401, "session_expired", "this session has expired: sign in again");
    case "malformed-token":
      return new HttpError(
        401,
        "session_cookie_malformed",
        "the session cookie is not one this shop issues: sign in again",
      );
    default:
      return new HttpError(401, "session_required", "sign in first");
  }
}

function duplicated(req: IncomingMessage, name: string): boolean {
  const header = req.headers.cookie;
  return header !== undefined && parseCookie(header).count(name) > 1;
}

function sessionView(info: SessionInfo): Record<string, unknown> {
  return {
    id: info.id,
    createdAt: info.createdAt,
    lastSeenAt: info.lastSeenAt,
    idleExpiresAt: info.idleExpiresAt,
    absoluteExpiresAt: info.absoluteExpiresAt,
    elevated: info.elevatedAt !== null,
    elevatedAt: info.elevatedAt,
  };
}

interface Context<Data extends Record<string, unknown>> {
  req: IncomingMessage;
  res: ServerResponse;
  session: RequestSession<Data>;
  params: Params;
  user: User | undefined;
}

type Handler<Data extends Record<string, unknown>> = (c: Context<Data>) => Promise<void> | void;

export async function createShop(options: ShopOptions): Promise<Shop> {
  const hosts: ShopHosts = { ...DEFAULT_HOSTS, ...options.hosts };
  const origins: ShopHosts = {
    www: originOf(hosts.www, options.publicPort),
    api: originOf(hosts.api, options.publicPort),
    evil: originOf(hosts.evil, options.publicPort),
  };
  const secret = options.csrfSecret ?? randomBytes(32).toString("base64url");
  const keys = [{ id: "k1", secret }];

  const users = new Map<string, User>();
  const byEmail = new Map<string, { user: User; hash: string }>();
  for (const { password, ...user } of ACCOUNTS) {
    users.set(user.id, user);
    byEmail.set(user.email, { user, hash: await hashPassword(password) });
  }
  // Unknown emails are checked against this, so that they take as long as known ones.
  const absentHash = await hashPassword(randomBytes(16).toString("hex"));
  const throttle = createThrottle(options.throttle);
  const codes = createExchangeCodes();
  const orders = demoOrders();

  const metrics = createMetrics();
  const sessions = createSessions<WwwData>({
    store: options.stores.www,
    cookie: { name: WWW_COOKIE },
  });
  const apiSessions = createSessions<ApiData>({
    store: options.stores.api,
    cookie: { name: API_COOKIE },
  });
  const csrf = createCsrf({ origin: origins.www, keys });
  // The API's only unsafe route is the exchange, whose one-time code is the secret: the guard
  // lets www's origin through and refuses every other site.
  const apiCsrf = createCsrf({
    origin: origins.api,
    trustedOrigins: [origins.www],
    requireToken: false,
    keys,
  });
  const cors = metrics.instrumentCors(
    createCorsPolicy({
      origins: [origins.www],
      credentials: true,
      methods: ["GET", "POST"],
      allowedHeaders: ["content-type"],
    }),
    { labels: { app: "api" } },
  );
  metrics.observeSessions(sessions, { labels: { app: "www" } });
  metrics.observeSessions(apiSessions, { labels: { app: "api" } });
  metrics.observeCsrf(csrf, { labels: { app: "www" } });
  metrics.observeCsrf(apiCsrf, { labels: { app: "api" } });

  // A www session that ends takes the API sessions exchanged from it along.
  const pending = new Set<Promise<void>>();
  const endApiSessionsOf = async (userId: string | null, wwwSessionId: string): Promise<void> => {
    if (userId === null) return;
    for (const s of await options.stores.api.listByUser(userId)) {
      if (s.record.data.www === wwwSessionId) await options.stores.api.delete(s.key);
    }
  };
  const follow = (userId: string | null, sessionId: string): void => {
    const p = endApiSessionsOf(userId, sessionId)
      .catch((error: unknown) =>
        console.error("shop: could not end the API sessions of a www session", error),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  sessions.on("revoked", (e) => follow(e.userId, e.sessionId));
  sessions.on("expired", (e) => follow(e.userId, e.sessionId));
  const settled = async (): Promise<void> => {
    await Promise.all([...pending]);
  };

  const ordersOf = (userId: string): Order[] =>
    [...orders.values()].filter((o) => o.userId === userId);
  const publicUser = (u: User): User => ({ id: u.id, email: u.email, name: u.name, role: u.role });
  let auditPage: Promise<string> | undefined;

  const preferencesOf = (session: RequestSession<WwwData>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const k of session.keys())
      if (k.startsWith(PREF)) out[k.slice(PREF.length)] = session.get(k) as string;
    return out;
  };

  const requireUser = (c: Context<WwwData>): User => {
    if (c.user === undefined) throw signedOut(c.session.problem);
    return c.user;
  };
  const done = (c: Context<WwwData>, location: string, body: unknown): void => {
    if (isForm(c.req)) redirect(c.res, location);
    else sendJson(c.res, 200, body);
  };

  // "Sign out other devices" and "sign out everywhere": then a form goes to `location`.
  const revokeMany = (
    path: string,
    revoke: (session: RequestSession<WwwData>) => Promise<number | null>,
    location: string,
  ): Route<Handler<WwwData>> => ({
    method: "POST",
    path,
    handler: async (c) => {
      requireUser(c);
      const revoked = await revoke(c.session);
      await settled();
      done(c, location, { revoked });
    },
  });

  const signIn: Handler<WwwData> = async (c) => {
    const fields = await readFields(c.req);
    const email = field(fields, "email").trim().toLowerCase();
    const password = field(fields, "password", 1024);
    const key = `login:${email}`;
    const refuse = (error: HttpError): void => {
      setHeaders(c.res, error.headers);
      if (wantsHtml(c.req))
        sendHtml(
          c.res,
          error.status,
          signInPage({ csrfToken: csrfToken(c.req), error: error.message, email }),
        );
      else sendError(c.req, c.res, error);
    };
    const wait = throttle.retryAfter(key);
    if (wait > 0) {
      refuse(
        new HttpError(
          429,
          "login_throttled",
          `too many failed sign-ins for this account: try again in ${wait} s`,
          { "retry-after": String(wait) },
        ),
      );
      return;
    }
    const account = byEmail.get(email);
    const ok = await verifyPassword(password, account?.hash ?? absentHash);
    if (account === undefined || !ok) {
      throttle.fail(key);
      refuse(new HttpError(401, "login_failed", "wrong email or password"));
      return;
    }
    throttle.succeed(key);
    await c.session.signIn(account.user.id);
    await settled();
    done(c, "/checkout", { user: publicUser(account.user) });
  };

  // OPTIONS on a known path: the CORS layer has answered preflights already; say what is allowed.
  const allow = <D extends Record<string, unknown>>(c: Context<D>): void => {
    c.res.writeHead(204, { allow: c.params.allow ?? "" });
    c.res.end();
  };

  const www = createRouter<Handler<WwwData>>(allow, [
    {
      method: "GET",
      path: "/",
      handler: (c) =>
        sendHtml(c.res, 200, signInPage({ csrfToken: csrfToken(c.req), signedInAs: c.user })),
    },
    { method: "POST", path: "/login", handler: signIn },
    {
      method: "GET",
      path: "/me",
      handler: (c) => {
        const user = requireUser(c);
        sendJson(c.res, 200, {
          user: publicUser(user),
          session: sessionView(c.session.info as SessionInfo),
        });
      },
    },
    {
      method: "GET",
      path: "/csrf",
      handler: (c) => sendJson(c.res, 200, { token: csrfToken(c.req) }),
    },
    {
      method: "POST",
      path: "/exchange-code",
      handler: (c) => {
        const user = requireUser(c);
        const code = codes.issue({
          userId: user.id,
          wwwSessionId: (c.session.info as SessionInfo).id,
        });
        sendJson(c.res, 200, { code, api: origins.api });
      },
    },
    {
      // The cookie audit page: paste Set-Cookie lines, see the findings and which requests carry
      // each cookie. It runs sessionjar/audit in the browser; built once, on first request.
      method: "GET",
      path: "/audit",
      handler: async (c) => {
        auditPage ??= buildAuditPage();
        const html = await auditPage.catch((error: unknown) => {
          auditPage = undefined;
          throw new HttpError(
            503,
            "audit_page_unavailable",
            `the audit page could not be built: ${(error as Error).message}`,
          );
        });
        sendHtml(c.res, 200, html);
      },
    },
    {
      method: "GET",
      path: "/checkout",
      handler: (c) => {
        if (c.user === undefined) return redirect(c.res, "/");
        c.res.setHeader("cache-control", "private, no-store");
        sendHtml(
          c.res,
          200,
          checkoutPage({
            user: c.user,
            session: c.session.info as SessionInfo,
            orders: ordersOf(c.user.id),
            csrfToken: csrfToken(c.req),
            apiOrigin: origins.api,
          }),
        );
      },
    },
    {
      method: "GET",
      path: "/orders",
      handler: (c) => sendJson(c.res, 200, { orders: ordersOf(requireUser(c).id) }),
    },
    {
      method: "POST",
      path: "/orders/:id/cancel",
      handler: (c) => {
        const user = requireUser(c);
        const order = orders.get(c.params.id ?? "");
        // Someone else's order is as absent as one that does not exist.
        if (order === undefined || order.userId !== user.id)
          throw new HttpError(404, "order_not_found", `you have no order ${c.params.id}`);
        order.status = "cancelled";
        done(c, "/checkout", { order });
      },
    },
    {
      method: "GET",
      path: "/preferences",
      handler: (c) => {
        requireUser(c);
        sendJson(c.res, 200, { preferences: preferencesOf(c.session) });
      },
    },
    {
      method: "POST",
      path: "/preferences",
      handler: async (c) => {
        requireUser(c);
        const fields = await readFields(c.req);
        const name = field(fields, "name", 32);
        const value = field(fields, "value", 200);
        if (!PREF_NAME.test(name))
          throw new HttpError(
            400,
            "body_invalid",
            "a preference name is 1 to 32 of a-z, 0-9 and -",
          );
        const known = preferencesOf(c.session);
        if (!(name in known) && Object.keys(known).length >= MAX_PREFS)
          throw new HttpError(400, "too_many_preferences", `at most ${MAX_PREFS} preferences`);
        // One key per preference: parallel changes of different preferences never overwrite
        // each other, because the store writes only the keys that changed.
        c.session.set(`${PREF}${name}`, value);
        done(c, "/checkout", { name, value });
      },
    },
    {
      method: "POST",
      path: "/mfa",
      handler: async (c) => {
        const user = requireUser(c);
        const fields = await readFields(c.req);
        const key = `mfa:${user.id}`;
        const wait = throttle.retryAfter(key);
        if (wait > 0)
          throw new HttpError(
            429,
            "mfa_throttled",
            `too many wrong codes: try again in ${wait} s`,
            { "retry-after": String(wait) },
          );
        if (field(fields, "code", 16).trim() !== DEMO_MFA_CODE) {
          throttle.fail(key);
          throw new HttpError(
            400,
            "mfa_code_invalid",
            `that is not the code (the demo's is ${DEMO_MFA_CODE})`,
          );
        }
        throttle.succeed(key);
        await c.session.rotate({ elevate: true });
        done(c, "/checkout", {
          session: sessionView(c.session.info as SessionInfo),
          csrfToken: csrfToken(c.req),
        });
      },
    },
    {
      method: "POST",
      path: "/logout",
      handler: async (c) => {
        await c.session.signOut();
        await settled();
        done(c, "/", { signedOut: true });
      },
    },
    {
      method: "GET",
      path: "/sessions",
      handler: async (c) => {
        if (c.user === undefined && wantsHtml(c.req)) return redirect(c.res, "/");
        const user = requireUser(c);
        const list = await c.session.list();
        if (wantsHtml(c.req))
          return sendHtml(
            c.res,
            200,
            sessionsPage({ user, sessions: list, csrfToken: csrfToken(c.req) }),
          );
        sendJson(c.res, 200, {
          sessions: list.map((s) => ({
            id: s.id,
            createdAt: s.createdAt,
            lastSeenAt: s.lastSeenAt,
            userAgent: s.userAgent,
            current: s.current,
          })),
        });
      },
    },
    revokeMany("/sessions/revoke-others", (session) => session.revokeOthers(), "/sessions"),
    revokeMany("/sessions/revoke-all", (session) => session.revokeAll(), "/"),
    {
      method: "POST",
      path: "/sessions/:id/revoke",
      handler: async (c) => {
        requireUser(c);
        const current = c.session.info?.id === c.params.id;
        if (!(await c.session.revoke(c.params.id ?? "")))
          throw new HttpError(404, "session_not_found", "you have no session with that id");
        await settled();
        done(c, current ? "/" : "/sessions", { revoked: 1 });
      },
    },
    {
      method: "GET",
      path: "/admin",
      handler: async (c) => {
        if (c.user === undefined && wantsHtml(c.req)) return redirect(c.res, "/");
        if (requireUser(c).role !== "admin")
          throw new HttpError(403, "admin_required", "only admins may see this page");
        const list = [];
        for (const user of users.values())
          list.push({ user, sessions: (await sessions.list(user.id)).length });
        sendHtml(c.res, 200, adminPage({ users: list, csrfToken: csrfToken(c.req) }));
      },
    },
    {
      method: "POST",
      path: "/admin/users/:id/revoke-all",
      handler: async (c) => {
        if (requireUser(c).role !== "admin")
          throw new HttpError(403, "admin_required", "only admins may sign other users out");
        const target = users.get(c.params.id ?? "");
        if (target === undefined)
          throw new HttpError(404, "user_not_found", `there is no user ${c.params.id}`);
        const revoked = await sessions.revokeUser(target.id, "admin");
        await settled();
        done(c, "/admin", { revoked });
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handler: (c) => {
        c.res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
        c.res.end(metrics.render());
      },
    },
  ]);

  const api = createRouter<Handler<ApiData>>(allow, [
    {
      method: "POST",
      path: "/session/exchange",
      handler: async (c) => {
        const fields = await readFields(c.req);
        const grant = codes.redeem(fields.code);
        if (grant === undefined)
          throw new HttpError(
            401,
            "exchange_code_invalid",
            "this code is unknown, used or expired: ask www for a new one",
          );
        // The www session may have ended since the code was issued.
        const alive = (await sessions.list(grant.userId)).some((s) => s.id === grant.wwwSessionId);
        if (!alive)
          throw new HttpError(
            401,
            "exchange_session_ended",
            "the www session of this code has ended: sign in again",
          );
        await c.session.signIn(grant.userId, { data: { www: grant.wwwSessionId } });
        const user = users.get(grant.userId) as User;
        sendJson(c.res, 200, { user: publicUser(user) });
      },
    },
    {
      method: "GET",
      path: "/cart/summary",
      handler: (c) => {
        if (c.user === undefined) throw signedOut(c.session.problem);
        sendJson(c.res, 200, {
          user: { id: c.user.id, name: c.user.name },
          ...cartSummary(cartOf(c.user.id), euros),
        });
      },
    },
  ]);

  // One request of one host: route first (404 / 405 before any session work), refuse a doubled
  // session cookie, then the session, CSRF and (for the API) CORS layers of the node adapter.
  function host<Data extends Record<string, unknown>>(
    manager: Sessions<Data>,
    router: ReturnType<typeof createRouter<Handler<Data>>>,
    layers: Parameters<typeof withSessions>[2],
  ): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    const routed = new WeakMap<IncomingMessage, { handler: Handler<Data>; params: Params }>();
    const run = withSessions(
      manager,
      async (req, res, session) => {
        const m = routed.get(req) as { handler: Handler<Data>; params: Params };
        const user = session.userId === null ? undefined : users.get(session.userId);
        try {
          await m.handler({ req, res, session, params: m.params, user });
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          sendError(req, res, error);
        }
      },
      layers,
    );
    return async (req, res) => {
      setHeaders(res, {
        "cache-control": "private, no-store",
        vary: "Cookie",
        ...SECURITY_HEADERS,
      });
      const m = router.match(req, res);
      if (m === undefined) return;
      if (duplicated(req, manager.cookieName)) {
        // Loading counts it as suspicious (and reads nothing); neither cookie is trusted.
        await manager.load(nodeSessionRequest(req));
        sendError(
          req,
          res,
          new HttpError(
            401,
            "session_cookie_duplicated",
            "this request carries the session cookie twice, so neither is trusted: clear this site's cookies and sign in again",
          ),
        );
        return;
      }
      htmlErrorsFor(req, res);
      routed.set(req, m);
      await run(req, res);
    };
  }

  const handlers = {
    [hosts.www]: host(sessions, www, { csrf }),
    [hosts.api]: host(apiSessions, api, { csrf: apiCsrf, cors }),
    [hosts.evil]: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/" || (req.method !== "GET" && req.method !== "HEAD")) {
        sendError(req, res, new HttpError(404, "not_found", `nothing at ${path}`));
        return;
      }
      sendHtml(res, 200, attackPage({ wwwOrigin: origins.www, apiOrigin: origins.api }));
    },
  };

  const unknownHost = (): HttpError =>
    new HttpError(
      421,
      "unknown_host",
      `this server answers only for ${Object.keys(handlers).join(", ")}`,
    );

  return {
    hosts,
    origins,
    handlers,
    async handle(req, res) {
      const handler = handlers[hostnameOf(req.headers.host)];
      if (handler === undefined) return sendError(req, res, unknownHost());
      await handler(req, res);
    },
    handleInsecure(req, res) {
      const name = hostnameOf(req.headers.host);
      if (handlers[name] === undefined) return sendError(req, res, unknownHost());
      const location = `${originOf(name, options.publicPort)}${req.url ?? "/"}`;
      const status = req.method === "GET" || req.method === "HEAD" ? 301 : 308;
      res.writeHead(status, {
        location,
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
      });
      res.end(insecurePage(location));
    },
    sessions,
    apiSessions,
    metrics,
    orders,
    settled,
  };
}
