// The CORS glue for Node's IncomingMessage / ServerResponse, shared by the node and Express
// adapters. The decisions are sessionjar/cors's; what adapters share is in ../cors-core.ts.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { CorsPolicy } from "../../cors/policy.js";
import { applyCorsHeaders, decideCors, isPreflight } from "../cors-core.js";

/** A request header as one string, by lower-case name (repeated ones joined with commas). */
function requestHeader(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function responseHeader(res: ServerResponse, name: string): string | undefined {
  const v = res.getHeader(name);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(", ") : String(v);
}

export type RawHeaders = OutgoingHttpHeaders | readonly (string | readonly string[])[];

/** Moves the headers given to `writeHead` onto the response, with writeHead's precedence. */
export function adoptHeaders(res: ServerResponse, headers: RawHeaders): void {
  if (!Array.isArray(headers)) {
    for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders))
      if (v !== undefined) res.setHeader(k, v);
    return;
  }
  // A raw list, [name, value, name, value…] (or [[name, value]…]): it replaces what the
  // response had under those names, and keeps its own repeats.
  const pairs: [string, string][] = [];
  const list = headers as readonly (string | readonly string[])[];
  if (list.every((e) => Array.isArray(e))) {
    for (const e of list as readonly (readonly string[])[])
      pairs.push([String(e[0]), String(e[1])]);
  } else {
    for (let i = 0; i + 1 < list.length; i += 2) pairs.push([String(list[i]), String(list[i + 1])]);
  }
  for (const [k] of pairs) res.removeHeader(k);
  for (const [k, v] of pairs) res.appendHeader(k, v);
}

/**
 * Runs `hook` once, just before the response's head is written: at an explicit `writeHead`, or
 * at the first `write`, `end` or `flushHeaders` (Node writes an implicit head through
 * `this.writeHead` too). The headers given to `writeHead` are set on the response first, so the
 * hook sees everything the handler put there. Layered with the session's hold on the response
 * (`commitBeforeResponse`) in either order, it sees the handler's headers; installed
 * first, it also sees the session's (a later `Vary: Cookie` is merged in either way).
 */
export function beforeHead(res: ServerResponse, hook: () => void): void {
  type Method = (...a: unknown[]) => unknown;
  const writeHead = res.writeHead as Method;
  const write = res.write as Method;
  const end = res.end as Method;
  const flushHeaders = res.flushHeaders as Method;
  let done = false;
  const run = (): void => {
    if (done || res.headersSent) return;
    done = true;
    hook();
  };
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (done || res.headersSent) return writeHead.apply(res, args);
    const [status, ...rest] = args;
    let reason: string | undefined;
    for (const a of rest) {
      if (typeof a === "string") reason = a;
      else if (typeof a === "object" && a !== null) adoptHeaders(res, a as RawHeaders);
    }
    run();
    return reason === undefined ? writeHead.call(res, status) : writeHead.call(res, status, reason);
  } as typeof res.writeHead;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    run();
    return write.apply(res, args);
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    run();
    return end.apply(res, args);
  } as typeof res.end;
  res.flushHeaders = function (this: ServerResponse) {
    run();
    return flushHeaders.call(res);
  } as typeof res.flushHeaders;
}

/**
 * Runs a CORS policy on a Node request, for adapters. A preflight is answered here, at once, with
 * its status (204) and headers, and gives false: nothing else may run (no session, no CSRF
 * check, no route). Any other request gives true, to go on: the decision's headers are then
 * added to its response just before the head is written, `Vary` merged with the response's own.
 * A refused origin gets no grant, and its request still goes on: CORS decides what a page may
 * read, the CSRF defence what it may send.
 */
export function applyNodeCors(
  req: IncomingMessage,
  res: ServerResponse,
  policy: CorsPolicy,
): boolean {
  const decision = decideCors(policy, req.method ?? "GET", (name) => requestHeader(req, name));
  if (isPreflight(decision)) {
    res.writeHead(decision.status, decision.headers).end();
    return false;
  }
  beforeHead(res, () =>
    applyCorsHeaders(
      decision.headers,
      (n) => responseHeader(res, n),
      (n, v) => res.setHeader(n, v),
    ),
  );
  return true;
}

/**
 * Wraps any Node `http` handler with a CORS policy from `createCorsPolicy`: preflights are
 * answered 204 before the handler runs; every other request reaches it, and its response gets
 * the policy's headers (`Vary` merged with the handler's). With sessions, pass
 * `withSessions(sessions, handler, { cors })` instead, which answers preflights before the
 * session loads.
 *
 * ```ts
 * http.createServer(withCors(createCorsPolicy({ origins: ["https://www.shop.test"] }), handler));
 * ```
 */
export function withCors<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(
  policy: CorsPolicy,
  handler: (req: Req, res: Res) => void | Promise<void>,
): (req: Req, res: Res) => void | Promise<void> {
  return (req, res) => {
    if (!applyNodeCors(req, res, policy)) return;
    return handler(req, res);
  };
}
