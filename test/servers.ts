// Test servers of the adapter suites (src/adapters/*/*.test.ts): listening on a free port of
// 127.0.0.1, closing, a node:http → fetch bridge for the Web (Request/Response) adapters, and
// servers that listen before their handler exists (the CSRF defence needs the origin first).
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import type { AddressInfo, Server } from "node:net";
import { Readable } from "node:stream";
import type { RunningServer } from "./sessions/behaviour.js";

/** Waits until `server` listens (it may already), and returns its origin. */
export async function listening(server: Server): Promise<string> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve).once("error", reject);
    });
  }
  return originOf(server);
}

/** `http://127.0.0.1:<port>` of a listening server. */
export function originOf(server: Server): string {
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Listens on a free port of 127.0.0.1, and returns the origin. */
export function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  return listening(server);
}

/** Closes `server`. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => server.close(() => r()));
}

/** The {@link RunningServer} of `server`, once it listens (started or not by the caller). */
export async function running(server: Server): Promise<RunningServer> {
  const origin = await listening(server);
  return { origin, close: () => closeServer(server) };
}

/** Options of {@link bridge}. */
export interface BridgeOptions {
  /**
   * When the handler answers without reading the whole request body (a form over the limit),
   * close the connection, as a runtime would.
   */
  readonly closeUnread?: boolean;
}

/** A minimal node:http → fetch bridge: enough to serve a `(Request) => Response` handler. */
export function bridge(
  fetch: (request: Request) => Promise<Response>,
  options: BridgeOptions = {},
): RequestListener {
  return async (req, res): Promise<void> => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
    });
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      console.error(error);
      res.writeHead(500).end();
      return;
    }
    const out: [string, string][] = [];
    response.headers.forEach((v, k) => {
      if (k !== "set-cookie") out.push([k, v]);
    });
    for (const c of response.headers.getSetCookie()) out.push(["set-cookie", c]);
    if (options.closeUnread === true && !req.complete) out.push(["connection", "close"]);
    res.writeHead(response.status, out.flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

/** A fetch handler that answers 503 until {@link LateFetch.use} gives it the real one. */
export interface LateFetch {
  readonly fetch: (request: Request) => Promise<Response>;
  use(fetch: (request: Request) => Response | Promise<Response>): void;
}

export function lateFetch(): LateFetch {
  let current: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  return {
    fetch: async (request) => current(request),
    use(fetch) {
      current = fetch;
    },
  };
}

/** A server that listens before it has a handler: 503 until `use` gives it one. */
export interface EarlyServer<H> {
  readonly origin: string;
  readonly running: RunningServer;
  use(handler: H): void;
}

/** A node:http server listening on 127.0.0.1, its request listener given later. */
export async function earlyNodeServer(): Promise<EarlyServer<RequestListener>> {
  let serve: RequestListener = (_req: IncomingMessage, res) => res.writeHead(503).end();
  const server = createServer((req, res) => serve(req, res));
  const origin = await listen(server);
  return {
    origin,
    running: { origin, close: () => closeServer(server) },
    use(handler) {
      serve = handler;
    },
  };
}

/** A node:http server listening on 127.0.0.1 through {@link bridge}, its fetch given later. */
export async function earlyWebServer(
  options: BridgeOptions = { closeUnread: true },
): Promise<EarlyServer<(request: Request) => Promise<Response>>> {
  const late = lateFetch();
  const server = createServer(bridge(late.fetch, options));
  const origin = await listen(server);
  return {
    origin,
    running: { origin, close: () => closeServer(server) },
    use: late.use,
  };
}
