import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AuditFetch, HeaderPair } from "../audit/index.js";

/** TLS settings for the command's requests. */
export interface TlsOptions {
  /** PEM certificates to trust besides the system's (a local CA, a self-signed server). */
  readonly ca?: string;
  /** Skip certificate verification altogether. */
  readonly insecure?: boolean;
}

/**
 * One request over node:http(s), redirects not followed, body discarded: the fetcher behind
 * `--ca` and `--insecure`, which the runtime's `fetch` cannot take.
 */
export function nodeFetch(tls: TlsOptions): AuditFetch {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const options = {
        method: init.method,
        headers: { "user-agent": "sessionjar-audit", ...init.headers },
        timeout: 10_000,
        ...(u.protocol === "https:"
          ? {
              rejectUnauthorized: tls.insecure !== true,
              ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            }
          : {}),
      };
      const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(u, options, (res) => {
        const headers: HeaderPair[] = [];
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2)
          headers.push([raw[i] as string, raw[i + 1] as string]);
        res.resume();
        res.once("end", () => resolve({ status: res.statusCode ?? 0, headers }));
        res.once("error", reject);
      });
      req.once("timeout", () => req.destroy(new Error("no answer within 10 s")));
      req.once("error", reject);
      req.end();
    });
}
