/**
 * The transports `createSessions({ transport })` takes: how the session credential travels and
 * where the session lives. A handler never changes when the transport does.
 *
 * ```ts
 * createSessions({ store, transport: opaqueCookie() }); // the default
 * createSessions({ transport: signedCookie({ keys, revocation: redisRevocationStore({ client }) }) });
 * ```
 *
 * @module
 */
import type {
  SessionTransport,
  StatelessCodec,
  StatelessContext,
  StatelessOpened,
} from "../session/transport.js";
import {
  BEARER_JWT_CAPABILITIES,
  ENCRYPTED_COOKIE_CAPABILITIES,
  JWT_COOKIE_CAPABILITIES,
  OPAQUE_BEARER_CAPABILITIES,
  OPAQUE_COOKIE_CAPABILITIES,
  SIGNED_COOKIE_CAPABILITIES,
  type TransportCapabilities,
} from "./capabilities.js";
import { refuseTooLarge } from "./codec-common.js";
import { createEncryptedCodec } from "./encrypted-cookie.js";
import { TransportError } from "./errors.js";
import {
  createJwtCodec,
  JWT_TYP_ACCESS_TOKEN,
  JWT_TYP_SESSION,
  type JwtClaims,
  type JwtCodecOptions,
  type VerifyResult,
} from "./jwt.js";
import type { TransportKey } from "./keys.js";
import { PAYLOAD_VERSION, type SessionPayload, validatePayload } from "./payload.js";
import type { RefreshStore } from "./refresh-tokens.js";
import type { RevocationStore } from "./revocation.js";
import { createSignedCodec } from "./signed-cookie.js";
import type { OpenResult } from "./types.js";

/**
 * Revocation of a stateless transport: a {@link RevocationStore} (sign-out, rotation and "log
 * out all devices" take effect at the next request, for one small store read per request), or
 * `false` to say explicitly that a value stays valid until it expires, whatever happens.
 */
export type RevocationOption = RevocationStore | false;

/** Options shared by the stateless transports. */
export interface StatelessTransportOptions {
  readonly revocation: RevocationOption;
}

/** Options of {@link signedCookie} and {@link encryptedCookie}. */
export interface CookieCodecTransportOptions extends StatelessTransportOptions {
  /** The key ring, newest first: the first key seals, every key opens. Secrets ≥ 32 bytes. */
  readonly keys: readonly TransportKey[];
}

/** Options of {@link jwtCookie} and {@link bearerJwt}: those of `createJwtCodec` but the clock, `typ` and TTL. */
export type JwtTransportOptions = StatelessTransportOptions &
  DistributiveOmit<JwtCodecOptions, "now" | "typ" | "ttlSeconds" | "requiredClaims">;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function revocationOf(
  options: StatelessTransportOptions | undefined,
  what: string,
): RevocationStore | null {
  const r = options?.revocation;
  if (r === false) return null;
  if (typeof r !== "object" || r === null || typeof r.check !== "function") {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      `${what} needs revocation: a revocation store (memoryRevocationStore(), redisRevocationStore({ client })) so that sign-out and rotation end the old value at once, or false to accept that a value stays valid until it expires`,
    );
  }
  return r;
}

function declared(
  base: TransportCapabilities,
  revocation: RevocationStore | null,
): TransportCapabilities {
  return revocation === null ? Object.freeze({ ...base, revocation: "expiry" }) : base;
}

/** The default transport: an opaque token in a `__Host-` cookie, the session in the store. */
export function opaqueCookie(): SessionTransport {
  return { capabilities: OPAQUE_COOKIE_CAPABILITIES, carrier: "cookie" };
}

/**
 * The store's sessions with the token in `Authorization: Bearer` (the OAuth 2 access-token
 * shape): every lifecycle operation of the opaque cookie, no cookie, no CSRF guard. New tokens
 * reach the client in the `Set-Auth-Token` response header (empty: discard the token).
 */
export function opaqueBearer(): SessionTransport {
  return { capabilities: OPAQUE_BEARER_CAPABILITIES, carrier: "bearer" };
}

const TAMPERED = { ok: false, reason: "tampered" } as const;
const MALFORMED = { ok: false, reason: "malformed" } as const;

