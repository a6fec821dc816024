// Throwaway Redis and PostgreSQL servers of the fault suites: each on a free loopback port, in a
// temporary folder, so that a suite can kill and restart its own without touching the shared
// services that other tests use. Redis keeps every acknowledged write (appendfsync always), as a
// production Redis that must not lose sessions would; PostgreSQL is a fresh initdb.
import { execFile } from "node:child_process";
import { chownSync, existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A server the suite owns: stop it as a crash would, start it again on the same port. */
export interface OwnedServer {
  readonly port: number;
  /** Kills it at once: no shutdown, nothing flushed beyond what was already durable. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  remove(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killPidFile(file: string): Promise<void> {
  const pid = Number((await readFile(file, "utf8").catch(() => "")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

/** An owned Redis that can also stop answering while its connections stay open. */
export interface OwnedRedis extends OwnedServer {
  /** SIGSTOP: the process holds its sockets and answers nothing, as a hung server does. */
  freeze(): Promise<void>;
  /** SIGCONT: it answers again, the commands that waited included. */
  thaw(): Promise<void>;
}

export async function ownRedis(): Promise<OwnedRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sessionjar-redis-"));
  const pidfile = join(dir, "redis.pid");
  const start = async (): Promise<void> => {
    // biome-ignore format: one option per line reads better
    await run("redis-server", [
      "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
      "--appendonly", "yes", "--appendfsync", "always", "--save", "",
      "--daemonize", "yes", "--pidfile", pidfile, "--logfile", join(dir, "redis.log"),
    ]);
    await until(`redis-server on ${port}`, async () =>
      (await run("redis-cli", ["-p", String(port), "ping"])).stdout.includes("PONG"),
    );
  };
  await start();
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const pid = Number((await readFile(pidfile, "utf8")).split("\n")[0]);
    process.kill(pid, name);
  };
  return {
    port,
    crash: () => killPidFile(pidfile),
    start,
    freeze: () => signal("SIGSTOP"),
    thaw: () => signal("SIGCONT"),
    async remove() {
      await killPidFile(pidfile);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const PG_BIN = "/usr/lib/postgresql/15/bin";

export async function ownPostgres(): Promise<OwnedServer> {
  const bin = existsSync(PG_BIN) ? PG_BIN : (await run("pg_config", ["--bindir"])).stdout.trim();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sessionjar-pg-"));
  const data = join(dir, "data");
  // PostgreSQL refuses to run as root: as root, run it as the postgres user.
  const asOwner = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  if (asOwner.length > 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout), Number(gid));
  }
  const pg = (tool: string, args: string[]): Promise<unknown> => {
    const [cmd, ...rest] = [...asOwner, join(bin, tool), ...args];
    return run(cmd as string, rest, { timeout: 60_000 });
  };
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const start = async (): Promise<void> => {
    await pg("pg_ctl", [
      "-D",
      data,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      "-l",
      join(dir, "log"),
      "-w",
      "start",
    ]);
  };
  await start();
  return {
    port,
    crash: async () => {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    start,
    async remove() {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
