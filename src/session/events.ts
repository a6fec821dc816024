import type { Finding } from "../audit/rules/index.js";

/** Why a session was revoked. */
export type RevokeReason =
  | "sign-out"
  | "sign-in"
  | "revoke-others"
  | "revoke-all"
  | "revoke-one"
  | "admin"
  | "max-sessions"
  | "invalid-data"
  /** A refresh token was used twice: its family is revoked (bearer JWT). */
  | "refresh-reuse";

/** Every event `sessions.on` can deliver. `sessionId` is the public id, never the token. */
export type SessionEvent =
  | { type: "created"; sessionId: string; userId: string | null }
  | {
      type: "rotated";
      sessionId: string;
      userId: string | null;
      /**
       * `periodic`: the `rotation` option's interval came round. `refresh`: a bearer-JWT
       * refresh token was used (and replaced). Signing in is no
       * rotation: the user changes, so the old session is `revoked` (`sign-in`) and a new one
       * `created`.
       */
      reason: "elevate" | "rotate" | "periodic" | "refresh";
    }
  | { type: "revoked"; sessionId: string; userId: string | null; reason: RevokeReason }
  | { type: "expired"; sessionId: string; userId: string | null; reason: "idle" | "absolute" }
  | { type: "store-error"; operation: string; code: string; message: string }
  /** With the `audit` option: a rule that fired on a Set-Cookie the session layer wrote, once. */
  | { type: "audit"; finding: Finding }
  | {
      type: "suspicious";
      /**
       * `unknown-token`: a well-formed token that no live session has (never issued, or
       * revoked or expired on the server). `duplicate-cookie`: the request carried the session
       * cookie's name more than once (cookie tossing). `malformed-token`: a value that is not a
       * token at all. Stateless transports: `tampered-token`, a value of the format that is not
       * authentic (changed, another key, another algorithm); `revoked-token`, an authentic value
       * on the denylist or issued before its user's not-before time (a replay); `refresh-reuse`,
       * a bearer-JWT refresh token used a second time (stolen, or a client bug).
       */
      reason:
        | "unknown-token"
        | "duplicate-cookie"
        | "malformed-token"
        | "tampered-token"
        | "revoked-token"
        | "refresh-reuse";
    };

export type SessionEventType = SessionEvent["type"];
