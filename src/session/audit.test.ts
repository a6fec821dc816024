import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { memoryStore } from "../stores/memory.js";
import { createSessions, type SessionRequest } from "./create-sessions.js";
import type { SessionEvent } from "./events.js";

function request(host: string | undefined): SessionRequest {
  return { header: (name) => (name === "host" ? host : undefined), encrypted: true };
}

async function signInOnce(
  options: Parameters<typeof createSessions>[0],
  host: string | undefined = "www.shop.test",
): Promise<{ events: SessionEvent[] }> {
  const sessions = createSessions(options);
  const events: SessionEvent[] = [];
  sessions.on("audit", (e) => events.push(e));
  const s = await sessions.load(request(host));
  await s.signIn("alice");
  await s.commit();
  return { events };
}

describe("createSessions({ audit }): development warnings from the runtime audit", () => {
  test("the defaults audit clean: no warning, no event", async () => {
    const warnings: string[] = [];
    const { events } = await signInOnce({
      store: memoryStore(),
      audit: { warn: (t) => warnings.push(t) },
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(events, []);
  });

  test("a widened cookie is warned once per rule, with the fix, and emitted as events", async () => {
    const warnings: string[] = [];
    const store = memoryStore();
    const sessions = createSessions({
      store,
      cookie: { name: "sid", domain: "shop.test" },
      absoluteTimeout: 90 * 86_400,
      idleTimeout: 60 * 86_400,
      audit: { warn: (t) => warnings.push(t), maxLifetime: 7 * 86_400 },
    });
    const events: SessionEvent[] = [];
    sessions.on("audit", (e) => events.push(e));
    for (let i = 0; i < 3; i++) {
      const s = await sessions.load(request("www.shop.test"));
      await s.signIn(`user-${i}`);
      await s.commit();
    }
    const ids = events.map((e) => (e.type === "audit" ? e.finding.id : "")).sort();
    assert.deepEqual(ids, ["host-prefix-missing", "long-lifetime", "loose-domain"]);
    assert.equal(warnings.length, 3);
    for (const w of warnings)
      assert.doesNotMatch(w, /sid=[\w-]{5,}\.[\w-]{43}/, "no token in a warning");
    assert.ok(
      warnings.some((w) =>
        /loose-domain on cookie "sid": .* Fix: Set-Cookie: sid=[\w-]{4}…; Path=\/; Max-Age=\d+; Secure; HttpOnly; SameSite=Lax$/.test(
          w,
        ),
      ),
    );
  });

  test("the configured cookie is the session cookie, whatever its name", async () => {
    const { events } = await signInOnce({
      store: memoryStore(),
      cookie: { name: "app_state", path: "/app" },
      audit: { warn: false },
    });
    const ids = events.map((e) => (e.type === "audit" ? e.finding.id : "")).sort();
    assert.deepEqual(ids, ["host-prefix-missing", "path-not-root"]);
  });

  test("on by default outside production, off with NODE_ENV=production; a Host it cannot read never fails the request", async () => {
    let warned = 0;
    const original = console.warn;
    const env = process.env.NODE_ENV;
    console.warn = () => {
      warned++;
    };
    try {
      process.env.NODE_ENV = "production";
      await signInOnce({ store: memoryStore(), cookie: { name: "sid" } });
      assert.equal(warned, 0);
      process.env.NODE_ENV = "development";
      await signInOnce({ store: memoryStore(), cookie: { name: "sid" } });
      assert.equal(warned, 1, "host-prefix-missing, by default in development");
      warned = 0;
      await signInOnce({ store: memoryStore(), cookie: { name: "sid" }, audit: false });
      assert.equal(warned, 0);
      const { events } = await signInOnce(
        { store: memoryStore(), cookie: { name: "sid" }, audit: { warn: false } },
        "bad host[",
      );
      assert.deepEqual(events, []);
      await signInOnce({ store: memoryStore(), cookie: { name: "sid" }, audit: true });
      assert.equal(warned, 1, "host-prefix-missing, through console.warn");
    } finally {
      console.warn = original;
      if (env === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = env;
    }
  });
});
