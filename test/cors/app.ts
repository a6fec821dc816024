// The one application every adapter serves in the CORS behavioural suite, written once against
// the framework-neutral RequestSession. Each adapter's test routes requests to `handle` (after
// its CORS, session and CSRF glue), and writes the answer's headers in its framework's own way.
import type { RequestSession } from "../../src/session/index.js";

export interface CorsAppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The adapter's way to get a CSRF token for a page. */
  token(): string;
}

export interface CorsAppResponse {
  status: number;
  body: unknown;
  /** Headers the handler sets itself, as the framework lets it: its own `Vary` among them. */
  headers: Record<string, string>;
}

/** The app: a counter of every request a handler saw, and of every change made. */
export class CorsApp {
  /** How many requests reached a handler (a preflight must never). */
  hits = 0;
  /** How many unsafe requests changed the counter. */
  count = 0;

  async handle(req: CorsAppRequest, session: RequestSession): Promise<CorsAppResponse> {
    this.hits++;
    const id = { "x-request-id": `r-${this.hits}` };
    switch (`${req.method} ${req.path}`) {
      case "GET /me":
        // Reads the session (the session layer adds Vary: Cookie); varies on encoding itself.
        return {
          status: 200,
          body: { user: session.userId },
          headers: { ...id, vary: "Accept-Encoding" },
        };
      case "GET /public":
        // Reads no session: only the handler's Vary and CORS's Origin.
        return { status: 200, body: { ok: true }, headers: { ...id, vary: "Accept-Encoding" } };
      case "GET /token":
        return { status: 200, body: { token: req.token() }, headers: id };
      case "POST /login":
        await session.signIn(req.query.get("user") ?? "alice");
        return { status: 200, body: { user: session.userId }, headers: id };
      case "POST /items":
      case "PUT /items":
        this.count++;
        return { status: 200, body: { count: this.count, user: session.userId }, headers: id };
      case "OPTIONS /items":
        // A plain OPTIONS (no Access-Control-Request-Method) is no preflight: it reaches here.
        return { status: 200, body: { allow: "GET, POST, PUT" }, headers: id };
      default:
        return { status: 404, body: { error: { code: "not_found" } }, headers: id };
    }
  }
}
