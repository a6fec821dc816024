import type { Emitter } from "../lib/emitter.js";
import type { SessionRequest, Sessions } from "./create-sessions.js";
import { SessionError } from "./errors.js";
import type { SessionEvent } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { guarded } from "./request-session.js";
import type { DataShape } from "./session-common.js";
import { statelessLoader } from "./stateless-load.js";
import type { SessionTransport } from "./transport.js";

/** The manager of a stateless transport: its sessions live in their credentials. */
export function statelessSessions<Data extends DataShape<Data>>(
  o: ResolvedOptions<Data>,
  events: Emitter<SessionEvent>,
  transport: SessionTransport,
  makeCodec: NonNullable<SessionTransport["stateless"]>,
  isSecure: (req: SessionRequest) => boolean,
): Sessions<Data> {
  const name = transport.capabilities.name;
  const revocation = transport.revocation ?? null;
  const codec = makeCodec({
    cookieName: o.cookieName,
    now: o.now,
    idleSeconds: o.idleMs / 1000,
  });
  const load = statelessLoader(
    o,
    events,
    { codec, revocation, carrier: transport.carrier, name, refresh: transport.refresh ?? null },
    isSecure,
  );
  return {
    cookieName: o.cookieName,
    capabilities: transport.capabilities,
    load,
    async list() {
      throw new SessionError(
        "ERR_SESSION_UNSUPPORTED",
        501,
        `the ${name} transport keeps sessions in their credentials: no server can list a user's sessions`,
      );
    },
    async revokeUser(userId) {
      if (revocation === null) {
        throw new SessionError(
          "ERR_SESSION_UNSUPPORTED",
          501,
          `the ${name} transport was made with revocation: false: give it a revocation store to end a user's sessions`,
        );
      }
      await guarded(events, "setNotBefore", () => revocation.setNotBefore(userId, o.now() + 1));
      return null;
    },
    on: events.on.bind(events),
  };
}
