// A handler bug, over real HTTP through the glue docs/adapters.md shows: the 500 must still carry
// what was written at once (a sign-in's cookie) and the CORS grant, and the bug must be reported.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { getRequestListener } from "@hono/node-server";
import { closeServer, listen } from "../../../test/servers.js";
import { createCorsPolicy } from "../../cors/index.js";
import { createCsrf } from "../../csrf/index.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { requestErrorResponse, withSessions } from "./index.js";

const PAGE = "https://app.shop.test";

describe("web withSessions: a handler that throws", () => {
  const reported: { error: unknown; path: string }[] = [];
  let origin = "";
  let hookThrows = false;
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });
  const server = createServer(
    getRequestListener(
      withSessions(
        sessions,
        async (request, session) => {
          const { pathname } = new URL(request.url);
          if (pathname === "/login") {
            await session.signIn("alice");
            return Response.json({ ok: true });
          }
          if (pathname === "/login-then-boom") {
            await session.signIn("bob");
            throw new Error("boom after sign-in");
          }
          if (pathname === "/rotate-then-boom") {
            await session.rotate();
            throw new Error("boom after rotation");
          }
          if (pathname === "/boom") throw new Error("boom");
          return Response.json({ user: session.userId });
        },
        {
          csrf: false,
          cors: createCorsPolicy({ origins: [PAGE], credentials: true }),
          onError: (error, request) => {
            if (hookThrows) throw new Error("the hook failed");
            reported.push({ error, path: new URL(request.url).pathname });
          },
        },
      ),
      { errorHandler: requestErrorResponse },
    ),
  );
  before(async () => {
    origin = await listen(server);
  });
  after(() => closeServer(server));

  const cookieOf = (res: Response): string =>
    (res.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const userWith = async (cookie: string): Promise<unknown> =>
    ((await (await fetch(`${origin}/me`, { headers: { cookie } })).json()) as { user: unknown })
      .user;

  test("after a sign-in: 500 internal_error with the new cookie; the old one is dead", async () => {
    const old = cookieOf(await fetch(`${origin}/login`, { method: "POST" }));
    assert.equal(await userWith(old), "alice");
    reported.length = 0;
    const res = await fetch(`${origin}/login-then-boom`, {
      method: "POST",
      headers: { cookie: old },
    });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      error: { code: "internal_error", message: "internal error" },
    });
    const fresh = cookieOf(res);
    assert.notEqual(fresh, "");
    assert.notEqual(fresh, old);
    assert.equal(await userWith(fresh), "bob");
    assert.equal(await userWith(old), null);
    assert.deepEqual(
      reported.map((r) => [(r.error as Error).message, r.path]),
      [["boom after sign-in", "/login-then-boom"]],
    );
  });

  test("after a rotation: the rotated cookie is sent with the 500", async () => {
    const old = cookieOf(await fetch(`${origin}/login`, { method: "POST" }));
    const res = await fetch(`${origin}/rotate-then-boom`, {
      method: "POST",
      headers: { cookie: old },
    });
    assert.equal(res.status, 500);
    await res.arrayBuffer();
    const rotated = cookieOf(res);
    assert.notEqual(rotated, "");
    assert.notEqual(rotated, old);
    assert.equal(await userWith(rotated), "alice");
  });

  test("the 500 of an allowed origin carries the CORS grant, so the page can read it", async () => {
    const res = await fetch(`${origin}/boom`, { headers: { origin: PAGE } });
    assert.equal(res.status, 500);
    await res.arrayBuffer();
    assert.equal(res.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(res.headers.get("vary") ?? "", /Origin/);
  });

  test("a hook that throws loses neither the bug nor the 500: both are logged", async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (e: unknown) => logged.push(e);
    hookThrows = true;
    try {
      const res = await fetch(`${origin}/boom`);
      assert.equal(res.status, 500);
      await res.arrayBuffer();
    } finally {
      hookThrows = false;
      console.error = original;
    }
    assert.deepEqual(
      logged.map((e) => (e as Error).message),
      ["boom", "the hook failed"],
    );
  });
});

test("web withSessions without onError: a bug is logged with console.error, once", async () => {
  const csrf = createCsrf({
    origin: "http://127.0.0.1",
    keys: [{ id: "k1", secret: randomBytes(32) }],
  });
  const bug = new Error("a bug in my handler");
  const server = createServer(
    getRequestListener(
      withSessions(
        createSessions({ store: memoryStore(), insecureLocalhost: true }),
        () => {
          throw bug;
        },
        { csrf },
      ),
      { errorHandler: requestErrorResponse },
    ),
  );
  const origin = await listen(server);
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (e: unknown) => logged.push(e);
  try {
    const res = await fetch(`${origin}/`);
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "internal_error");
  } finally {
    console.error = original;
    await closeServer(server);
  }
  assert.deepEqual(logged, [bug]);
});
