// A small closed-loop load generator over real HTTP for the reliability suites: N connections,
// each sending its next request as soon as the last one answered, from a set of signed-in
// sessions. Every answer is kept (status, error code, whether it set the session cookie, latency)
// so a suite can check what clients saw in each phase, and which writes were acknowledged.

/** One request a loop sends: a read, or a write that the store must keep once acknowledged. */
export interface LoadStep {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** For a write: the session data key and value it stores, checked afterwards. */
  write?: { key: string; value: string };
}

/** What one request saw. */
export interface Sample {
  /** ms since the run started, when the request was sent. */
  at: number;
  ms: number;
  /** 0 for a network error or a request that timed out. */
  status: number;
  code: string | undefined;
  /** The answer set (or cleared) the session cookie. */
  setsSessionCookie: boolean;
  /**
   * The answer replaced the session cookie with another token or cleared it. A touch, which
   * sets the same token with a new Max-Age when the idle expiry moves, does not count.
   */
  changesSessionCookie: boolean;
  session: number;
  write: LoadStep["write"];
}

/** What the load needs of an answer. */
export interface Answer {
  status: number;
  body: string;
  setCookie: readonly string[];
  /** The session cookie's value the request carried. */
  sentCookie: string;
}

/** Sends one step for session number `session`; throws on a network failure. */
export type Sender = (step: LoadStep, session: number, signal: AbortSignal) => Promise<Answer>;

export interface LoadOptions {
  send: Sender;
  /** How many sessions the loops use, round robin. */
  sessions: number;
  /** The session cookie's name: an answer that sets or clears it is counted. */
  cookieName: string;
  connections: number;
  /** The request of loop `loop`'s `n`-th turn on session number `session`. */
  step(loop: number, n: number, session: number): LoadStep;
  /** A request without an answer after this many ms counts as a failure (status 0). Default 10 s. */
  timeoutMs?: number;
}

/** A {@link Sender} over plain HTTP with fetch, the session cookie of number `session` attached. */
export function fetchSender(
  origin: string,
  cookieName: string,
  cookies: readonly string[],
): Sender {
  return async (step, session, signal) => {
    const res = await fetch(origin + step.path, {
      method: step.method,
      redirect: "manual",
      headers: { cookie: `${cookieName}=${cookies[session]}`, ...(step.headers ?? {}) },
      ...(step.body === undefined ? {} : { body: step.body }),
      signal,
    });
    return {
      status: res.status,
      body: await res.text(),
      setCookie: res.headers.getSetCookie(),
      sentCookie: cookies[session] as string,
    };
  };
}

async function one(o: LoadOptions, step: LoadStep, session: number, t0: number): Promise<Sample> {
  const at = performance.now() - t0;
  try {
    const a = await o.send(step, session, AbortSignal.timeout(o.timeoutMs ?? 10_000));
    let code: string | undefined;
    if (a.status >= 400) {
      try {
        code = (JSON.parse(a.body) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
    }
    return {
      at,
      ms: performance.now() - t0 - at,
      status: a.status,
      code,
      setsSessionCookie: a.setCookie.some((c) => c.startsWith(`${o.cookieName}=`)),
      changesSessionCookie: a.setCookie.some(
        (c) =>
          c.startsWith(`${o.cookieName}=`) &&
          (!c.startsWith(`${o.cookieName}=${a.sentCookie};`) || /;\s*max-age=0\b/i.test(c)),
      ),
      session,
      write: step.write,
    };
  } catch {
    return {
      at,
      ms: performance.now() - t0 - at,
      status: 0,
      code: undefined,
      setsSessionCookie: false,
      changesSessionCookie: false,
      session,
      write: step.write,
    };
  }
}

export interface LoadReport {
  samples: Sample[];
  durationMs: number;
}

/** A running load: the samples so far (growing), and how to stop it. */
export interface RunningLoad {
  readonly samples: readonly Sample[];
  /** ms since the load started. */
  elapsed(): number;
  /** Lets every loop finish its request in flight, then reports. */
  stop(): Promise<LoadReport>;
}

/** Starts the loops; they run until `stop()`. */
export function startLoad(o: LoadOptions): RunningLoad {
  const t0 = performance.now();
  let done = false;
  const samples: Sample[] = [];
  let next = 0;
  const loops = Promise.all(
    Array.from({ length: o.connections }, async (_, loop) => {
      for (let n = 0; !done; n++) {
        const session = next++ % o.sessions;
        samples.push(await one(o, o.step(loop, n, session), session, t0));
      }
    }),
  );
  return {
    samples,
    elapsed: () => performance.now() - t0,
    async stop() {
      done = true;
      await loops;
      return { samples, durationMs: performance.now() - t0 };
    },
  };
}

/** The p-th percentile (0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Counts of `key(sample)` over the samples, for printing. */
export function tally(
  samples: readonly Sample[],
  key: (s: Sample) => string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[key(s)] = (out[key(s)] ?? 0) + 1;
  return out;
}
