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

/** The signed cookie of `createSignedCodec`. */
export const SIGNED_COOKIE_CAPABILITIES: TransportCapabilities = Object.freeze({
  name: "signed-cookie",
  state: "client",
  revocation: "denylist",
  crossDomain: false,
  sizeLimit: MAX_COOKIE_BYTES,
  ambient: true,
  notes:
    "HMAC-SHA256 with a key ring. The client can read the payload (signed, not encrypted): keep secrets out of it. A value over 4096 bytes is refused when sealed.",
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
