// Repeated failures for one account are refused for a while: after `maxFailures` failures
// within `windowMs`, every attempt for that account (right password or not) gets 429 until the
// window has passed, so guessing cannot go on at speed. Kept in the process, bounded.

export interface ThrottleOptions {
  /** Failures allowed within the window. Default 5. */
  maxFailures?: number;
  /** The window, in ms, counted from the first failure. Default 15 minutes. */
  windowMs?: number;
  /** Accounts tracked at most; the oldest entry is dropped past it. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

export interface Throttle {
  /** Seconds to wait before trying again, or 0 when an attempt may be made now. */
  retryAfter(key: string): number;
  fail(key: string): void;
  succeed(key: string): void;
}

export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const max = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const failures = new Map<string, { first: number; count: number }>();

  const current = (key: string): { first: number; count: number } | undefined => {
    const entry = failures.get(key);
    if (entry !== undefined && now() - entry.first >= windowMs) {
      failures.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    retryAfter(key) {
      const entry = current(key);
      if (entry === undefined || entry.count < max) return 0;
      return Math.max(1, Math.ceil((entry.first + windowMs - now()) / 1000));
    },
    fail(key) {
      const entry = current(key);
      if (entry !== undefined) {
        entry.count += 1;
        return;
      }
      if (failures.size >= maxEntries) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      failures.set(key, { first: now(), count: 1 });
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
