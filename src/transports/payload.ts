import { randomBytes } from "node:crypto";

/** The version of {@link SessionPayload}; a value of any other version is no session. */
export const PAYLOAD_VERSION = 1;

/**
 * What every stateless transport (signed cookie, encrypted cookie, JWT) carries: the session
 * itself, since no store holds it. Times are milliseconds since the epoch, from the server's
 * clock, as whole numbers.
 */
export interface SessionPayload {
  /** The format version: always 1. */
  readonly v: 1;
  /**
   * The id of this credential: random (see {@link newSessionId}), safe to log, and the id a
   * denylist revokes. Sessions give it a new one when they rotate, so that denying the old id
   * ends the old value alone.
   */
  readonly sid: string;
  /** The signed-in user, or null for an anonymous session. */
  readonly sub: string | null;
  /** The application's data: JSON values only, in a plain object. */
  readonly data: Readonly<Record<string, unknown>>;
  /** When the session was created. */
  readonly iat: number;
  /** The sliding expiry: the session ends then unless a later response moves it forward. */
  readonly idleExp: number;
  /** The hard cap: the session ends then, however active it is. */
  readonly absExp: number;
  /** When the session was last elevated (MFA, role change), or null. */
  readonly elv: number | null;
}

/** The outcome of {@link validatePayload}: the payload, or the first thing wrong with it. */
export type PayloadCheck =
  | { readonly ok: true; readonly payload: SessionPayload }
  | { readonly ok: false; readonly problem: string };

/**
 * 128 to 384 random bits in base64url, optionally after a 4-character shard and a dot (the shape
 * of `newTokenId`, which keeps a denylist entry in its user's Redis Cluster slot).
 * {@link newSessionId} makes 128 bits.
 */
const SID = /^(?:[A-Za-z0-9_-]{4}\.)?[A-Za-z0-9_-]{22,64}$/;

/** Deeper `data` than this is refused: no session needs it, and walking it costs stack. */
const MAX_DEPTH = 32;

const KEYS = ["v", "sid", "sub", "data", "iat", "idleExp", "absExp", "elv"] as const;

/** A new session id: 128 bits from the CSPRNG, in base64url (22 characters). */
export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

function isTime(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** What is wrong in `data`, and where: `at` lists the path's segments, innermost first. */
interface Problem {
  readonly at: string[];
  readonly what: string;
}

/**
 * The first reason `x` is not a JSON value that survives `JSON.stringify` and `JSON.parse`
 * unchanged, or undefined. The path is built only on the way back from a problem: the walk of
 * valid data allocates nothing.
 */
function jsonProblem(x: unknown, depth: number): Problem | undefined {
  switch (typeof x) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(x)
        ? undefined
        : { at: [], what: `is ${String(x)}, which JSON cannot hold` };
    case "object": {
      if (x === null) return undefined;
      if (depth >= MAX_DEPTH) return { at: [], what: `is nested deeper than ${MAX_DEPTH} levels` };
      if (Array.isArray(x)) {
        for (let i = 0; i < x.length; i++) {
          if (!(i in x)) return { at: [`[${i}]`], what: "is a hole in a sparse array" };
          const p = jsonProblem(x[i], depth + 1);
          if (p !== undefined) {
            p.at.push(`[${i}]`);
            return p;
          }
        }
        return undefined;
      }
      if (!isPlainObject(x)) {
        const name = (x as { constructor?: { name?: unknown } }).constructor?.name;
        return {
          at: [],
          what: `is ${typeof name === "string" ? `a ${name}` : "not a plain object"}: store JSON values only (a Date as its getTime(), a Map as an object)`,
        };
      }
      for (const key of Object.keys(x)) {
        // JSON.parse makes "__proto__" an own property, which Object.assign or a spread into
        // another object turns into that object's prototype.
        if (key === "__proto__") return { at: [], what: 'has a "__proto__" key' };
        const p = jsonProblem(x[key], depth + 1);
        if (p !== undefined) {
          p.at.push(`.${key}`);
          return p;
        }
      }
      return undefined;
    }
    default:
      return {
        at: [],
        what: `is ${typeof x === "undefined" ? "undefined" : `a ${typeof x}`}, which JSON cannot hold`,
      };
  }
}

/**
 * Why `x` is not a JSON value that survives `JSON.stringify` and `JSON.parse` unchanged (a path
 * such as `.items[1]` and what is wrong there), or undefined when it is one.
 */
export function jsonValueProblem(
  x: unknown,
): { readonly at: string; readonly what: string } | undefined {
  try {
    const p = jsonProblem(x, 1);
    return p === undefined ? undefined : { at: p.at.reverse().join(""), what: p.what };
  } catch {
    return { at: "", what: "throws when it is read (a getter or a Proxy)" };
  }
}

/**
 * Checks that `x` is exactly a {@link SessionPayload}: every field present with its type, no
 * other field, times as whole non-negative milliseconds with `iat` not after either expiry,
 * and `data` a plain object of JSON values (at most 32 levels deep, no `__proto__` key).
 * Never throws, whatever `x` is.
 */
export function validatePayload(x: unknown): PayloadCheck {
  try {
    const problem = payloadProblem(x);
    return problem === undefined
      ? { ok: true, payload: x as SessionPayload }
      : { ok: false, problem };
  } catch {
    // A Proxy or a getter can throw from any property read.
    return { ok: false, problem: "reading the payload threw" };
  }
}

function payloadProblem(x: unknown): string | undefined {
  if (!isPlainObject(x)) return "the payload is not a plain object";
  const keys = Object.keys(x);
  for (const key of keys) {
    if (!(KEYS as readonly string[]).includes(key)) return `unknown field "${key}"`;
  }
  for (const key of KEYS) {
    if (!Object.hasOwn(x, key)) return `missing field "${key}"`;
  }
  if (x.v !== PAYLOAD_VERSION) {
    const v = typeof x.v === "string" ? JSON.stringify(x.v) : String(x.v);
    return `v is ${v}, not ${PAYLOAD_VERSION}`;
  }
  if (typeof x.sid !== "string" || !SID.test(x.sid))
    return "sid must be 22 to 64 base64url characters (newSessionId()), optionally after a shard and a dot";
  if (x.sub !== null && (typeof x.sub !== "string" || x.sub.length === 0))
    return "sub must be a non-empty string, or null for an anonymous session";
  if (!isPlainObject(x.data)) return "data must be a plain object";
  for (const key of ["iat", "idleExp", "absExp"] as const) {
    if (!isTime(x[key])) return `${key} must be whole milliseconds since the epoch`;
  }
  if (x.elv !== null && !isTime(x.elv))
    return "elv must be whole milliseconds since the epoch, or null";
  const iat = x.iat as number;
  if (iat > (x.idleExp as number) || iat > (x.absExp as number))
    return "iat is after an expiry: the session would never have been valid";
  const p = jsonProblem(x.data, 1);
  return p === undefined ? undefined : `data${p.at.reverse().join("")} ${p.what}`;
}
