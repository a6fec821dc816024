// A real-browser harness: one HTTPS server on 127.0.0.1 that answers for several host names
// (dispatched by the Host header), and a headless Chromium that resolves those names to it and
// trusts its self-signed certificate by SPKI pin. URLs look like https://www.shop.test:<port>/…,
// so the browser applies its real site, origin, cookie and Fetch-Metadata rules.
//
// Chromium comes from the system (Debian's `chromium` package); playwright-core only drives it.
// Never `npx playwright install`.
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { generate } from "selfsigned";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Debian's Chromium reads machine-wide ("managed") policies from here; it is the only way to set
 * a policy such as BlockThirdPartyCookies, which no switch or preference overrides.
 */
export const CHROMIUM_POLICY_DIR = "/etc/chromium/policies/managed";

/** Why {@link HarnessOptions.policies} cannot be used here, or undefined when it can. */
export function policiesUnavailable(): string | undefined {
  try {
    mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
    accessSync(CHROMIUM_POLICY_DIR, constants.W_OK);
    return undefined;
  } catch (error) {
    return `Chromium policies need write access to ${CHROMIUM_POLICY_DIR} (run as root, as .ci/run does): ${(error as Error).message}`;
  }
}

/** The host names every harness serves, beside any the caller adds. */
export const DEFAULT_HOSTS: readonly string[] = ["www.shop.test", "api.shop.test", "evil.example"];

/** The bound on every page action and navigation, in ms. */
export const ACTION_TIMEOUT_MS = 10_000;

export type HostHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HarnessOptions {
  /** One request handler per host name (no port); the keys are also put in the certificate. */
  hosts: Record<string, HostHandler>;
  /** Chromium's executable. Default {@link CHROMIUM_PATH}. */
  executablePath?: string;
  /** Chromium switches added to the harness's own (e.g. to block third-party cookies). */
  extraArgs?: readonly string[];
  /**
   * Chromium policies for this browser's lifetime, as one file in {@link CHROMIUM_POLICY_DIR},
   * removed on close. Machine-wide: the file is there only while this browser runs, and another
   * Chromium started meanwhile would read it too.
   */
  policies?: Readonly<Record<string, unknown>>;
}

export interface BrowserHarness {
  /** The port the HTTPS server listens on (127.0.0.1). */
  readonly port: number;
  /** `https://<host>:<port>` as browsers serialize it (for Origin checks). */
  origin(host: string): string;
  /** `https://<host>:<port><path>`. */
  url(host: string, path?: string): string;
  readonly browser: Browser;
  /** A fresh, isolated browser context (its own cookie jar) with bounded timeouts. */
  newContext(): Promise<BrowserContext>;
  /** Closes every context, the browser and the server. Safe to call twice. */
  close(): Promise<void>;
}

export interface Certificate {
  key: string;
  cert: string;
  /** base64 SHA-256 of the DER SubjectPublicKeyInfo, for --ignore-certificate-errors-spki-list. */
  spki: string;
}

/** A self-signed certificate (EC P-256) for `hosts`, each a DNS subjectAltName. */
export async function makeCertificate(hosts: readonly string[]): Promise<Certificate> {
  const first = hosts[0];
  if (first === undefined) throw new Error("makeCertificate needs at least one host name");
  const pems = await generate([{ name: "commonName", value: first }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: hosts.map((h) => ({ type: 2 as const, value: h })) },
    ],
  });
  const der = createPublicKey(pems.cert).export({ type: "spki", format: "der" });
  const spki = createHash("sha256").update(der).digest("base64");
  return { key: pems.private, cert: pems.cert, spki };
}

