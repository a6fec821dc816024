// The section "A front end on another origin" of docs/csrf-and-cors.md wires one CORS policy and
// one CSRF guard into every adapter. This test type-checks its blocks (each adapter's, after the
// policy block it builds on) and runs the Node one over real HTTP as a page on
// https://app.example.test would call it: the preflight, then credentialed requests with the token.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, describe, test } from "node:test";
import { createSessions } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import { client, closeApps, freePort, loadApp, readPage, typeCheck } from "./page-app.js";

const HEADING = "\n## A front end on another origin\n";
const page = readPage("csrf-and-cors.md");
const section = page.slice(page.indexOf(HEADING));
const [policy = "", ...adapters] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1] as string,
);
const FRONT = "https://app.example.test";

describe("docs/csrf-and-cors.md, a front end on another origin", () => {
  const servers: Server[] = [];
  process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
  after(() => closeApps(servers));

  test("the policy block and each adapter's compile", () => {
    assert.ok(page.includes(HEADING), "the page lost its section");
    assert.equal(adapters.length, 5, "Node, Express, Fastify, Hono, Web");
    const named = adapters.map((code) => ({
      name: code.slice(3, code.indexOf(":")),
      code: `${policy}\n${code}`,
    }));
    assert.equal(typeCheck([{ name: "policy", code: policy }, ...named]), "");
  });

  test('cookie.sameSite "None" is refused, as the section says', () => {
    assert.throws(() => createSessions({ store: memoryStore(), cookie: { sameSite: "None" } }), {
      code: "ERR_SESSION_OPTIONS_INVALID",
    });
  });

  test("Node: preflight grant, the token fetched and sent cross-origin, refusals", async () => {
    const port = await freePort();
    // Served here over http://127.0.0.1, where a session cookie needs insecureLocalhost.
    const code = `${policy}\n${adapters[0]}`.replace(
      "createSessions({ store: memoryStore() })",
      "createSessions({ store: memoryStore(), insecureLocalhost: true })",
    );
    assert.ok(code.includes("insecureLocalhost"), "the policy block changed its createSessions");
    servers.push(await loadApp(code, "cors-node", port));
    const send = client(port);
    const fromFront = { origin: FRONT, "sec-fetch-site": "same-site" };

    const preflight = await send("OPTIONS", "/login", {
      ...fromFront,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-csrf-token",
    });
    assert.equal(preflight.status, 204);
    const h = preflight.res.headers;
    assert.equal(h.get("access-control-allow-origin"), FRONT);
    assert.equal(h.get("access-control-allow-credentials"), "true");
    assert.equal(h.get("access-control-allow-methods"), "GET, HEAD, POST");
    assert.match(h.get("access-control-allow-headers") ?? "", /content-type.*x-csrf-token/i);
    assert.equal(h.get("access-control-max-age"), "600");
    assert.equal(preflight.res.headers.getSetCookie().length, 0, "no session work on a preflight");

    const csrf = await send("GET", "/csrf", { origin: FRONT });
    assert.equal(csrf.res.headers.get("access-control-allow-origin"), FRONT);
    assert.match(csrf.res.headers.getSetCookie().join("\n"), /__Host-csrf=.*SameSite=Lax/);
    const { token } = csrf.body as { token: string };

    const signedIn = await send("POST", "/login", { ...fromFront, "x-csrf-token": token });
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.equal(signedIn.res.headers.get("access-control-allow-origin"), FRONT);
    assert.equal(signedIn.res.headers.get("access-control-allow-credentials"), "true");
    assert.match(signedIn.res.headers.getSetCookie().join("\n"), /__Host-session=.*SameSite=Lax/);
    assert.equal((await send("GET", "/me", { origin: FRONT })).body.user, "alice");

    // Not in trustedOrigins: refused with the code the section gives, and no grant.
    const next = signedIn.body.token as string;
    for (const [headers, reason] of [
      [
        { origin: "https://admin.example.test", "sec-fetch-site": "same-site" },
        "same_site_request",
      ],
      [{ origin: "https://evil.test", "sec-fetch-site": "cross-site" }, "cross_site_request"],
      [{ origin: "https://admin.example.test", "sec-fetch-site": "" }, "origin_mismatch"],
    ] as const) {
      const r = await send("POST", "/login", { ...headers, "x-csrf-token": next });
      assert.equal(r.status, 403);
      assert.equal((r.body.error as { code: string }).code, reason);
      assert.equal(r.res.headers.get("access-control-allow-origin"), null);
    }
  });
});
