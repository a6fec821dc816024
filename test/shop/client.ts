// An HTTPS client for the shop's contract tests: it reaches each host name on 127.0.0.1 with
// the right SNI and Host, trusts only the shop's own certificate, and keeps host-only cookies
// per host the way a browser would (name → value, dropped on Max-Age=0).

import type { IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { parseSetCookie } from "../../src/cookie/index.js";

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Set-Cookie lines, as sent. */
  readonly setCookie: readonly string[];
  json<T = Record<string, unknown>>(): T;
}

export interface Target {
  readonly port: number;
  /** The shop's certificate (PEM), the only one trusted. */
  readonly ca: string;
}

export interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request to `host` (a name of the shop) on 127.0.0.1. */
export function send(
  target: Target,
  host: string,
  path: string,
  options: Send = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: target.port,
        servername: host,
        ca: target.ca,
        method: options.method ?? "GET",
        path,
        headers: { host: `${host}:${target.port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const raw = res.headers["set-cookie"];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            setCookie: raw === undefined ? [] : raw,
            json: <T>() => JSON.parse(body) as T,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * A client of one host that behaves like a same-origin page of a browser: it keeps the host's
 * cookies, sends `Origin` and `Sec-Fetch-Site: same-origin` on unsafe requests and, for those,
 * a CSRF token from `GET /csrf`.
 */
export class ShopClient {
  readonly cookies = new Map<string, string>();
  readonly #target: Target;
  readonly #host: string;

  constructor(target: Target, host: string) {
    this.#target = target;
    this.#host = host;
  }

  get origin(): string {
    return `https://${this.#host}:${this.#target.port}`;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(path: string, options: Send = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.cookies.size > 0 && headers.cookie === undefined) headers.cookie = this.cookieHeader();
    const reply = await send(this.#target, this.#host, path, { ...options, headers });
    for (const line of reply.setCookie) {
      const parsed = parseSetCookie(line);
      if (parsed.type !== "cookie") continue;
      const { name, value, maxAge } = parsed.cookie;
      if (maxAge !== undefined && maxAge <= 0) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return reply;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, { headers });
  }

  /** A same-origin JSON POST as a page sends it, but without a CSRF token. */
  postWithoutToken(
    path: string,
    body: unknown = {},
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    return this.request(path, {
      method: "POST",
      headers: {
        origin: this.origin,
        "sec-fetch-site": "same-origin",
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  /** A same-origin JSON POST with a fresh CSRF token. */
  async post(
    path: string,
    body: unknown = {},
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const token = (await this.get("/csrf")).json<{ token: string }>().token;
    return this.postWithoutToken(path, body, { "x-csrf-token": token, ...headers });
  }

  login(email: string, password: string): Promise<Reply> {
    return this.post("/login", { email, password });
  }
}
