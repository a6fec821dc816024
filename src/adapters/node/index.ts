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
import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { CorsPolicy } from "../../cors/policy.js";
import type { Csrf } from "../../csrf/create-csrf.js";
import type { KnownKeys } from "../../lib/options.js";
import type { SessionRequest, Sessions } from "../../session/create-sessions.js";
import type { RequestSession, SessionResponseHeaders } from "../../session/request-session.js";
import type { DataShape } from "../../session/session-common.js";
import { applyHeaders, checkAdapterOptions, csrfFor, errorAnswer } from "../core.js";
import { adoptHeaders, type RawHeaders, withCors } from "./cors.js";
import { guardNodeRequest } from "./csrf.js";

export type { CsrfSession, FormFields, FormValue } from "../csrf-core.js";
export { answerClientError } from "./client-errors.js";
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
      // Node keeps only the first of several Authorization headers in req.headers; a bearer
      // request with two must be refused, not read by its first.
      if (name === "authorization") return req.headersDistinct.authorization?.join(", ");
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
  // Its own Content-Length: with Transfer-Encoding removed above, Node could not frame the body
  // and would end the connection after it, losing the next request on a kept-alive socket.
  const [status, headers, body] =
    a === undefined
      ? [500, { "content-type": "application/json" }, INTERNAL]
      : [a.status, a.headers, a.body];
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) }).end(body);
}

type Method = (...a: unknown[]) => unknown;

/** What {@link commitBeforeResponse} keeps for a response. */
interface Hold {
  session: RequestSession<never> | RequestSession<Record<string, unknown>>;
  writeHead: Method;
  write: Method;
  end: Method;
  /** 0 open, 1 committing (calls queued), 2 done (calls go straight through). */
  state: 0 | 1 | 2;
  queue: (() => void)[] | undefined;
  /**
   * The headers object of a held `writeHead`, when the response had no headers of its own
   * then: the head is written from it and the session's headers in one call at the commit.
   */
  head: OutgoingHttpHeaders | undefined;
  /**
   * That head with the session's headers merged in, for the `writeHead` that Node itself makes
   * at the first `write` or `end`: by then it knows an `end`'s body, and frames it with a
   * Content-Length instead of chunks.
   */
  merged: OutgoingHttpHeaders | undefined;
}

// A plain Node response keeps its hold as a property, which costs the garbage collector
// nothing. A response whose prototype a framework swapped (Express does, on every request) keeps
// it beside, in a WeakMap: a property added to such an object takes V8's slow path, several µs.
const HOLD = Symbol("sessionjar.hold");
const holds = new WeakMap<ServerResponse, Hold>();

function holdOf(res: ServerResponse): Hold | undefined {
  return (res as ServerResponse & { [HOLD]?: Hold })[HOLD] ?? holds.get(res);
}

