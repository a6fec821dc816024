// docs/adapters.md shows a Fastify app, a Hono app and a Web handler, each served from Node. This
// test runs the blocks as the page writes them (imports pointed at src/, the port the page's 3000 would
// collide with replaced by a free one) and signs in and out through each over real HTTP.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const page = readFileSync(join(root, "docs/adapters.md"), "utf8");
// Beside node_modules, so that the page's imports of hono and @hono/node-server resolve.
const dir = join(root, "node_modules", ".cache", "sessionjar-adapters-docs");

/** The ```ts block of the section headed `heading`. */
function blockOf(heading: string): string {
  const from = page.indexOf(`\n## ${heading}\n`);
  assert.ok(from > 0, `docs/adapters.md lost its section "${heading}"`);
  const m = /```ts\n([\s\S]*?)```/.exec(page.slice(from));
  assert.ok(m !== null, `no code in "${heading}"`);
  return m[1] as string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Loads a block as a module on `port`; its server is exported so the test can close it. */
async function load(heading: string, port: number): Promise<Server> {
  const code = blockOf(heading)
    .replace(
      /from "sessionjar\/([a-z/]+)"/g,
      (_, sub: string) =>
        `from ${JSON.stringify(pathToFileURL(join(root, "src", sub, "index.ts")).href)}`,
    )
    .replaceAll("localhost:3000", `localhost:${port}`);
  // Node's server.listen(3000), or Fastify's app.listen({ port: 3000 }).
  const listened = code
    .replace("server.listen(3000);", `server.listen(${port}, "127.0.0.1");`)
    .replace(
      "await app.listen({ port: 3000 });",
      `await app.listen({ port: ${port}, host: "127.0.0.1" });\nconst server = app.server;`,
    );
  assert.notEqual(listened, code, `"${heading}" no longer listens on 3000`);
  mkdirSync(dir, { recursive: true });
  // .mts: ESM whatever the folder says, for the top-level await of the Fastify block.
  const file = join(dir, `${heading.replace(/\W+/g, "-")}-${process.pid}.mts`);
  writeFileSync(file, `${listened}\nexport { server };\n`);
  const { server } = (await import(pathToFileURL(file).href)) as { server: Server };
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

/** A client with a cookie jar, speaking to http://localhost:port through 127.0.0.1. */
function client(port: number) {
  const jar = new Map<string, string>();
  const origin = `http://localhost:${port}`;
  return async (
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown>; res: Response }> => {
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
    return { status: res.status, body: text === "" ? {} : JSON.parse(text), res };
  };
}

describe("docs/adapters.md, run as written", () => {
  const servers: Server[] = [];
  process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
  after(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const heading of ["Fastify", "Hono", "Web `Request`/`Response`"]) {
    test(`${heading}: CSRF token, sign-in, /me, the JSON errors of the Node glue`, async () => {
      const port = await freePort();
      servers.push(await load(heading, port));
      const send = client(port);
      assert.equal((await send("GET", "/me")).status, 401);
      const refused = await send("POST", "/login");
      assert.equal(refused.status, 403);
      assert.equal((refused.body.error as { code: string }).code, "csrf_token_missing");
      const { token } = (await send("GET", "/csrf")).body as { token: string };
      const signedIn = await send("POST", "/login", { "x-csrf-token": token });
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.res.headers.get("cache-control"), "no-store");
      assert.match(signedIn.res.headers.getSetCookie().join("\n"), /__Host-session=/);
      const me = await send("GET", "/me");
      assert.equal(me.body.user, "alice");
      assert.equal(me.res.headers.get("cache-control"), "private");
      // A request Node's parser refuses gets the same JSON as every other refusal.
      const big = await send("GET", "/me", { "x-big": "y".repeat(20_000) });
      assert.equal(big.status, 431);
      assert.equal((big.body.error as { code: string }).code, "header_too_large");
      if (heading === "Hono") {
        const out = await send("POST", "/logout", {
          "x-csrf-token": signedIn.body.token as string,
        });
        assert.equal(out.status, 200, JSON.stringify(out.body));
        assert.equal((await send("GET", "/me")).status, 401);
      }
    });
  }
});
