import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { ParseArgsConfig } from "node:util";
import { type AuditFetch, fetchHop, type HeaderPair } from "../audit/index.js";

/** The help lines of the options every command that fetches takes. */
export const FETCH_HELP = `  --ca FILE               trust the PEM certificate(s) in FILE for https
  --insecure              do not verify TLS certificates
  --resolve HOST:PORT:ADDRESS
                          connect to ADDRESS for HOST on PORT (repeatable), as curl does:
                          for names only a test setup knows (https://www.shop.test:8443)
`;

/** The parseArgs options behind {@link FETCH_HELP}. */
export const FETCH_OPTIONS = {
  ca: { type: "string" },
  insecure: { type: "boolean", default: false },
  resolve: { type: "string", multiple: true, default: [] as string[] },
} satisfies ParseArgsConfig["options"];

/** One `--resolve` entry. */
export interface ResolveEntry {
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** Settings of the command's requests. */
export interface TlsOptions {
  /** PEM certificates to trust besides the system's (a local CA, a self-signed server). */
  readonly ca?: string;
  /** Skip certificate verification altogether. */
  readonly insecure?: boolean;
  /** Addresses to connect to instead of what DNS says, by host and port. */
  readonly resolve?: readonly ResolveEntry[];
}

/** `HOST:PORT:ADDRESS` (an IPv6 address bare or in brackets), or an error naming the mistake. */
export function parseResolve(text: string): ResolveEntry {
  const [host = "", port = "", ...rest] = text.split(":");
  const address = rest.join(":").replace(/^\[(.*)\]$/, "$1");
  const n = Number(port);
  if (host === "" || !(Number.isInteger(n) && n > 0 && n < 65_536) || isIP(address) === 0) {
    throw new Error(
      `--resolve ${JSON.stringify(text)} is not HOST:PORT:ADDRESS, e.g. www.shop.test:8443:127.0.0.1`,
    );
  }
  return { host: host.toLowerCase(), port: n, address };
}

/** A lookup that answers `address` without asking DNS: set only on requests to a pinned host. */
function lookupFor(address: string): LookupFunction {
  const family = isIP(address);
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * One request over node:http(s), redirects not followed, body discarded: the fetcher behind
 * `--ca`, `--insecure` and `--resolve`, which the runtime's `fetch` cannot take.
 */
export function nodeFetch(tls: TlsOptions): AuditFetch {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const port = Number(u.port === "" ? (u.protocol === "https:" ? 443 : 80) : u.port);
      // The URL's host stays the Host header, the TLS server name and the name checked.
      const pinned = tls.resolve?.find((r) => r.host === u.hostname && r.port === port);
      const options = {
        method: init.method,
        headers: { "user-agent": "sessionjar-audit", ...init.headers },
        timeout: 10_000,
        ...(pinned === undefined ? {} : { lookup: lookupFor(pinned.address) }),
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

/**
 * The fetcher for the command's `--ca`, `--insecure` and `--resolve`: the runtime's `fetch`
 * without them. Throws when the CA file cannot be read or a `--resolve` is malformed.
 */
export function commandFetch(values: {
  readonly ca?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly resolve?: readonly string[] | undefined;
}): AuditFetch {
  const resolve = (values.resolve ?? []).map(parseResolve);
  const ca = values.ca === undefined ? undefined : readFileSync(values.ca, "utf8");
  if (ca === undefined && values.insecure !== true && resolve.length === 0) return fetchHop;
  return nodeFetch({
    ...(ca === undefined ? {} : { ca }),
    insecure: values.insecure === true,
    resolve,
  });
}
