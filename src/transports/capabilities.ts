/**
 * What each transport can and cannot do, declared next to its code. The variants table of the
 * docs is generated from these declarations by {@link variantsTable}, so it cannot drift from
 * the code.
 *
 * @module
 */
import { MAX_COOKIE_BYTES } from "./keys.js";

export interface TransportCapabilities {
  /** The transport's name, e.g. `signed-cookie`. */
  readonly name: string;
  /** Where the session lives: in a server-side store, or in the credential the client holds. */
  readonly state: "server" | "client";
  /**
   * How fast a revoked session stops working: at once (it is deleted from the store), after a
   * denylist check (one small store read per request), or only when it expires.
   */
  readonly revocation: "instant" | "denylist" | "expiry";
  /** Whether one credential can serve several registrable domains (sites). */
  readonly crossDomain: boolean;
  /** The largest credential, in bytes, or null when the transport imposes none. */
  readonly sizeLimit: number | null;
  /**
   * Whether the browser attaches the credential by itself (a cookie): then every unsafe request
   * needs the CSRF guard. A bearer token is sent only by code, so it needs none.
   */
  readonly ambient: boolean;
  /** What else to know before choosing it, in a sentence or two. */
  readonly notes: string;
}

/** The default: an opaque random token in a `__Host-` cookie, the session in a store. */
export const OPAQUE_COOKIE_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "opaque-cookie",
  state: "server",
  revocation: "instant",
  crossDomain: false,
  sizeLimit: null,
  ambient: true,
  notes:
    "256 random bits, stored only as their SHA-256. One store read per request; the session can hold any amount of data, and a device list and per-user caps come with it.",
});

/** The opaque token of the store, carried in `Authorization: Bearer` (`opaqueBearer`). */
export const OPAQUE_BEARER_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "opaque-bearer",
  state: "server",
  revocation: "instant",
  crossDomain: true,
  sizeLimit: null,
  ambient: false,
  notes:
    "The store's lifecycle (timeouts, rotation, devices), the OAuth 2 access-token shape. The client keeps the token (Set-Auth-Token) and sends it; script-readable storage makes XSS able to steal it.",
});

export const SIGNED_COOKIE_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "signed-cookie",
  state: "client",
  revocation: "denylist",
  crossDomain: false,
  sizeLimit: MAX_COOKIE_BYTES,
  ambient: true,
  notes:
    "HMAC-SHA256 with a key ring. No store read but the denylist check. The client can read the payload (signed, not encrypted): keep secrets out of it. A value over 4096 bytes is refused when sealed.",
});

/** The encrypted cookie of `createEncryptedCodec`. */
export const ENCRYPTED_COOKIE_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "encrypted-cookie",
  state: "client",
  revocation: "denylist",
  crossDomain: false,
  sizeLimit: MAX_COOKIE_BYTES,
  ambient: true,
  notes:
    "AES-256-GCM, keys derived by HKDF from a key ring, bound to the cookie name. The client can neither read nor change the payload. A value over 4096 bytes is refused when sealed, not split into chunks.",
});

/** A JWT session cookie of `jwtCookie` (typ `session+jwt`). */
export const JWT_COOKIE_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "jwt-cookie",
  state: "client",
  revocation: "denylist",
  crossDomain: false,
  sizeLimit: MAX_COOKIE_BYTES,
  ambient: true,
  notes:
    "A JWS (HS256, ES256 or EdDSA, pinned per key) that other services can verify with the public key. Readable by the client, like the signed cookie, and larger.",
});

/** A JWT access token in `Authorization: Bearer`, with refresh tokens (`bearerJwt`). */
export const BEARER_JWT_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "bearer-jwt",
  state: "client",
  revocation: "denylist",
  crossDomain: true,
  // The codec's default maxTokenLength: a longer token is refused when it would be made.
  sizeLimit: 8192,
  ambient: false,
  notes:
    "Access tokens (typ at+jwt) live 5 minutes; the refresh token is stored, rotated on every use, and a reuse revokes its family. For APIs and other origins; a change of session data writes the refresh family. The size limit is `maxTokenLength`.",
});

/** Every transport, in the order of the docs' variants table. */
export const ALL_CAPABILITIES: readonly TransportCapabilities[] = Object.freeze([
  OPAQUE_COOKIE_CAPABILITIES,
  SIGNED_COOKIE_CAPABILITIES,
  ENCRYPTED_COOKIE_CAPABILITIES,
  JWT_COOKIE_CAPABILITIES,
  BEARER_JWT_CAPABILITIES,
  OPAQUE_BEARER_CAPABILITIES,
]);

const STATE: Readonly<Record<TransportCapabilities["state"], string>> = {
  server: "server (a store)",
  client: "client (in the credential)",
};

const REVOCATION: Readonly<Record<TransportCapabilities["revocation"], string>> = {
  instant: "instant (deleted from the store)",
  denylist: "after a denylist check (one store read)",
  expiry: "only at expiry",
};

/** A Markdown table cell: one line, with "|" escaped. */
function cell(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, " ").replace(/\|/g, "\\|");
}

/**
 * A Markdown table of `list`, one row per transport in the order given, for the docs:
 *
 * ```ts
 * variantsTable([SIGNED_COOKIE_CAPABILITIES, ENCRYPTED_COOKIE_CAPABILITIES]);
 * ```
 */
export function variantsTable(list: readonly TransportCapabilities[]): string {
  const rows = [
    [
      "transport",
      "session state",
      "revocation",
      "cross-domain",
      "size limit",
      "ambient (needs CSRF guard)",
      "notes",
    ],
    ...list.map((c) => [
      `\`${c.name}\``,
      STATE[c.state],
      REVOCATION[c.revocation],
      c.crossDomain ? "yes" : "no",
      c.sizeLimit === null ? "none" : `${c.sizeLimit} bytes`,
      c.ambient ? "yes" : "no",
      c.notes,
    ]),
  ];
  const lines = rows.map((r) => `| ${r.map(cell).join(" | ")} |`);
  lines.splice(1, 0, `|${rows[0]?.map(() => " --- ").join("|")}|`);
  return `${lines.join("\n")}\n`;
}
