// Starts and stops a throwaway three-master Redis Cluster on loopback ports, for the Redis store
// tests. The instances are daemonized redis-servers in a temporary directory whose name carries
// the owning test process's pid: a later run shuts down instances whose owner is dead
// (leftovers of a crashed run) and leaves alone those of a run that is still going, moving to
// other ports instead.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const DIR_TAG = "sessionjar-redis-cluster-";

/** A running cluster: its master ports, and how to stop it. */
export interface RedisCluster {
  /** The ports of the masters it started with. */
  readonly ports: readonly number[];
  /** Every node's port, masters first, then their replicas. */
  readonly allPorts: readonly number[];
  readonly dir: string;
  /** Kills one node with SIGKILL, as a crash would (no shutdown, nothing saved). */
  kill(port: number): Promise<void>;
  /** Shuts every instance down and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** The first port of the first block tried (default 17311); a block is `masters` ports. */
  basePort?: number;
  /** How many masters (default 3, the fewest Redis Cluster accepts). */
  masters?: number;
  /** Replicas per master (default 0); with them, a master that dies fails over. */
  replicas?: number;
  /** `cluster-node-timeout` in ms (default 5000): how soon a dead master fails over. */
  nodeTimeoutMs?: number;
}

async function cli(port: number, args: string[], timeoutMs = 3_000): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
    timeout: timeoutMs,
  });
  return stdout;
}

/** True when nothing listens on `port` of 127.0.0.1. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * What holds `port`: nothing, a leftover of ours whose owner died (shut down here), one of ours
 * whose owner still runs, or something else.
 */
async function reclaim(port: number): Promise<"free" | "busy"> {
  if ((await portFree(port)) && (await portFree(port + 10_000))) return "free";
  let dir: string;
  try {
    dir = (await cli(port, ["--raw", "config", "get", "dir"])).split("\n")[1] ?? "";
  } catch {
    return "busy";
  }
  const owner = new RegExp(`${DIR_TAG}(\\d+)-`).exec(dir);
  if (owner === null || alive(Number(owner[1]))) return "busy";
  await stopInstance(port, dir);
  await rm(dir, { recursive: true, force: true });
  return (await portFree(port)) && (await portFree(port + 10_000)) ? "free" : "busy";
}

async function stopInstance(port: number, dir: string): Promise<void> {
  let pid: number | undefined;
  try {
    pid = Number((await readFile(join(dir, `redis-${port}.pid`), "utf8")).trim());
  } catch {
    // No pidfile: shutdown below is all we can do.
  }
  try {
    await cli(port, ["shutdown", "nosave"]);
  } catch {
    // Already down, or it closed the connection while shutting down (it does).
  }
  if (pid === undefined || !Number.isInteger(pid)) return;
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Starts a Redis Cluster of `masters` masters (and `replicas` replicas of each) on 127.0.0.1, waits until every
 * node reports `cluster_state:ok`, and returns it. Throws with a clear message when it cannot
 * (no redis-server on PATH, no free ports, the cluster does not form).
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const nodes = masters * (1 + (options.replicas ?? 0));
  try {
    await run("redis-server", ["--version"]);
    await run("redis-cli", ["--version"]);
  } catch (e) {
    throw new Error(
      `Redis Cluster: cannot run redis-server and redis-cli (${(e as Error).message}); the cluster tests need both on PATH`,
      { cause: e },
    );
  }

  let ports: number[] | undefined;
  for (let block = 0; block < 20 && ports === undefined; block++) {
    const base = (options.basePort ?? 17311) + block * 10;
    const candidate = Array.from({ length: nodes }, (_, i) => base + i);
    const states = await Promise.all(candidate.map(reclaim));
    if (states.every((s) => s === "free")) ports = candidate;
  }
  if (ports === undefined) {
    throw new Error("Redis Cluster: found no free block of loopback ports to start on");
  }

  const dir = await mkdtemp(join(tmpdir(), `${DIR_TAG}${process.pid}-`));
  let stopped = false;
  const all = ports;
  let masterPorts = all.slice(0, masters);
  const cluster: RedisCluster = {
    get ports() {
      return masterPorts;
    },
    allPorts: all,
    dir,
    async kill(port) {
      const pid = Number((await readFile(join(dir, `redis-${port}.pid`), "utf8")).trim());
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(ports.map((p) => stopInstance(p, dir)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of ports) {
      // biome-ignore format: one option per line reads better
      await run("redis-server", [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--cluster-enabled", "yes",
        "--cluster-config-file", join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout", String(options.nodeTimeoutMs ?? 5000),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "yes",
        "--dir", dir,
        "--pidfile", join(dir, `redis-${port}.pid`),
        "--logfile", join(dir, `redis-${port}.log`),
      ]);
    }
    for (const port of ports) {
      await waitFor(`redis-server on port ${port}`, 10_000, async () =>
        (await cli(port, ["ping"])).includes("PONG"),
      );
    }
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(options.replicas ?? 0),
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );
    for (const port of ports) {
      await waitFor(`cluster_state:ok on port ${port}`, 20_000, async () => {
        const info = await cli(port, ["cluster", "info"]);
        return info.includes("cluster_state:ok") && info.includes("cluster_slots_ok:16384");
      });
    }
    // redis-cli chose which nodes are masters: read it back.
    masterPorts = (await cli(all[0] as number, ["cluster", "nodes"]))
      .split("\n")
      .filter((line) => (line.split(" ")[2] ?? "").split(",").includes("master"))
      .map((line) => Number(/:(\d+)@/.exec(line)?.[1]))
      .filter((port) => all.includes(port))
      .sort((a, b) => a - b);
    // A replica that has not synced yet cannot take over: wait until each one has.
    for (const port of all.filter((p) => !masterPorts.includes(p))) {
      await waitFor(`the replica on port ${port} to sync`, 20_000, async () =>
        (await cli(port, ["info", "replication"])).includes("master_link_status:up"),
      );
    }
    return cluster;
  } catch (e) {
    const log = await readFile(join(dir, `redis-${ports[0]}.log`), "utf8").catch(() => "");
    await cluster.stop();
    throw new Error(
      `Redis Cluster: could not start on ports ${ports.join(", ")}: ${(e as Error).message}${log === "" ? "" : `\nlast log lines:\n${log.split("\n").slice(-10).join("\n")}`}`,
      { cause: e },
    );
  }
}
