import { createPublicKey, createSecretKey, KeyObject, randomBytes, webcrypto } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type RemoteJWKSetOptions,
  SignJWT,
} from "jose";
import { isPlaceholderSecret } from "../lib/key-ring.js";
import { shardFor } from "../session/tokens.js";
import { TransportError } from "./errors.js";

/** The algorithms a JWT codec accepts. Each key is pinned to exactly one of them. */
export type JwtAlgorithm = "HS256" | "ES256" | "EdDSA";

/** The `typ` of a JWT session cookie (the default). */
export const JWT_TYP_SESSION = "session+jwt";
/** The `typ` of an OAuth 2 access token (RFC 9068): use it for bearer access tokens. */
export const JWT_TYP_ACCESS_TOKEN = "at+jwt";

/**
 * One key of a codec's ring: its id (it travels in the token header as `kid`), the one algorithm
 * it may be used with, and the key itself:
 * - `HS256`: a secret of at least 32 bytes: a `Uint8Array`, a secret `KeyObject`, or an HMAC
 *   SHA-256 `CryptoKey`;
 * - `ES256`: a P-256 key, `EdDSA`: an Ed25519 key, as a `KeyObject` or `CryptoKey`: the private
 *   key to sign and verify, the public key to verify only.
 */
export interface JwtKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly key: KeyObject | webcrypto.CryptoKey | Uint8Array;
}

/** The claims of a verified token (registered claims typed, the rest `unknown`). */
export type JwtClaims = JWTPayload;

/**
 * The claims a caller gives to `sign`. The codec sets `iss`, `aud`, `iat` and `exp` itself (they
 * are refused here), and a `jti` when none is given: 128 random bits, after the shard of `sub`
 * (see {@link newTokenId}) so that a Redis Cluster keeps the token's denylist entry with its
 * user's not-before time.
 */
export type JwtSignClaims = Readonly<Record<string, unknown>> & {
  readonly sub?: string;
  readonly jti?: string;
  readonly nbf?: number;
};

interface CommonOptions {
  /** `iss`: set by `sign`, required and compared by `verify`. */
  readonly issuer: string;
  /** `aud`: set by `sign`; `verify` requires the token's `aud` to hold one of these. */
  readonly audience: string | readonly string[];
  /**
   * The `typ` header, set by `sign` and required by `verify` (compared as RFC 8725 says: case
   * and an `application/` prefix aside). Default {@link JWT_TYP_SESSION} (`"session+jwt"`), for
   * JWT cookies; use {@link JWT_TYP_ACCESS_TOKEN} (`"at+jwt"`) for bearer access tokens, so that
   * one kind can never be replayed as the other.
   */
  readonly typ?: string;
  /**
   * The lifetime `sign` gives a token, in whole seconds (default 300: five minutes). A stateless
   * token can be revoked only through a denylist check or by its expiry, so keep it short.
   */
  readonly ttlSeconds?: number;
  /** Leeway for `exp` and `nbf` against clock skew between servers, in seconds (default 0). */
  readonly clockToleranceSeconds?: number;
  /** Claims a token must carry besides `exp`, `iss` and `aud` (`"jti"`, `"sub"`, `"iat"`…). */
  readonly requiredClaims?: readonly string[];
  /** Tokens longer than this many characters are malformed, unread (default 8192). */
  readonly maxTokenLength?: number;
  /** The clock in milliseconds, for tests (default `Date.now`). */
  readonly now?: () => number;
}

/** A codec over a local key ring: the first key that can sign signs, every key verifies. */
export interface JwtKeysOptions extends CommonOptions {
  readonly keys: readonly JwtKey[];
}

/**
 * A codec over a JSON Web Key Set: a remote one (`URL`, fetched and cached by jose's
 * `createRemoteJWKSet`, refetched when a token names a key it has not seen: key rotation) or a
 * local JWKS object. JWKS members are public keys, so only `ES256` and `EdDSA` apply; a JWK
 * with an `alg` is pinned to it, and one without is pinned by its type (an EC P-256 key can only
 * be ES256, an Ed25519 key only EdDSA). Tokens must name their key (`kid`).
 */
