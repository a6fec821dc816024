// What the signed and the encrypted codec share: the payload on its way in and out.
import { TransportError } from "./errors.js";
import { MAX_COOKIE_BYTES } from "./keys.js";
import { type SessionPayload, validatePayload } from "./payload.js";
import type { OpenFailure, OpenResult } from "./types.js";

/**
 * The JSON of a payload, fields in one fixed order. Throws {@link TransportError}
 * `ERR_TRANSPORT_PAYLOAD_INVALID` when `payload` is not a valid session payload: a codec must
 * never write what it would refuse to read.
 */
export function payloadJson(payload: SessionPayload): string {
  const check = validatePayload(payload);
  if (!check.ok) {
    throw new TransportError(
      "ERR_TRANSPORT_PAYLOAD_INVALID",
      `cannot seal this session payload: ${check.problem}`,
    );
  }
  const p = check.payload;
  return JSON.stringify({
    v: p.v,
    sid: p.sid,
    sub: p.sub,
    data: p.data,
    iat: p.iat,
    idleExp: p.idleExp,
    absExp: p.absExp,
    elv: p.elv,
  });
}

/** The outcome of opening, once the value has proved authentic and `json` is its plaintext. */
export function openedPayload(
  json: string,
  kid: string,
  now: () => number,
): OpenResult<"invalid-payload" | "expired"> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return FAIL["invalid-payload"];
  }
  const check = validatePayload(parsed);
  if (!check.ok) return FAIL["invalid-payload"];
  const t = now();
  // An expiry is the first instant at which the session is gone.
  if (!(t < check.payload.idleExp && t < check.payload.absExp)) {
    return { ok: false, reason: "expired", payload: check.payload };
  }
  return { ok: true, payload: check.payload, kid };
}

/** Refuses a cookie that browsers would drop: name, "=" and value over 4096 bytes. */
export function refuseTooLarge(what: string, nameLength: number, valueLength: number): void {
  const size = nameLength + 1 + valueLength;
  if (size <= MAX_COOKIE_BYTES) return;
  throw new TransportError(
    "ERR_TRANSPORT_TOO_LARGE",
    `${what} would be ${size} bytes (name, "=" and value), over the ${MAX_COOKIE_BYTES} bytes browsers keep for one cookie; ` +
      `they would drop it and the user would have no session. Keep less in the session data (ids rather than whole objects) ` +
      `or use server sessions (an opaque id and a store), which have no size limit`,
  );
}

/** Failure results, allocated once. */
export const FAIL: {
  readonly [R in Exclude<OpenFailure, "expired">]: { readonly ok: false; readonly reason: R };
} = {
  malformed: Object.freeze({ ok: false, reason: "malformed" }),
  "unknown-key": Object.freeze({ ok: false, reason: "unknown-key" }),
  "bad-signature": Object.freeze({ ok: false, reason: "bad-signature" }),
  "bad-ciphertext": Object.freeze({ ok: false, reason: "bad-ciphertext" }),
  "invalid-payload": Object.freeze({ ok: false, reason: "invalid-payload" }),
};
