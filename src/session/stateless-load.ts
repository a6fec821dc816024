// Loading a stateless session (signed, encrypted or JWT cookie; bearer JWT): open the credential,
// then one revocation read. Nothing else of the store is asked.
import { parseCookie } from "../cookie/index.js";
import type { Emitter } from "../lib/emitter.js";
import { readBearerToken } from "../transports/bearer.js";
import type { SessionPayload } from "../transports/payload.js";
import { bearerError } from "./bearer.js";
import type { SessionEvent } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { guarded, type LoadedState } from "./request-session.js";
import { type DataShape, forwardedHttps } from "./session-common.js";
import { StatelessSession, type StatelessSetup } from "./stateless-session.js";

type Start = ConstructorParameters<typeof StatelessSession>[3];

/**
 * Makes the `load` of a stateless transport. A cookie that gives no session is cleared and the
 * request goes on without one; a bearer token that gives none is a 401 with its challenge
 * (a missing `Authorization` header is no session, not an error).
 */
export function statelessLoader<Data extends DataShape<Data>>(
  o: ResolvedOptions<Data>,
  events: Emitter<SessionEvent>,
  setup: StatelessSetup,
  isSecure: (req: { header(name: string): string | undefined; encrypted: boolean }) => boolean,
): (req: {
  header(name: string): string | undefined;
  encrypted: boolean;
}) => Promise<StatelessSession<Data>> {
  const make = (start: Start): StatelessSession<Data> =>
    new StatelessSession<Data>(o, events, setup, start);
  const bearer = setup.carrier === "bearer";

  /** The session of a value that opened, or why there is none. */
  async function open(value: string): Promise<SessionPayload | LoadedState["problem"]> {
    const r = await setup.codec.open(value);
    if (!r.ok) {
      if (r.reason === "expired") {
        const p = r.payload;
        const now = o.now();
        // A bearer access token expires every few minutes while its session lives on (the
        // client refreshes): only the session's own timeouts are an expiry of the session.
        if (p !== undefined && now >= Math.min(p.idleExp, p.absExp)) {
          events.emit({
            type: "expired",
            sessionId: p.sid,
            userId: p.sub,
            reason: now >= p.absExp ? "absolute" : "idle",
          });
        }
        return "expired";
      }
      const reason = r.reason === "malformed" ? "malformed-token" : "tampered-token";
      events.emit({ type: "suspicious", reason });
      return reason;
    }
    const p = r.payload;
    const revocation = setup.revocation;
    if (revocation !== null) {
      const live = await guarded(events, "check", () =>
        p.sub === null
          ? revocation.isDenied(p.sid).then((d) => !d)
          : revocation.check(p.sid, p.sub, p.iat),
      );
      if (!live) {
        events.emit({ type: "suspicious", reason: "revoked-token" });
        return "revoked";
      }
    }
    if (o.schema !== undefined) {
      const result = await o.schema["~standard"].validate(p.data);
      if (result.issues !== undefined) {
        events.emit({ type: "revoked", sessionId: p.sid, userId: p.sub, reason: "invalid-data" });
        return "expired";
      }
      return { ...p, data: result.value as Record<string, unknown> };
    }
    return p;
  }

  return async (req) => {
    const secure = isSecure(req);
    // Read only on plain HTTP, for the message of a refused sign-in.
    const forwarded = !secure && !o.trustProxy && forwardedHttps(req) === true;
    const start = (
      payload: SessionPayload | undefined,
      value: string | undefined,
      problem: LoadedState["problem"],
    ): Start => ({
      payload,
      value,
      // Not for two cookies (which one?), nor for a seal that does not verify here: a value of
      // a key this server lacks (a server with an old ring, a key retired too early) looks
      // tampered, and clearing it would sign the user out on every server.
      clear:
        problem !== undefined && problem !== "duplicate-cookie" && problem !== "tampered-token",
      problem,
      secure,
      forwardedHttps: forwarded,
    });
    if (bearer) {
      const header = readBearerToken(req.header("authorization"));
      if (!header.ok) {
        if (header.reason === "missing") return make(start(undefined, undefined, undefined));
        throw bearerError(header.reason);
      }
      const opened = await open(header.token);
      if (typeof opened !== "object") {
        throw bearerError(opened === "expired" ? "expired" : "bad-signature");
      }
      return make(start(opened, header.token, undefined));
    }
    const cookie = req.header("cookie");
    const values = cookie === undefined ? [] : parseCookie(cookie).getAll(o.cookieName);
    if (values.length > 1) {
      // Two session cookies: one was planted (cookie tossing) or left by an old Path. Trust neither.
      events.emit({ type: "suspicious", reason: "duplicate-cookie" });
      return make(start(undefined, undefined, "duplicate-cookie"));
    }
    if (values.length === 0) return make(start(undefined, undefined, undefined));
    const value = values[0] as string;
    const opened = await open(value);
    return typeof opened === "object"
      ? make(start(opened, value, undefined))
      : make(start(undefined, undefined, opened));
  };
}
