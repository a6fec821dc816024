// A small router: routes are matched before any session is loaded, so an unknown path is a 404
// and a wrong method a 405, whatever cookies or tokens the request carries.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, sendError } from "./http.js";

export type Params = Readonly<Record<string, string>>;

export interface Route<H> {
  method: "GET" | "POST";
  /** `/orders/:id/cancel`: a `:name` segment matches one non-empty segment. */
  path: string;
  handler: H;
}

export interface Match<H> {
  handler: H;
  params: Params;
}

interface Compiled<H> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: H;
}

export interface Router<H> {
  /** The route of a request, or undefined after answering 404 or 405. */
  match(req: IncomingMessage, res: ServerResponse): Match<H> | undefined;
}

/**
 * Routes, and `options`: the handler of an `OPTIONS` request to a known path, which gets the
 * path's methods as the `allow` param.
 */
export function createRouter<H>(options: H, routes: readonly Route<H>[]): Router<H> {
  const compiled: Compiled<H>[] = routes.map((r) => {
    const names: string[] = [];
    const source = r.path
      .split("/")
      .map((seg) => {
        if (!seg.startsWith(":")) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(seg.slice(1));
        return "([^/]+)";
      })
      .join("/");
    return { method: r.method, pattern: new RegExp(`^${source}$`), names, handler: r.handler };
  });
  return {
    match(req, res) {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
      const allowed: string[] = [];
      for (const r of compiled) {
        const m = r.pattern.exec(path);
        if (m === null) continue;
        if (r.method !== method) {
          allowed.push(r.method);
          continue;
        }
        let params: Record<string, string>;
        try {
          params = Object.fromEntries(
            r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] as string)]),
          );
        } catch {
          sendError(
            req,
            res,
            new HttpError(400, "path_invalid", "the path is not valid percent-encoding"),
          );
          return undefined;
        }
        return { handler: r.handler, params };
      }
      if (allowed.length > 0 && method === "OPTIONS")
        return { handler: options, params: { allow: [...allowed, "OPTIONS"].join(", ") } };
      if (allowed.length > 0)
        sendError(
          req,
          res,
          new HttpError(405, "method_not_allowed", `use ${allowed.join(" or ")} here`, {
            allow: allowed.join(", "),
          }),
        );
      else sendError(req, res, new HttpError(404, "not_found", `nothing at ${path}`));
      return undefined;
    },
  };
}