function applySession(res: ServerResponse, hold: Hold, h: SessionResponseHeaders): void {
  if (res.headersSent) return;
  const head = hold.head;
  if (head !== undefined) {
    hold.head = undefined;
    if (res.getHeaderNames().length === 0) {
      mergeHead(hold, head, h);
      return;
    }
    // The response had none at writeHead: what it has now was set after, and wins.
    for (const k in head) {
      const v = head[k];
      if (v !== undefined && !res.hasHeader(k)) res.setHeader(k, v);
    }
  }
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

const NATIVE = ServerResponse.prototype as unknown as Record<HeldName, Method>;

/**
 * True when the hold calls Node's own methods: no wrapper (a CORS policy's, a compression
 * middleware's) runs between the commit and the head, to set headers of its own there.
 */
function direct(hold: Hold): boolean {
  return (
    hold.end === NATIVE.end && hold.write === NATIVE.write && hold.writeHead === NATIVE.writeHead
  );
}

/**
 * Merges the session's headers into the handler's `writeHead` headers, for one `writeHead` with
 * an object: Node's fast path, some thousands of instructions less than a `setHeader` each.
 * The handler's names keep their case; the session's find theirs in any case.
 */
function mergeHead(hold: Hold, head: OutgoingHttpHeaders, h: SessionResponseHeaders): void {
  const merged: OutgoingHttpHeaders = {};
  for (const k in head) if (head[k] !== undefined) merged[k] = head[k];
  const key = (n: string): string => {
    for (const k in merged) if (k.length === n.length && k.toLowerCase() === n) return k;
    return n;
  };
  applyHeaders(
    h,
    (n) => {
      const v = merged[key(n)];
      return v === undefined ? undefined : String(v);
    },
    (n, v) => {
      merged[key(n)] = v;
    },
    (c) => {
      const k = key("set-cookie");
      const v = merged[k];
      merged[k] = v === undefined ? [c] : [...(Array.isArray(v) ? v : [String(v)]), c];
    },
  );
  hold.merged = merged;
}

/**
 * Commits at the first `write` or `end`. Most read-only requests write nothing: their session
 * headers are known at once (true), and the call goes straight through with nothing queued.
 */
function committedNow(res: ServerResponse, hold: Hold): boolean {
  const ready = hold.session.commitSync();
  if (ready === undefined) return false;
  applySession(res, hold, ready);
  hold.state = 2;
  return true;
}

/** Queues a call until the store write completes; the first one starts the commit. */
function queueCall(res: ServerResponse, hold: Hold, call: () => void): void {
  if (hold.state === 1) {
    hold.queue?.push(call);
    return;
  }
  hold.state = 1;
  hold.queue = [call];
  hold.session.commit().then(
    (h) => {
      applySession(res, hold, h);
      hold.state = 2;
      for (const f of hold.queue ?? []) f();
      hold.queue = undefined;
    },
    (error: unknown) => {
      hold.state = 2;
      hold.queue = undefined;
      sendSessionError(res, error);
    },
  );
}

// The replacements are shared by every response (no closures per request); each finds its
// response's hold, and once the commit is done it only calls through.
function heldWriteHead(this: ServerResponse, ...args: unknown[]): unknown {
  const hold = holdOf(this) as Hold;
  if (hold.state === 2) {
    const merged = hold.merged;
    if (merged === undefined) return hold.writeHead.apply(this, args);
    hold.merged = undefined;
    return hold.writeHead.call(this, args[0], merged);
  }
  // Keep the status and headers, but let the session's headers join them first.
  this.statusCode = args[0] as number;
  // A second writeHead: the first one's headers go on the response, for the second to override.
  if (hold.head !== undefined) {
    adoptHeaders(this, hold.head);
    hold.head = undefined;
  }
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (typeof a === "string") this.statusMessage = a;
    else if (typeof a === "object" && a !== null) {
      if (!Array.isArray(a) && direct(hold) && this.getHeaderNames().length === 0)
        hold.head = a as OutgoingHttpHeaders;
      else adoptHeaders(this, a as RawHeaders);
    }
  }
  return this;
}

/** `write` or `end` while held: straight through once committed, else queued behind the commit. */
function heldCall(res: ServerResponse, method: "write" | "end", args: unknown[]): unknown {
  const hold = holdOf(res) as Hold;
  // A failed request (a handler that threw, a store that failed) saves nothing it staged.
  if (hold.state === 0 && res.statusCode >= 500) hold.session.discard();
  if (hold.state === 2 || (hold.state === 0 && committedNow(res, hold)))
    return hold[method].apply(res, args);
  queueCall(res, hold, () => hold[method].apply(res, args));
  return method === "write" ? true : res;
}

function heldWrite(this: ServerResponse, ...args: unknown[]): unknown {
  return heldCall(this, "write", args);
}

function heldEnd(this: ServerResponse, ...args: unknown[]): unknown {
  return heldCall(this, "end", args);
}

type HeldName = "writeHead" | "write" | "end";

/** What each held method is replaced with while a response holds a session. */
const REPLACEMENTS: Readonly<Record<HeldName, Method>> = {
  writeHead: heldWriteHead,
  write: heldWrite,
  end: heldEnd,
};
const HELD = Object.keys(REPLACEMENTS) as HeldName[];

