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
  session: number;
  write: LoadStep["write"];
}

export interface LoadOptions {
  origin: string;
  /** The session cookie values the loops use, round robin. */
  sessions: readonly string[];
  cookieName: string;
  connections: number;
  /** The request of loop `loop`'s `n`-th turn on session number `session`. */
  step(loop: number, n: number, session: number): LoadStep;
  /** A request without an answer after this many ms counts as a failure (status 0). Default 10 s. */
  timeoutMs?: number;
}

export interface LoadReport {
  samples: Sample[];
  durationMs: number;
}

async function one(o: LoadOptions, step: LoadStep, session: number, t0: number): Promise<Sample> {
  const at = performance.now() - t0;
  const cookie = `${o.cookieName}=${o.sessions[session]}`;
  try {
    const res = await fetch(o.origin + step.path, {
      method: step.method,
      redirect: "manual",
      headers: { cookie, ...(step.headers ?? {}) },
      ...(step.body === undefined ? {} : { body: step.body }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let code: string | undefined;
    if (res.status >= 400) {
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
    }
    return {
      at,
      ms: performance.now() - t0 - at,
      status: res.status,
      code,
      setsSessionCookie: res.headers.getSetCookie().some((c) => c.startsWith(`${o.cookieName}=`)),
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
      session,
      write: step.write,
    };
  }
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
        const session = next++ % o.sessions.length;
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