function fromCodec(r: OpenResult): StatelessOpened {
  if (r.ok) return { ok: true, payload: r.payload };
  switch (r.reason) {
    case "malformed":
      return MALFORMED;
    case "expired":
      return r.payload === undefined
        ? { ok: false, reason: "expired" }
        : { ok: false, reason: "expired", payload: r.payload };
    default:
      // unknown-key, bad-signature, bad-ciphertext, invalid-payload: not ours, or changed.
      return TAMPERED;
  }
}

/**
 * The session itself in the cookie, signed with HMAC-SHA256 (`createSignedCodec`): no store
 * read but the revocation check. The client can read the payload: keep secrets out of it.
 */
export function signedCookie(options: CookieCodecTransportOptions): SessionTransport {
  const revocation = revocationOf(options, "signedCookie");
  // Check the keys now, not at the first request.
  createSignedCodec({ keys: options.keys });
  return {
    capabilities: declared(SIGNED_COOKIE_CAPABILITIES, revocation),
    carrier: "cookie",
    revocation,
    stateless: ({ cookieName, now }) => {
      const codec = createSignedCodec({ keys: options.keys, cookieName, now });
      return { seal: (p) => codec.seal(p), open: (v) => fromCodec(codec.open(v)) };
    },
  };
}

/**
 * The session itself in the cookie, encrypted with AES-256-GCM (`createEncryptedCodec`), bound
 * to the cookie's name: the client can neither read nor change it.
 */
export function encryptedCookie(options: CookieCodecTransportOptions): SessionTransport {
  const revocation = revocationOf(options, "encryptedCookie");
  createEncryptedCodec({ keys: options.keys, cookieName: "check" });
  return {
    capabilities: declared(ENCRYPTED_COOKIE_CAPABILITIES, revocation),
    carrier: "cookie",
    revocation,
    stateless: ({ cookieName, now }) => {
      const codec = createEncryptedCodec({ keys: options.keys, cookieName, now });
      return { seal: (p) => codec.seal(p), open: (v) => fromCodec(codec.open(v)) };
    },
  };
}

/** The claim that carries the session's own fields in a JWT. */
const SESSION_CLAIM = "ses";

/** The payload of verified claims: `jti` is the sid, `sub` the user, the rest in `ses`. */
function payloadOf(claims: JwtClaims): SessionPayload | undefined {
  const ses = claims[SESSION_CLAIM] as Record<string, unknown> | undefined;
  if (typeof ses !== "object" || ses === null) return undefined;
  const check = validatePayload({
    v: PAYLOAD_VERSION,
    sid: claims.jti,
    sub: claims.sub ?? null,
    data: ses.data,
    iat: ses.iat,
    idleExp: ses.idleExp,
    absExp: ses.absExp,
    elv: ses.elv,
  });
  return check.ok ? check.payload : undefined;
}

function fromJwt(r: VerifyResult, now: number): StatelessOpened {
  if (!r.ok) {
    if (r.reason === "expired") {
      const payload = r.claims === undefined ? undefined : payloadOf(r.claims);
      return payload === undefined
        ? { ok: false, reason: "expired" }
        : { ok: false, reason: "expired", payload };
    }
    if (r.reason === "not-yet-valid") return { ok: false, reason: "not-yet-valid" };
    return r.reason === "malformed" ? MALFORMED : TAMPERED;
  }
  const payload = payloadOf(r.claims);
  if (payload === undefined) return TAMPERED;
  // The JWT's exp is in whole seconds; the session's own expiries are to the millisecond.
  if (!(now < payload.idleExp && now < payload.absExp)) {
    return { ok: false, reason: "expired", payload };
  }
  return { ok: true, payload };
}

function jwtTransport(
  options: JwtTransportOptions,
  what: string,
  typ: string,
  capabilities: TransportCapabilities,
  carrier: "cookie" | "bearer",
  lifetime: (p: SessionPayload, context: StatelessContext) => number,
): SessionTransport {
  const revocation = revocationOf(options, what);
  const { revocation: _, ...codecOptions } = options;
  const make = (now: () => number): ReturnType<typeof createJwtCodec> =>
    createJwtCodec({
      ...codecOptions,
      typ,
      now,
      requiredClaims: ["jti", SESSION_CLAIM],
    } as JwtCodecOptions);
  refuseVerifyOnly(make(Date.now), options, what);
  return {
    capabilities: declared(capabilities, revocation),
    carrier,
    revocation,
    stateless: (context): StatelessCodec => {
      const codec = make(context.now);
      return {
        seal: async (p) => {
          const ttl = lifetime(p, context);
          const token = await codec.sign(
            {
              ...(p.sub === null ? {} : { sub: p.sub }),
              jti: p.sid,
              [SESSION_CLAIM]: {
                data: p.data,
                iat: p.iat,
                idleExp: p.idleExp,
                absExp: p.absExp,
                elv: p.elv,
              },
            },
            { ttlSeconds: ttl },
          );
          if (carrier === "cookie")
            refuseTooLarge(
              `the JWT cookie "${context.cookieName}"`,
              context.cookieName.length,
              token.length,
            );
          return token;
        },
        open: async (v) => fromJwt(await codec.verify(v), context.now()),
      };
    },
  };
}