const ownsHeld = (o: object): boolean => HELD.some((m) => Object.hasOwn(o, m));

// Framework bases given the held methods, once each. The methods call straight through for
// responses that hold no session.
const layered = new WeakSet<object>();

/**
 * The object a framework puts between its responses and `ServerResponse.prototype` (Express's
 * `response`, which every app's and mounted sub-app's response inherits from), when it has none
 * of the held methods of its own or has them from {@link layer}; undefined for a plain Node
 * response.
 */
function frameworkBase(res: ServerResponse): object | undefined {
  let p: object | null = Object.getPrototypeOf(res) as object | null;
  if (p === null || p === ServerResponse.prototype) return undefined;
  for (let up = Object.getPrototypeOf(p) as object | null; up !== null; ) {
    if (up === ServerResponse.prototype) return layered.has(p) || !ownsHeld(p) ? p : undefined;
    p = up;
    up = Object.getPrototypeOf(up) as object | null;
  }
  return undefined;
}

function layer(base: object): void {
  const below = Object.getPrototypeOf(base) as Record<HeldName, Method>;
  for (const m of HELD) {
    const held = REPLACEMENTS[m];
    const original = below[m];
    Object.defineProperty(base, m, {
      configurable: true,
      writable: true,
      value(this: ServerResponse, ...args: unknown[]): unknown {
        return holds.has(this) ? held.apply(this, args) : original.apply(this, args);
      },
    });
  }
  layered.add(base);
}

/**
 * Holds the response until the session is committed: `writeHead`, `write` and `end` are
 * deferred until the store write has completed and the session's headers are set, so the
 * client never sees a response (a redirect, say) before its session is saved.
 *
 * A plain Node response gets the three methods as its own. A response whose prototype a
 * framework swapped (Express does, on every request and again in mounted sub-apps) would take
 * V8's slow path for each property added to it, and slow the framework's own code after it:
 * there the three methods go once on the framework's base response object, shared by every app
 * and sub-app, and act only for responses that hold a session.
 */
export function commitBeforeResponse(
  res: ServerResponse,
  session: RequestSession<never> | RequestSession<Record<string, unknown>>,
): void {
  if (holdOf(res) !== undefined)
    throw new TypeError("this response already holds a session: load one session per request");
  const found = frameworkBase(res);
  // A wrapper that middleware earlier in this request put on the response itself took the
  // methods from before the base was layered: this response is held through its own methods.
  const base = found !== undefined && (layered.has(found) || !ownsHeld(res)) ? found : undefined;
  // Once committed, calls go on to what was there before the hold: the response's own methods,
  // or those below the framework's base (the hold is then the innermost of any wrappers).
  const next = (base === undefined ? res : Object.getPrototypeOf(base)) as Record<HeldName, Method>;
  const hold: Hold = {
    session,
    writeHead: next.writeHead,
    write: next.write,
    end: next.end,
    state: 0,
    queue: undefined,
    head: undefined,
    merged: undefined,
  };
  if (found === undefined) (res as ServerResponse & { [HOLD]?: Hold })[HOLD] = hold;
  else holds.set(res, hold);
  if (found !== undefined && !layered.has(found)) layer(found);
  if (base !== undefined) return;
  res.writeHead = heldWriteHead as typeof res.writeHead;
  res.write = heldWrite as typeof res.write;
  res.end = heldEnd as typeof res.end;
}

/** A Node request handler that receives the request's session as a third argument. */
export type SessionHandler<Data extends DataShape<Data>> = (
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

const OPTION_KEYS: readonly string[] = Object.keys({
  cors: true,
  csrf: true,
  formLimit: true,
} satisfies KnownKeys<WithSessionsOptions>);

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
export function withSessions<Data extends DataShape<Data>>(
  sessions: Sessions<Data>,
  handler: SessionHandler<Data>,
  options: WithSessionsOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { formLimit, cors } = options;
  checkAdapterOptions(options, OPTION_KEYS, "withSessions");
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
