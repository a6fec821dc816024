// The contract between the session layer and a transport: what `createSessions({ transport })`
// takes. The transports themselves are made by `sessionjar/transports` (`signedCookie`,
// `encryptedCookie`, `jwtCookie`, `bearerJwt`, `opaqueBearer`; the default is `opaqueCookie`).
import type { TransportCapabilities } from "../transports/capabilities.js";
import type { SessionPayload } from "../transports/payload.js";
import type { RefreshStore } from "../transports/refresh-tokens.js";
import type { RevocationStore } from "../transports/revocation.js";

/** How the credential travels: in a cookie, or in `Authorization: Bearer`. */
export type Carrier = "cookie" | "bearer";

/** What a stateless codec found in a credential. Opening never throws on bad input. */
export type StatelessOpened =
  | { readonly ok: true; readonly payload: SessionPayload }
  | {
      readonly ok: false;
      /**
       * `malformed`: not a credential of this format; `tampered`: of the format but not
       * authentic (a changed byte, another key, another algorithm); `expired` / `not-yet-valid`:
       * authentic, outside its validity.
       */
      readonly reason: "malformed" | "tampered" | "expired" | "not-yet-valid";
      /** With `expired`: the authentic payload, to say whose session ended and why. */
      readonly payload?: SessionPayload;
    };

/** Seals a session into a credential and opens it again (signed, encrypted, a JWT). */
export interface StatelessCodec {
  /** Throws `TransportError` `ERR_TRANSPORT_TOO_LARGE` for a credential over its size limit. */
  seal(payload: SessionPayload): string | Promise<string>;
  open(value: string): StatelessOpened | Promise<StatelessOpened>;
}

/** What a stateless transport is given when `createSessions` sets it up. */
export interface StatelessContext {
  /** The session cookie's name (bound into encrypted values). */
  readonly cookieName: string;
  /** The sessions' clock, in ms. */
  readonly now: () => number;
  /** Seconds a session may be idle: the lifetime a bearer access token is capped to. */
  readonly idleSeconds: number;
}

/** A transport, as `createSessions` takes it. */
export interface SessionTransport {
  /** What it can do, declared: the docs' variants table is generated from these. */
  readonly capabilities: TransportCapabilities;
  readonly carrier: Carrier;
  /** Stateless transports only: the codec, made for the sessions' cookie name and clock. */
  readonly stateless?: (context: StatelessContext) => StatelessCodec;
  /**
   * Stateless transports only: where revocations are kept (a denylist by credential id and a
   * not-before time per user), or null when revoked values stay valid until they expire.
   */
  readonly revocation?: RevocationStore | null;
  /** Bearer JWT only: where refresh-token families live. */
  readonly refresh?: RefreshStore;
}
