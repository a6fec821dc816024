// The one application every adapter serves in the behavioural suite, written once against the
// framework-neutral RequestSession. Each adapter's test only routes requests to `handle`.
import type { RequestSession } from "../../src/session/index.js";

export interface AppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface AppResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Requests held by `POST /set-after?gate=…` after their session loaded, until the test opens the
 * gate: a request in flight while another one changes the session, in a fixed order.
 */
export const gates = new Map<string, () => void>();

/**
 * Routes of the test app. Handlers throw SessionError for 401s, so adapters exercise their error
 * translation too.
 */
export async function handle(req: AppRequest, session: RequestSession): Promise<AppResponse> {
  const route = `${req.method} ${req.path}`;
  switch (route) {
    case "GET /health":
      return { status: 200, body: { ok: true } };
    case "POST /login": {
      await session.signIn(req.query.get("user") ?? "alice");
      return { status: 200, body: { userId: session.userId } };
    }
    case "POST /login-after": {
      const gate = req.query.get("gate") ?? "";
      await new Promise<void>((open) => gates.set(gate, open));
      await session.signIn(req.query.get("user") ?? "alice");
      return { status: 200, body: { userId: session.userId } };
    }
    case "POST /login-redirect": {
      await session.signIn(req.query.get("user") ?? "alice");
      return { status: 303, body: null, headers: { location: "/me" } };
    }
    case "GET /me": {
      if (session.userId === null)
        return {
          status: 401,
          body: { error: { code: "session_required", problem: session.problem ?? null } },
        };
      return {
        status: 200,
        body: {
          userId: session.userId,
          session: session.info,
          data: { cart: session.get("cart") ?? null },
        },
      };
    }
    case "POST /cart": {
      const cart = (session.get("cart") as string[] | undefined) ?? [];
      session.set("cart", [...cart, req.query.get("item") ?? "tea"]);
      return { status: 200, body: { ok: true } };
    }
    case "POST /set": {
      session.set(req.query.get("key") ?? "k", req.query.get("value") ?? "v");
      return { status: 200, body: { ok: true } };
    }
    case "POST /set-after": {
      const gate = req.query.get("gate") ?? "";
      await new Promise<void>((open) => gates.set(gate, open));
      session.set(req.query.get("key") ?? "k", req.query.get("value") ?? "v");
      return { status: 200, body: { ok: true } };
    }
    case "GET /data-after": {
      const gate = req.query.get("gate") ?? "";
      await new Promise<void>((open) => gates.set(gate, open));
      return { status: 200, body: { value: session.get(req.query.get("key") ?? "k") ?? null } };
    }
    case "GET /data":
      return { status: 200, body: { value: session.get(req.query.get("key") ?? "k") ?? null } };
    case "POST /rotate":
      await session.rotate();
      return { status: 200, body: { ok: true } };
    case "POST /rotate-after": {
      const gate = req.query.get("gate") ?? "";
      await new Promise<void>((open) => gates.set(gate, open));
      await session.rotate();
      return { status: 200, body: { ok: true } };
    }
    case "POST /elevate":
      await session.rotate({ elevate: true });
      return { status: 200, body: { elevated: session.info?.elevatedAt !== null } };
    case "POST /token":
      // Bearer JWT's refresh. The test app reads the token from the query; a real token
      // endpoint reads it from the POST body, never from a URL that logs keep.
      await session.refresh(req.query.get("token") ?? "");
      return { status: 200, body: { ok: true } };
    case "POST /logout":
      await session.signOut();
      return { status: 200, body: { ok: true } };
    case "POST /logout-after": {
      const gate = req.query.get("gate") ?? "";
      await new Promise<void>((open) => gates.set(gate, open));
      await session.signOut();
      return { status: 200, body: { ok: true } };
    }
    case "GET /sessions":
      return { status: 200, body: await session.list() };
    case "POST /revoke-others":
      return { status: 200, body: { revoked: await session.revokeOthers() } };
    case "POST /revoke-all":
      return { status: 200, body: { revoked: await session.revokeAll() } };
    case "POST /revoke":
      return { status: 200, body: { revoked: await session.revoke(req.query.get("id") ?? "") } };
    case "GET /stream": {
      session.set("streamed", true);
      await session.save();
      return { status: 200, body: { ok: true } };
    }
    case "GET /boom":
      throw new Error("handler bug");
    case "POST /set-then-boom":
      // A change staged, then a bug: the change must not be saved.
      session.set(req.query.get("key") ?? "k", "half-made");
      throw new Error("handler bug after a change");
    default:
      return { status: 404, body: { error: { code: "not_found" } } };
  }
}
