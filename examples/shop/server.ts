// Runs the shop: HTTPS for its three hosts on one port, plain HTTP on another (redirects only),
// the certificate and the CSRF secret kept in a data folder.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { type Certificate, loadCertificate } from "./certificate.js";
import { createShop, DEFAULT_HOSTS, originOf, type Shop, type ShopHosts } from "./shop.js";
import { openStores, type ShopStores } from "./stores.js";
import type { ThrottleOptions } from "./throttle.js";

export interface StartOptions {
  /** HTTPS port. Default 8443; 0 picks a free one. */
  port?: number;
  /** Plain HTTP port. Default 8080; 0 picks a free one. */
  httpPort?: number;
  /** The port browsers see, when a proxy serves the shop on another one. Default: `port`. */
  publicPort?: number;
  /** Address to listen on. Default 127.0.0.1, where `--host-resolver-rules` sends the names. */
  bind?: string;
  hosts?: Partial<ShopHosts>;
  /** `memory`, `sqlite:PATH`, `redis://…`, `postgres://…`. Default `sqlite:<data>/sessions.db`. */
  store?: string;
  /** Names the store's tables or key prefixes. Default `shop`. */
  storePrefix?: string;
  /** Where the certificate, the CSRF secret and the default SQLite file live. Default `.shop`. */
  dataDir?: string;
  /** The sign-in and MFA throttles (5 failures in 15 minutes by default). */
  throttle?: ThrottleOptions;
}

export interface RunningShop {
  readonly shop: Shop;
  readonly port: number;
  readonly httpPort: number;
  readonly certificate: Certificate;
  readonly stores: ShopStores;
  close(): Promise<void>;
}

const HEADER_LIMIT = 16 * 1024;

function csrfSecret(dir: string): string {
  const file = join(dir, "csrf-secret");
  try {
    const saved = readFileSync(file, "utf8").trim();
    if (saved.length >= 43) return saved;
  } catch {
    // First start.
  }
  const secret = randomBytes(32).toString("base64url");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** A malformed or oversized request never reaches a handler: answer it with a code, then close. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const body = JSON.stringify({
    error: tooLarge
      ? {
          code: "header_too_large",
          message: `the request's headers are over ${HEADER_LIMIT} bytes`,
        }
      : { code: "request_malformed", message: "the request is not valid HTTP/1.1" },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startShop(options: StartOptions = {}): Promise<RunningShop> {
  const dataDir = options.dataDir ?? ".shop";
  const hosts: ShopHosts = { ...DEFAULT_HOSTS, ...options.hosts };
  const bind = options.bind ?? "127.0.0.1";
  const certificate = await loadCertificate(dataDir, [hosts.www, hosts.api, hosts.evil]);
  const stores = await openStores(options.store ?? `sqlite:${join(dataDir, "sessions.db")}`, {
    ...(options.storePrefix === undefined ? {} : { prefix: options.storePrefix }),
  });

  let shop: Shop | undefined;
  const unavailable = (res: ServerResponse): void => {
    res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
    res.end(JSON.stringify({ error: { code: "starting", message: "the shop is starting" } }));
  };
  const https = createHttpsServer(
    { key: certificate.key, cert: certificate.cert, maxHeaderSize: HEADER_LIMIT },
    (req: IncomingMessage, res: ServerResponse) => {
      if (shop === undefined) return unavailable(res);
      shop.handle(req, res).catch((error: unknown) => {
        console.error("shop: request failed", error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "internal_error", message: "internal error" } }));
      });
    },
  );
  const http = createHttpServer({ maxHeaderSize: HEADER_LIMIT }, (req, res) => {
    if (shop === undefined) return unavailable(res);
    shop.handleInsecure(req, res);
  });
  for (const server of [https, http]) server.on("clientError", answerClientError);
  // Browsers probe and abandon TLS connections; that is not worth a log line.
  https.on("tlsClientError", () => {});

  let port: number;
  let httpPort: number;
  try {
    port = await listen(https, options.port ?? 8443, bind);
    httpPort = await listen(http, options.httpPort ?? 8080, bind);
    shop = await createShop({
      stores,
      publicPort: options.publicPort ?? port,
      hosts,
      csrfSecret: csrfSecret(dataDir),
      ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
    });
  } catch (error) {
    await Promise.all([close(https), close(http)]);
    await stores.close();
    throw error;
  }
  const running = shop;
  return {
    shop: running,
    port,
    httpPort,
    certificate,
    stores,
    async close() {
      await Promise.all([close(https), close(http)]);
      await running.settled();
      await stores.close();
    },
  };
}

/** What `npm start` prints: the URLs, how to open them in Chromium, the demo accounts. */
export function banner(running: RunningShop): string {
  const { shop, httpPort, certificate } = running;
  const { hosts } = shop;
  // One wildcard for www and api when they share a parent domain, as the defaults do.
  const parent = (h: string): string => h.slice(h.indexOf(".") + 1);
  const resolver =
    parent(hosts.www) === parent(hosts.api)
      ? `MAP *.${parent(hosts.www)} 127.0.0.1, MAP ${hosts.evil} 127.0.0.1`
      : [hosts.www, hosts.api, hosts.evil].map((h) => `MAP ${h} 127.0.0.1`).join(", ");
  return `sessionjar shop, sessions in ${running.stores.description}

  www   ${shop.origins.www}/        the shop: sign in, checkout, your devices
  api   ${shop.origins.api}/        its API (same site, other origin)
  evil  ${shop.origins.evil}/        a hostile site that attacks the shop
  http  ${originOf(hosts.www, httpPort).replace("https://", "http://")}/    plain HTTP: no Secure cookie is sent; redirects to HTTPS

Open it in Chromium, without editing any system file:

  chromium --user-data-dir="$(mktemp -d)" \\
    --host-resolver-rules="${resolver}" \\
    --ignore-certificate-errors-spki-list=${certificate.spki} \\
    ${shop.origins.www}/

Accounts: alice@shop.test / alice-password (owns order 842), bob@shop.test / bob-password,
admin@shop.test / admin-password. The MFA code is 123456. Metrics: ${shop.origins.www}/metrics
`;
}
