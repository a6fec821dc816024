// What every benchmark server shares: its configuration (from the environment the parent sets),
// the IPC protocol with the parent (ready, CPU start/stop, shutdown), a bounded lifetime, and the
// constants of the GET /me answer. Each server runs in its own process, so that
// process.cpuUsage() measures it alone while autocannon runs in the parent.
import { createHash, randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The user every server signs in; GET /me answers `{"user":"user-42"}`. */
export const USER_ID = "user-42";
/** The JSON body of GET /me, for the servers that write it themselves. */
export const ME_BODY = JSON.stringify({ user: USER_ID });
export const UNAUTHORIZED_BODY = JSON.stringify({ error: "sign in" });
/** The cookie name of the limit and of the session-less servers (sessionjar's default). */
export const COOKIE_NAME = "__Host-session";

/** Messages from the parent. */
export type ToChild = { type: "cpu-start" } | { type: "cpu-stop" } | { type: "shutdown" };

/** Messages to the parent. */
export type FromChild =
  | { type: "ready"; port: number }
  | { type: "cpu-started" }
  | {
      type: "cpu";
      /** process.cpuUsage() between cpu-start and cpu-stop, in µs. */
      userUs: number;
      systemUs: number;
      /** process.hrtime at cpu-start and cpu-stop, in µs (the clock of --cpu-prof's samples). */
      startUs: number;
      stopUs: number;
    }
  | { type: "error"; message: string };

export interface ServerConfig {
  /** Which server of the program to start, e.g. "express-sj". */
  kind: string;
  redisUrl: string;
  /** This server's own Redis key prefix, unique to the run. */
  prefix: string;
  /** sessionjar's `touchInterval` in seconds, when the run sets one; else the default (60). */
  touchInterval: number | undefined;
}

/**
 * The options every sessionjar server adds to its store: `insecureLocalhost`, because the
 * benchmark speaks plain HTTP to 127.0.0.1, and the run's `touchInterval` when it sets one.
 */
export function benchSessionOptions(config: ServerConfig): {
  insecureLocalhost: true;
  touchInterval?: number;
} {
  return config.touchInterval === undefined
    ? { insecureLocalhost: true }
    : { insecureLocalhost: true, touchInterval: config.touchInterval };
}

export interface Running {
  port: number;
  close(): Promise<void>;
}

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "")
    throw new Error(`${name} is not set: start this via bench/sessions.bench.ts`);
  return v;
}

function send(message: FromChild): void {
  process.send?.(message);
}

/** A random cookie value of the same shape and length as a sessionjar token (48 characters). */
export function dummyToken(): string {
  return randomBytes(36).toString("base64url");
}

/** The `Set-Cookie` the session-less servers answer POST /login with, so every run sends a cookie. */
export function dummySetCookie(): string {
  return `${COOKIE_NAME}=${dummyToken()}; Path=/; HttpOnly; SameSite=Lax`;
}

/** Listens on 127.0.0.1 on a free port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Runs one server of a program: reads the configuration, starts the server `kinds[kind]`, tells
 * the parent its port, and answers the parent's CPU and shutdown messages. The process ends on
 * shutdown, when the parent goes away, or after SJB_LIFETIME_MS whatever happens.
 */
export function runServer(kinds: Record<string, (config: ServerConfig) => Promise<Running>>): void {
  const lifetime = Number(process.env.SJB_LIFETIME_MS ?? "120000");
  setTimeout(() => {
    process.stderr.write(`server ${process.env.SJB_KIND}: lifetime of ${lifetime} ms is over\n`);
    process.exit(3);
  }, lifetime).unref();
  // Without the parent there is nobody to measure for.
  process.on("disconnect", () => process.exit(4));

  const fail = (error: unknown): void => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    send({ type: "error", message });
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  };

  (async () => {
    const config: ServerConfig = {
      kind: env("SJB_KIND"),
      redisUrl: env("SJB_REDIS_URL"),
      prefix: env("SJB_PREFIX"),
      touchInterval:
        process.env.SJB_TOUCH_INTERVAL_S === undefined
          ? undefined
          : Number(process.env.SJB_TOUCH_INTERVAL_S),
    };
    const start = kinds[config.kind];
    if (start === undefined) throw new Error(`no server called ${config.kind} in this program`);
    const running = await start(config);
    let cpu: NodeJS.CpuUsage | undefined;
    let startUs = 0;
    process.on("message", (message: ToChild) => {
      if (message.type === "cpu-start") {
        startUs = Number(process.hrtime.bigint() / 1000n);
        cpu = process.cpuUsage();
        send({ type: "cpu-started" });
      } else if (message.type === "cpu-stop") {
        const d = process.cpuUsage(cpu);
        const stopUs = Number(process.hrtime.bigint() / 1000n);
        send({ type: "cpu", userUs: d.user, systemUs: d.system, startUs, stopUs });
      } else if (message.type === "shutdown") {
        // A normal exit, so that --cpu-prof writes its profile.
        const hard = setTimeout(() => process.exit(0), 3000);
        hard.unref();
        running.close().then(
          () => process.exit(0),
          () => process.exit(0),
        );
      }
    });
    send({ type: "ready", port: running.port });
  })().catch(fail);
}

/**
 * A connected node-redis client with its defaults, the same for every server that uses one; the
 * `-csc` servers add its client-side cache (RESP3 CLIENT TRACKING), as an application may.
 */
export async function connectNodeRedis(url: string, options: { cache?: boolean } = {}) {
  const { createClient } = await import("redis");
  const client =
    options.cache === true
      ? createClient({ url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 100_000 } })
      : createClient({ url });
  client.on("error", (error: unknown) => process.stderr.write(`node-redis: ${String(error)}\n`));
  await client.connect();
  return client;
}

const COOKIE_FIRST = `${COOKIE_NAME}=`;
const COOKIE_LATER = `; ${COOKIE_NAME}=`;

/** The value of the cookie `__Host-session` in a Cookie header, the cheapest way there is. */
export function tokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let from: number;
  if (header.startsWith(COOKIE_FIRST)) from = COOKIE_FIRST.length;
  else {
    const i = header.indexOf(COOKIE_LATER);
    if (i < 0) return undefined;
    from = i + COOKIE_LATER.length;
  }
  const end = header.indexOf(";", from);
  return end < 0 ? header.slice(from) : header.slice(from, end);
}

/**
 * The limit's whole session: one raw Redis GET of the token's SHA-256 per read, one SET per
 * sign-in, and nothing else (no timeouts, no rotation, no headers), for the `*-limit` servers.
 */
export interface RawGetSessions {
  /** The raw GET reply for a token from {@link tokenOf}: the user id, or null. */
  read(token: string): Promise<unknown>;
  /** A new token, stored for {@link USER_ID}; its Set-Cookie line. */
  signIn(): Promise<string>;
  close(): Promise<void>;
}

export async function rawGetSessions(config: ServerConfig): Promise<RawGetSessions> {
  const client = await connectNodeRedis(config.redisUrl);
  const keyOf = (token: string): string =>
    `${config.prefix}${createHash("sha256").update(token).digest("base64url")}`;
  return {
    // The command's own promise, so that the limit pays no extra promise per request.
    read: (token) => client.sendCommand(["GET", keyOf(token)]),
    async signIn() {
      const token = randomBytes(36).toString("base64url");
      await client.sendCommand(["SET", keyOf(token), USER_ID, "PX", "3600000"]);
      return `${COOKIE_NAME}=${token}; Path=/; HttpOnly; SameSite=Lax`;
    },
    close: async () => {
      await client.close();
    },
  };
}
