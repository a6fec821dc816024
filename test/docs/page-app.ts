// Runs an app that a docs page shows, as the page writes it: its `sessionjar/*` imports pointed at
// src/, the port 3000 it listens on replaced by a free one, the file beside node_modules so that
// its other imports (fastify, hono…) resolve. Used by the tests of docs/adapters.md and
// docs/metrics.md, with a client that keeps cookies as a browser on http://localhost would.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = join(root, "node_modules", ".cache", `sessionjar-docs-apps-${process.pid}`);

/** The text of a page of docs/. */
export function readPage(name: string): string {
  return readFileSync(join(root, "docs", name), "utf8");
}

/** The first ```ts block of the section headed `## heading`, or of the page. */
export function blockOf(page: string, heading?: string): string {
  const from = heading === undefined ? 0 : page.indexOf(`\n## ${heading}\n`);
  assert.ok(from >= 0, `the page lost its section "${heading}"`);
  const m = /```ts\n([\s\S]*?)```/.exec(page.slice(from));
  assert.ok(m !== null, `no code in "${heading ?? "the page"}"`);
  return m[1] as string;
}

/**
 * Type-checks each block as a module of its own, with the repository's compiler options (the
 * `sessionjar/*` imports resolve to src/ through tsconfig.json's paths), so that a snippet a
 * user copies compiles against the package as it is. Returns tsc's complaints, each naming its
 * block, or "" when every block compiles.
 */
export function typeCheck(blocks: readonly { name: string; code: string }[]): string {
  const where = join(dir, `typecheck-${blocks.length}-${Date.now()}`);
  mkdirSync(where, { recursive: true });
  try {
    const files = blocks.map((b, i) => {
      const file = join(where, `block-${i + 1}.ts`);
      // `export {}` keeps a block without imports a module, as every block is for its reader.
      writeFileSync(file, `// ${b.name}\n${b.code}\nexport {};\n`);
      return file;
    });
    writeFileSync(
      join(where, "tsconfig.json"),
      JSON.stringify({
        extends: join(root, "tsconfig.json"),
        // A snippet may define what the reader goes on to use.
        compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
        files,
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(where, "tsconfig.json")], {
      encoding: "utf8",
    });
    if (r.status === 0) return "";
    return `${r.stdout}${r.stderr}`.replace(
      /block-(\d+)\.ts/g,
      (s, n: string) => `${s} ("${blocks[Number(n) - 1]?.name}")`,
    );
  } finally {
    rmSync(where, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Loads `code` as a module on `port` and returns its server, once it listens. */
export async function loadApp(code: string, name: string, port: number): Promise<Server> {
  const pointed = code
    .replace(
      /from "sessionjar\/([a-z/]+)"/g,
      (_, sub: string) =>
        `from ${JSON.stringify(pathToFileURL(join(root, "src", sub, "index.ts")).href)}`,
    )
    .replaceAll("localhost:3000", `localhost:${port}`);
  // Node's server.listen(3000), or Fastify's app.listen({ port: 3000 }).
  const listened = pointed
    .replace("server.listen(3000);", `server.listen(${port}, "127.0.0.1");`)
    .replace(
      "await app.listen({ port: 3000 });",
      `await app.listen({ port: ${port}, host: "127.0.0.1" });\nconst server = app.server;`,
    );
  assert.notEqual(listened, pointed, `"${name}" no longer listens on 3000`);
  mkdirSync(dir, { recursive: true });
  // .mts: ESM whatever the folder says, for top-level await.
  const file = join(dir, `${name.replace(/\W+/g, "-")}.mts`);
  writeFileSync(file, `${listened}\nexport { server };\n`);
  const { server } = (await import(pathToFileURL(file).href)) as { server: Server };
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

/** Closes the servers and removes the files of {@link loadApp}. */
export async function closeApps(servers: readonly Server[]): Promise<void> {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  res: Response;
}

/**
 * A client with a cookie jar, speaking to http://localhost:port through 127.0.0.1. Unsafe
 * requests carry the page's own Origin and `Sec-Fetch-Site: same-origin`, as a browser sends
 * them; `headers` may override both.
 */
export function client(
  port: number,
): (method: string, path: string, headers?: Record<string, string>) => Promise<Answer> {
  const jar = new Map<string, string>();
  const origin = `http://localhost:${port}`;
  return async (method, path, headers = {}) => {
    const cookie = [...jar].map(([n, v]) => `${n}=${v}`).join("; ");
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        ...(cookie === "" ? {} : { cookie }),
        ...(method === "GET" ? {} : { origin, "sec-fetch-site": "same-origin" }),
        ...headers,
      },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      if (/Max-Age=0/i.test(line)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    const text = await res.text();
    const json = res.headers.get("content-type")?.startsWith("application/json") === true;
    return { status: res.status, body: json && text !== "" ? JSON.parse(text) : {}, text, res };
  };
}