/** The host name of a Host header, without its port, lower-cased. */
export function hostnameOf(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return "";
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

/** `p`, or a rejection naming `what` once `ms` have passed. */
export function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the HTTPS server and Chromium. Throws (never skips) when Chromium is missing.
 *
 * ```ts
 * const h = await startBrowserHarness({ hosts: { "www.shop.test": (req, res) => … } });
 * const page = await (await h.newContext()).newPage();
 * await page.goto(h.url("www.shop.test", "/"));
 * ```
 */
export async function startBrowserHarness(options: HarnessOptions): Promise<BrowserHarness> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: the browser tests need it. Install it with \`apt-get install -y chromium\` (do not use \`npx playwright install\`).`,
    );
  }
  const handlers = new Map<string, HostHandler>();
  for (const [host, handler] of Object.entries(options.hosts)) {
    handlers.set(host.toLowerCase(), handler);
  }
  const names = [...new Set([...DEFAULT_HOSTS, ...handlers.keys()])];
  for (const n of names) {
    if (!/^[a-z0-9.-]+$/.test(n))
      throw new Error(`host name ${JSON.stringify(n)} is not a DNS name`);
  }
  const { key, cert, spki } = await makeCertificate(names);

  const sockets = new Set<Socket>();
  const server: Server = createServer({ key, cert }, (req, res) => {
    const host = hostnameOf(req.headers.host);
    const handler = handlers.get(host);
    if (handler === undefined) {
      res.writeHead(421, { "content-type": "text/plain" }).end(`no handler for host ${host}\n`);
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        console.error(`browser harness: handler for ${host} failed`, error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("handler failed\n");
      });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  // Chromium probes and abandons connections; a TLS error on one of them is not a test failure.
  server.on("tlsClientError", () => {});
  await withTimeout(
    "listening",
    ACTION_TIMEOUT_MS,
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    }),
  );
  const { port } = server.address() as AddressInfo;

  const closeServer = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await withTimeout("closing the server", ACTION_TIMEOUT_MS, closed).catch(() => {});
  };

  const rules = names.map((n) => `MAP ${n} 127.0.0.1`).join(", ");
  const policyFile =
    options.policies === undefined
      ? undefined
      : join(CHROMIUM_POLICY_DIR, `sessionjar-harness-${process.pid}-${port}.json`);
  const removePolicies = (): void => {
    if (policyFile !== undefined) rmSync(policyFile, { force: true });
  };
  let browser: Browser;
  try {
    if (policyFile !== undefined) {
      const why = policiesUnavailable();
      if (why !== undefined) throw new Error(why);
      writeFileSync(policyFile, JSON.stringify(options.policies));
    }
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: 30_000,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--host-resolver-rules=${rules}, EXCLUDE localhost`,
        `--ignore-certificate-errors-spki-list=${spki}`,
        ...(options.extraArgs ?? []),
      ],
    });
  } catch (error) {
    removePolicies();
    await closeServer();
    throw error;
  }

  const contexts = new Set<BrowserContext>();
  let closing: Promise<void> | undefined;
  const origin = (host: string): string => `https://${host}:${port}`;

  return {
    port,
    origin,
    url: (host, path = "/") => `${origin(host)}${path.startsWith("/") ? path : `/${path}`}`,
    browser,
    async newContext() {
      const context = await browser.newContext();
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
      contexts.add(context);
      context.once("close", () => contexts.delete(context));
      return context;
    },
    close() {
      closing ??= (async () => {
        for (const c of [...contexts]) {
          await withTimeout("closing a context", ACTION_TIMEOUT_MS, c.close()).catch(() => {});
        }
        await withTimeout("closing Chromium", ACTION_TIMEOUT_MS, browser.close()).catch(
          (error: unknown) => {
            console.error("browser harness: Chromium did not close in time", error);
          },
        );
        removePolicies();
        await closeServer();
      })();
      return closing;
    },
  };
}

/** A request body as text, refused over `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The one element of `all`, failing with what was seen when there are none or several. */
export function exactlyOne<T>(all: readonly T[], what: string, seen: unknown): T {
  assert.equal(all.length, 1, `expected exactly one ${what}, saw ${JSON.stringify(seen)}`);
  return all[0] as T;
}