/**
 * A transport signs every credential it sends, with the first key of its ring that can sign (or
 * `signWith`): a ring of public keys only would fail at the first sign-in. Public keys in the
 * ring stay allowed: they verify what retired key pairs signed.
 */
function refuseVerifyOnly(
  codec: ReturnType<typeof createJwtCodec>,
  options: JwtTransportOptions,
  what: string,
): void {
  if (codec.signingKid !== null) return;
  throw new TransportError(
    "ERR_TRANSPORT_OPTIONS_INVALID",
    !("keys" in options) || options.keys === undefined
      ? `${what}: with jwks, give signWith: the private key that signs new tokens (its public key in the set)`
      : `${what}: no key of keys can sign (public keys only verify), and every new token must be signed: add the private key (or HS256 secret) that signs, before or after the public keys of retired key pairs`,
  );
}

/** Whole seconds until the session's first expiry, at least one. */
function secondsLeft(p: SessionPayload, now: number): number {
  return Math.max(1, Math.ceil((Math.min(p.idleExp, p.absExp) - now) / 1000));
}

/**
 * The session in a JWT in the cookie (typ `session+jwt`, `jose`): algorithms pinned per key,
 * `exp`, `iss`, `aud` and `typ` checked, header keys refused. Other services can verify it with
 * the public key; the client can read it.
 */
export function jwtCookie(options: JwtTransportOptions): SessionTransport {
  return jwtTransport(
    options,
    "jwtCookie",
    JWT_TYP_SESSION,
    JWT_COOKIE_CAPABILITIES,
    "cookie",
    (p, { now }) => secondsLeft(p, now()),
  );
}

/** Options of {@link bearerJwt}. */
export type BearerJwtOptions = JwtTransportOptions & {
  /**
   * Where refresh-token families live (`redisRefreshStore({ client })`, `memoryRefreshStore()`):
   * a signed-in session is a family, its refresh token (idle timeout) rotated at every use.
   */
  readonly refresh: RefreshStore;
  /** Life of an access token in seconds (default 300: five minutes), capped by the session's expiries. */
  readonly accessTtlSeconds?: number;
};

/**
 * The session in a JWT access token (typ `at+jwt`) in `Authorization: Bearer`: five minutes by
 * default, re-issued in the `Set-Auth-Token` response header whenever the session changes or
 * its idle expiry moves. Signing in also gives a refresh token (`Set-Refresh-Token`), kept in
 * `refresh` as its SHA-256, that `session.refresh(token)` uses once for new tokens; a second use
 * revokes its family. No cookie, no CSRF guard.
 */
export function bearerJwt(options: BearerJwtOptions): SessionTransport {
  const ttl = options.accessTtlSeconds ?? 300;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      `bearerJwt: accessTtlSeconds must be a whole number of seconds above 0, not ${String(ttl)}`,
    );
  }
  const { accessTtlSeconds: _, refresh, ...jwt } = options;
  const missing = (["rotate", "peek", "setClaims"] as const).find(
    (m) => typeof refresh?.[m] !== "function",
  );
  if (missing !== undefined) {
    throw new TransportError(
      "ERR_TRANSPORT_OPTIONS_INVALID",
      `bearerJwt needs refresh: a refresh store (redisRefreshStore({ client }), memoryRefreshStore()); this one has no ${missing}()`,
    );
  }
  const transport = jwtTransport(
    jwt,
    "bearerJwt",
    JWT_TYP_ACCESS_TOKEN,
    BEARER_JWT_CAPABILITIES,
    "bearer",
    (p, { now }) => Math.min(ttl, secondsLeft(p, now())),
  );
  return { ...transport, refresh };
}
