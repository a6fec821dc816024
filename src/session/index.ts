/**
 * sessionjar/session: server-side sessions with opaque tokens hashed at rest, idle and absolute
 * timeouts, rotation, revocation and events.
 *
 * @module
 */
export { createSessions, type SessionRequest, type Sessions } from "./create-sessions.js";
export { SessionError, type SessionErrorCode, type SessionErrorOptions } from "./errors.js";
export type { RevokeReason, SessionEvent, SessionEventType } from "./events.js";
export type { SessionsOptions } from "./options.js";
export type { RequestSession, SessionInfo, SessionResponseHeaders } from "./request-session.js";
export type { DataShape, JsonShape, SignInOptions } from "./session-common.js";
export type { StatelessSession } from "./stateless-session.js";
export type {
  Carrier,
  SessionTransport,
  StatelessCodec,
  StatelessContext,
  StatelessOpened,
} from "./transport.js";