export interface JwtJwksOptions extends CommonOptions {
  readonly jwks: URL | JSONWebKeySet;
  /** The algorithms accepted from the set (default both). */
  readonly algorithms?: readonly ("ES256" | "EdDSA")[];
  /** Options of jose's `createRemoteJWKSet` (timeout, cooldown, cache age, headers). */
  readonly remote?: RemoteJWKSetOptions;
  /** The private key `sign` uses, if this service also issues tokens (its public key should be in the set). */
  readonly signWith?: JwtKey;
}

export type JwtCodecOptions = JwtKeysOptions | JwtJwksOptions;

/** Why `verify` refused a token. */
export type JwtFailure =
  /** Not a compact JWS at all: wrong shape, bad base64url or JSON, too long, a bad `crit`. */
  | "malformed"
  /** `alg: none`, an algorithm this codec does not accept, or not the algorithm of the named key. */
  | "algorithm"
  /** The header carries a key or a pointer to one (`jwk`, `jku`, `x5u`, `x5c`). */
  | "header-key"
  /** No key of the ring or set has the token's `kid`, or `kid` is missing where it is required. */
  | "unknown-key"
  /** The signature does not match: the token was changed, or signed with another key. */
  | "bad-signature"
  /** Authentic, but past its `exp`. */
  | "expired"
  /** Authentic, but before its `nbf`. */
  | "not-yet-valid"
  /** Authentic, but `exp` is missing, or `iss`, `aud`, `typ` or a required claim is wrong. */
  | "claims";

/** What `verify` returns. It never throws on bad input. */
export type VerifyResult =
  | {
      readonly ok: true;
      readonly claims: JwtClaims;
      /** The `kid` of the key that verified the token, or null for a one-key ring without one. */
      readonly kid: string | null;
    }
  | {
      readonly ok: false;
      readonly reason: JwtFailure;
      /**
       * With `expired` only: the claims of the token, whose signature, `iss`, `aud` and `typ`
       * did verify (jose checks them before the times), to say whose token expired.
       */
      readonly claims?: JwtClaims;
    };

/** A JWT codec: signs and verifies compact JWS tokens with pinned keys and checked claims. */
export interface JwtCodec {
  /** The `typ` this codec writes and requires. */
  readonly typ: string;
  /** The `kid` of the key `sign` uses, or null when the codec can only verify (public keys). */
  readonly signingKid: string | null;
  /**
   * A signed token: `claims`, plus `iss`, `aud`, `iat`, `exp` (now + `ttlSeconds`) and a `jti`
   * unless given; the header names the key (`kid`) and the `typ`. Throws {@link TransportError}
   * `ERR_JWT_CLAIMS_INVALID` for reserved or non-JSON claims, `ERR_JWT_NO_SIGNING_KEY` when the
   * codec has no private or secret key.
   */
  sign(claims: JwtSignClaims, options?: { readonly ttlSeconds?: number }): Promise<string>;
  /**
   * The claims of `token` when it is authentic and valid now, or why it is not. Never throws on
   * bad input; throws {@link TransportError} `ERR_JWT_JWKS_UNAVAILABLE` only when a remote JWKS
   * cannot be fetched (answer 503).
   */
  verify(token: unknown): Promise<VerifyResult>;
}

// ---------------------------------------------------------------------------------------------

const HEADER_KEY_PARAMS = ["jwk", "jku", "x5u", "x5c"] as const;
const RESERVED = ["iss", "aud", "iat", "exp"] as const;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const KID = /^[\x21-\x7e]{1,128}$/;

/**
 * A token id for a token of `userId`: the user's 4-character shard (as session tokens and store
 * keys have it), a dot, and 128 random bits in base64url. A denylist keyed by such an id lives in
 * the same Redis Cluster slot as the user's not-before time, so one read checks both.
 */
export function newTokenId(userId: string | null): string {
  return `${shardFor(userId)}.${randomBytes(16).toString("base64url")}`;
}

interface RingKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  /** What verifies: the public key, or the HMAC key. */
  readonly verify: () => Promise<KeyObject | webcrypto.CryptoKey>;
  /** What signs, or null for a public key. */
  readonly sign: (() => Promise<KeyObject | webcrypto.CryptoKey>) | null;
}

