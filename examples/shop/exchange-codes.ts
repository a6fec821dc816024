// One-time codes for the API's session exchange: www hands one to its own page, the page gives
// it to the API, and the API trades it once for a session of its own. Only the SHA-256 of a
// code is kept, for 60 seconds.
import { createHash, randomBytes } from "node:crypto";

export interface ExchangeGrant {
  readonly userId: string;
  /** The public id of the www session the code was issued for. */
  readonly wwwSessionId: string;
}

export interface ExchangeCodes {
  issue(grant: ExchangeGrant): string;
  /** The grant of a code, once; undefined for an unknown, used or expired code. */
  redeem(code: unknown): ExchangeGrant | undefined;
}

const CODE = /^[A-Za-z0-9_-]{43}$/;
const hash = (code: string): string => createHash("sha256").update(code).digest("base64url");

export function createExchangeCodes(
  options: { ttlMs?: number; maxPending?: number; now?: () => number } = {},
): ExchangeCodes {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxPending = options.maxPending ?? 10_000;
  const now = options.now ?? Date.now;
  const pending = new Map<string, ExchangeGrant & { expiresAt: number }>();

  const sweep = (): void => {
    const t = now();
    for (const [k, v] of pending) if (v.expiresAt <= t) pending.delete(k);
  };

  return {
    issue(grant) {
      if (pending.size >= maxPending) sweep();
      // Still full: drop the oldest code rather than grow without bound.
      if (pending.size >= maxPending) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
      }
      const code = randomBytes(32).toString("base64url");
      pending.set(hash(code), { ...grant, expiresAt: now() + ttlMs });
      return code;
    },
    redeem(code) {
      if (typeof code !== "string" || !CODE.test(code)) return undefined;
      const key = hash(code);
      const entry = pending.get(key);
      if (entry === undefined) return undefined;
      pending.delete(key);
      if (entry.expiresAt <= now()) return undefined;
      return { userId: entry.userId, wwwSessionId: entry.wwwSessionId };
    },
  };
}
