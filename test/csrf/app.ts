// The one application every adapter serves in the CSRF behavioural suite, written once against
// the framework-neutral RequestSession. Each adapter's test routes requests to `handle` and says
// how its handlers get a token (`token`) and the form fields (`form`).
import type { RequestSession } from "../../src/session/index.js";

export interface CsrfAppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The form fields as the adapter's handlers see them (after the CSRF check, if it read them). */
  form(): Promise<Record<string, unknown> | undefined>;
  /** The adapter's way to get a CSRF token for a page. */
  token(): string;
}

export interface CsrfAppResponse {
  status: number;
  body: unknown;
  /** Headers the handler sets the framework's usual way, replacing any of the same name. */
  headers?: Record<string, string>;
}

/** The app: a counter whose every change is a side effect a refused request must not have. */
export class CsrfApp {
  /** How many unsafe requests reached a handler. */
  count = 0;

  async handle(req: CsrfAppRequest, session: RequestSession): Promise<CsrfAppResponse> {
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(req.method);
    if (unsafe) this.count++;
    switch (`${unsafe ? "UNSAFE" : "SAFE"} ${req.path}`) {
      case "SAFE /count":
      case "UNSAFE /count":
        return { status: 200, body: { count: this.count } };
      case "UNSAFE /own-vary":
        // A handler's own Vary, set (not appended) after the CSRF check passed.
        return { status: 200, body: { count: this.count }, headers: { vary: "Accept-Language" } };
      case "SAFE /token": {
        const token = req.token();
        // A second token in the same request must not set a second pre-session cookie.
        const second = req.query.has("twice") ? req.token() : undefined;
        return { status: 200, body: { token, second: second ?? null } };
      }
      case "UNSAFE /login":
        await session.signIn(req.query.get("user") ?? "alice");
        return { status: 200, body: { userId: session.userId } };
      case "UNSAFE /login-and-token":
        // A token asked for after the sign-in is bound to the new session.
        await session.signIn(req.query.get("user") ?? "alice");
        return { status: 200, body: { userId: session.userId, token: req.token() } };
      case "UNSAFE /cart": {
        // The first change without a session makes an anonymous one.
        const cart = [...((session.get("cart") as string[] | undefined) ?? [])];
        cart.push(req.query.get("item") ?? "tea");
        session.set("cart", cart);
        return { status: 200, body: { cart } };
      }
      case "UNSAFE /rotate":
        await session.rotate({ elevate: req.query.has("elevate") });
        return { status: 200, body: { ok: true } };
      case "UNSAFE /echo": {
        const form = await req.form();
        const name = form?.name;
        const file = form?.file;
        return {
          status: 200,
          body: {
            name: typeof name === "string" ? name : null,
            file:
              file instanceof File
                ? { name: file.name, type: file.type, text: await file.text() }
                : null,
          },
        };
      }
      default:
        return { status: 404, body: { error: { code: "not_found" } } };
    }
  }
}