function keyError(message: string, cause?: unknown): TransportError {
  return new TransportError(
    "ERR_JWT_KEY_INVALID",
    `createJwtCodec: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function optionsError(message: string): TransportError {
  return new TransportError("ERR_JWT_OPTIONS_INVALID", `createJwtCodec: ${message}`);
}

function isCryptoKey(k: unknown): k is webcrypto.CryptoKey {
  return (
    typeof k === "object" &&
    k !== null &&
    (k as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "CryptoKey"
  );
}

/** Checks one key against its algorithm and prepares what signs and verifies with it. */
function ringKey(k: JwtKey, where: string): RingKey {
  if (typeof k !== "object" || k === null) throw keyError(`${where} is not a key`);
  const { kid, alg, key } = k;
  if (typeof kid !== "string" || !KID.test(kid)) {
    throw keyError(`${where}: kid must be 1 to 128 visible ASCII characters`);
  }
  if (alg !== "HS256" && alg !== "ES256" && alg !== "EdDSA") {
    throw keyError(
      `key ${JSON.stringify(kid)}: alg must be "HS256", "ES256" or "EdDSA", not ${JSON.stringify(alg)}`,
    );
  }
  let object: KeyObject;
  try {
    if (key instanceof Uint8Array) {
      if (alg !== "HS256") throw keyError(`key ${JSON.stringify(kid)}: a ${alg} key is not bytes`);
      // A copy: a caller that later zeroes or reuses its buffer changes nothing here.
      object = createSecretKey(Buffer.from(key));
    } else if (isCryptoKey(key)) {
      object = KeyObject.from(key);
    } else if (key instanceof KeyObject) {
      object = key;
    } else {
      throw keyError(
        `key ${JSON.stringify(kid)} must be a KeyObject, a CryptoKey or (HS256) a Uint8Array`,
      );
    }
  } catch (err) {
    if (err instanceof TransportError) throw err;
    throw keyError(`key ${JSON.stringify(kid)} cannot be read: ${String(err)}`, err);
  }
  const named = `key ${JSON.stringify(kid)} (${alg})`;
  if (alg === "HS256") {
    if (object.type !== "secret") throw keyError(`${named} must be a secret key`);
    const size = object.symmetricKeySize ?? 0;
    if (size < 32) {
      throw keyError(`${named} has ${size} bytes; an HS256 secret needs at least 32 random bytes`);
    }
    const bytes = object.export();
    // The placeholder check of every other key ring.
    if (isPlaceholderSecret(bytes)) {
      throw keyError(
        `${named} is not a random secret (a few characters repeated, like a placeholder); use at least 32 random bytes (crypto.randomBytes(32))`,
      );
    }
    // Imported once into Web Crypto, on first use: jose would re-import raw bytes every call.
    let imported: Promise<webcrypto.CryptoKey> | undefined;
    const get = (): Promise<webcrypto.CryptoKey> => {
      imported ??= webcrypto.subtle.importKey(
        "raw",
        bytes,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign", "verify"],
      );
      return imported;
    };
    return { kid, alg, verify: get, sign: get };
  }
  if (object.type === "secret") throw keyError(`${named} must be a public or private key`);
  const type = object.asymmetricKeyType;
  if (alg === "ES256") {
    const curve = object.asymmetricKeyDetails?.namedCurve;
    if (type !== "ec" || curve !== "prime256v1") {
      throw keyError(`${named} must be an EC P-256 key, not ${type} ${curve ?? ""}`.trimEnd());
    }
  } else if (type !== "ed25519") {
    throw keyError(`${named} must be an Ed25519 key, not ${type}`);
  }
  const isPrivate = object.type === "private";
  const publicKey = isPrivate ? createPublicKey(object) : object;
  return {
    kid,
    alg,
    verify: async () => publicKey,
    sign: isPrivate ? async () => object : null,
  };
}

function positiveInteger(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw optionsError(`${name} must be a whole number above 0, not ${String(v)}`);
  }
  return v;
}

function checkCommon(options: CommonOptions): void {
  if (typeof options.issuer !== "string" || options.issuer === "") {
    throw optionsError("issuer must be a non-empty string");
  }
  const aud = options.audience;
  const auds = typeof aud === "string" ? [aud] : aud;
  if (
    !Array.isArray(auds) ||
    auds.length === 0 ||
    auds.some((a) => typeof a !== "string" || a === "")
  ) {
    throw optionsError("audience must be a non-empty string or a non-empty array of them");
  }
  if (options.typ !== undefined && (typeof options.typ !== "string" || options.typ === "")) {
    throw optionsError("typ must be a non-empty string");
  }
  const tol = options.clockToleranceSeconds;
  if (tol !== undefined && (typeof tol !== "number" || !Number.isFinite(tol) || tol < 0)) {
    throw optionsError(`clockToleranceSeconds must be a number ≥ 0, not ${String(tol)}`);
  }
}

/**
 * A JWT codec on `jose`, for JWT cookies and bearer access tokens, that refuses what RFC 8725
 * (JWT best current practices) says to refuse:
 *
 * - every key is pinned to one algorithm: a token whose header `alg` is not its key's is refused
 *   before any signature check (so an HS256 token "signed" with an ES256 public key never
 *   reaches HMAC), and `alg: none` is refused always;
 * - a header that carries a key or points to one (`jwk`, `jku`, `x5u`, `x5c`) is refused before
 *   verification: keys come from the codec's ring or JWKS only;
 * - `kid` is required when the ring has more than one key (and always with a JWKS);
 * - `exp` is required; `iss`, `aud` and `typ` must be this codec's;
 * - every segment must be canonical base64url, so no two strings verify as the same token.
 *
 * ```ts
 * const codec = createJwtCodec({
 *   keys: [{ kid: "2025-06", alg: "ES256", key: privateKey }],
 *   issuer: "https://shop.example",
 *   audience: "https://shop.example/api",
 *   typ: JWT_TYP_ACCESS_TOKEN,
 * });
 * const token = await codec.sign({ sub: user.id });
 * const result = await codec.verify(token); // { ok: true, claims, kid } | { ok: false, reason }
 * ```
 */
export function createJwtCodec(options: JwtCodecOptions): JwtCodec {
  if (typeof options !== "object" || options === null) throw optionsError("options are required");
  checkCommon(options);
  const typ = options.typ ?? JWT_TYP_SESSION;
  const ttl = positiveInteger("ttlSeconds", options.ttlSeconds ?? 300);
  const maxLength = positiveInteger("maxTokenLength", options.maxTokenLength ?? 8192);
  const tolerance = options.clockToleranceSeconds ?? 0;
  const now = options.now ?? Date.now;
  const requiredClaims = [...new Set(["exp", ...(options.requiredClaims ?? [])])];
  const issuer = options.issuer;
  const audience = typeof options.audience === "string" ? options.audience : [...options.audience];

  // --- keys --------------------------------------------------------------------------------
  let ring: Map<string, RingKey> | null = null;
  let only: RingKey | null = null;
  let jwks: ((h: JWTHeaderParameters, t: unknown) => Promise<unknown>) | null = null;
  let jwksAlgorithms: ReadonlySet<string> = new Set();
  let signer: RingKey | null = null;

  if ("keys" in options && options.keys !== undefined) {
    if ("jwks" in options) throw optionsError("give either keys or jwks, not both");
    if (!Array.isArray(options.keys) || options.keys.length === 0) {
      throw keyError("keys must be a non-empty array");
    }
    ring = new Map();
    for (const [i, k] of options.keys.entries()) {
      const rk = ringKey(k, `keys[${i}]`);
      if (ring.has(rk.kid)) throw keyError(`kid ${JSON.stringify(rk.kid)} appears twice`);
      ring.set(rk.kid, rk);
      signer ??= rk.sign === null ? null : rk;
    }
    only = ring.size === 1 ? ([...ring.values()][0] ?? null) : null;
  } else if ("jwks" in options && options.jwks !== undefined) {
    const algs = options.algorithms ?? ["ES256", "EdDSA"];
    if (
      !Array.isArray(algs) ||
      algs.length === 0 ||
      algs.some((a) => a !== "ES256" && a !== "EdDSA")
    ) {
      throw optionsError('algorithms must list "ES256" and/or "EdDSA" (JWKS hold public keys)');
    }
    jwksAlgorithms = new Set(algs);
    if (!(options.jwks instanceof URL)) {
      const set = options.jwks as { keys?: unknown };
      if (typeof set !== "object" || set === null || !Array.isArray(set.keys)) {
        throw keyError("jwks must be a URL or a JSON Web Key Set ({ keys: [...] })");
      }
      for (const jwk of set.keys as unknown[]) {
        if (typeof jwk !== "object" || jwk === null) throw keyError("jwks: a member is not a JWK");
        if ("d" in jwk || "k" in jwk || "priv" in jwk) {
          throw keyError(
            "jwks must hold public keys only: a member carries private or secret key material",
          );
        }
      }
    }
    type Resolver = ((h: JWTHeaderParameters, t: unknown) => Promise<unknown>) & {
      jwks: () => JSONWebKeySet | undefined;
    };
    let resolve: Resolver;
    try {
      resolve = (options.jwks instanceof URL
        ? createRemoteJWKSet(options.jwks, options.remote)
        : createLocalJWKSet(options.jwks)) as unknown as Resolver;
    } catch (err) {
      throw keyError(`jwks cannot be used: ${String(err)}`, err);
    }
    const remote = options.jwks instanceof URL;
    jwks = async (h, t) => {
      try {
        return await resolve(h, t);
      } catch (err) {
        // Which key, or no key: the token's fault. Anything else of a remote set: the server's.
        if (err instanceof errors.JWKSNoMatchingKey) {
          // The set has the named key, but not for this algorithm: pinned, so refused as such.
          const kid = h.kid;
          if (resolve.jwks()?.keys.some((k) => k.kid === kid) === true) {
            throw new errors.JOSEAlgNotAllowed("the key of this kid is for another algorithm");
          }
          throw err;
        }
        if (
          !remote ||
          err instanceof errors.JWKSMultipleMatchingKeys ||
          err instanceof errors.JOSENotSupported
        ) {
          throw err;
        }
        throw new TransportError(
          "ERR_JWT_JWKS_UNAVAILABLE",
          `jwt: the JSON Web Key Set at ${(options.jwks as URL).href} cannot be fetched or read (${String(err)}); answer 503`,
          { cause: err },
        );
      }
    };
    if (options.signWith !== undefined) {
      const rk = ringKey(options.signWith, "signWith");
      if (rk.sign === null) throw keyError("signWith must be a private key");
      signer = rk;
    }
  } else {
    throw optionsError("give keys (a key ring) or jwks (a URL or a JSON Web Key Set)");
  }

  // --- sign --------------------------------------------------------------------------------
  const sign: JwtCodec["sign"] = async (claims, signOptions) => {
    if (signer === null) {
      throw new TransportError(
        "ERR_JWT_NO_SIGNING_KEY",
        "jwt: this codec holds no private or secret key, it can only verify; add one to keys (or signWith)",
      );
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
      throw new TransportError(
        "ERR_JWT_CLAIMS_INVALID",
        "jwt: sign(claims): claims must be an object",
      );
    }
    for (const r of RESERVED) {
      if (Object.hasOwn(claims, r)) {
        throw new TransportError(
          "ERR_JWT_CLAIMS_INVALID",
          `jwt: sign(claims): ${r} is set by the codec (issuer, audience, ttlSeconds), leave it out`,
        );
      }
    }
    if (claims.sub !== undefined && typeof claims.sub !== "string") {
      throw new TransportError("ERR_JWT_CLAIMS_INVALID", "jwt: sign(claims): sub must be a string");
    }
    if (
      claims.nbf !== undefined &&
      (typeof claims.nbf !== "number" || !Number.isFinite(claims.nbf))
    ) {
      throw new TransportError(
        "ERR_JWT_CLAIMS_INVALID",
        "jwt: sign(claims): nbf must be a number (seconds)",
      );
    }
    if (claims.jti !== undefined && (typeof claims.jti !== "string" || claims.jti === "")) {
      throw new TransportError("ERR_JWT_CLAIMS_INVALID", "jwt: sign(claims): jti must be a string");
    }
    const life =
      signOptions?.ttlSeconds === undefined
        ? ttl
        : positiveInteger("sign: ttlSeconds", signOptions.ttlSeconds);
    let payload: JWTPayload;
    try {
      payload = JSON.parse(JSON.stringify(claims)) as JWTPayload;
    } catch (err) {
      throw new TransportError(
        "ERR_JWT_CLAIMS_INVALID",
        `jwt: sign(claims): claims must be JSON (${String(err)})`,
        { cause: err },
      );
    }
    const iat = Math.floor(now() / 1000);
    payload.jti ??= newTokenId(typeof claims.sub === "string" ? claims.sub : null);
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + life)
      .sign(await (signer.sign as () => Promise<KeyObject | webcrypto.CryptoKey>)());
    // Never hand out a token that verify would refuse: the session would be dead on arrival.
    if (token.length > maxLength) {
      throw new TransportError(
        "ERR_TRANSPORT_TOO_LARGE",
        `jwt: the token would be ${token.length} characters, over the maxTokenLength of ${maxLength} that verify accepts (and most servers refuse headers of 8 to 16 KiB): keep less in its claims (ids rather than whole objects), or use server sessions, which have no size limit`,
      );
    }
    return token;
  };

  // --- verify ------------------------------------------------------------------------------
  const fail = (reason: JwtFailure): VerifyResult => ({ ok: false, reason });

  const verify: JwtCodec["verify"] = async (token) => {
    if (typeof token !== "string" || token.length > maxLength) return fail("malformed");
    const parts = token.split(".");
    if (parts.length !== 3) return fail("malformed");
    for (const p of parts) {
      // Canonical base64url only: the unused low bits of the last character must be zero, so a
      // changed character always changes the bytes.
      if (!SEGMENT.test(p) || Buffer.from(p, "base64url").toString("base64url") !== p) {
        return fail("malformed");
      }
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return fail("malformed");
    }
    const { alg, kid } = header;
    if (typeof alg !== "string" || alg === "") return fail("malformed");
    if (alg.toLowerCase() === "none") return fail("algorithm");
    for (const p of HEADER_KEY_PARAMS) if (Object.hasOwn(header, p)) return fail("header-key");
    if (kid !== undefined && typeof kid !== "string") return fail("malformed");

    let key: KeyObject | webcrypto.CryptoKey | NonNullable<typeof jwks>;
    let usedKid: string | null;
    if (ring !== null) {
      const rk = kid === undefined ? only : ring.get(kid);
      if (rk === undefined || rk === null) return fail("unknown-key");
      if (alg !== rk.alg) return fail("algorithm");
      key = await rk.verify();
      usedKid = rk.kid;
    } else {
      if (!jwksAlgorithms.has(alg)) return fail("algorithm");
      if (kid === undefined) return fail("unknown-key");
      key = jwks as NonNullable<typeof jwks>;
      usedKid = kid;
    }
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        algorithms: [alg],
        issuer,
        audience,
        typ,
        clockTolerance: tolerance,
        requiredClaims,
        currentDate: new Date(now()),
      });
      return { ok: true, claims: payload, kid: usedKid };
    } catch (err) {
      if (err instanceof TransportError) throw err;
      if (err instanceof errors.JWTExpired)
        return { ok: false, reason: "expired", claims: err.payload };
      return fail(failureOf(err));
    }
  };

  return { typ, signingKid: signer?.kid ?? null, sign, verify };
}

function failureOf(err: unknown): JwtFailure {
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad-signature";
  if (err instanceof errors.JWTClaimValidationFailed) {
    return err.claim === "nbf" ? "not-yet-valid" : "claims";
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm";
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return "unknown-key";
  }
  // JWSInvalid, JWTInvalid (not JSON, a payload that is not an object), JOSENotSupported (a crit
  // naming an extension jose does not know), and anything else bad input can make jose throw.
  return "malformed";
}
