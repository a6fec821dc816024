// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startWeb } from "../../../test/sessions/servers.js";
import { createCsrf } from "../../csrf/index.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { withSessions } from "./index.js";

testAdapter("web (Request/Response)", startWeb);

test("a Request made in code for http://localhost (no Host header): the localhost opt-in applies", async () => {
  const handler = withSessions(
    createSessions({ store: memoryStore(), insecureLocalhost: true }),
    async (_request, session) => {
      await session.signIn("alice");
      return Response.json({ ok: true });
    },
    { csrf: false },
  );
  const r = await handler(new Request("http://localhost:3000/login", { method: "POST" }));
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
});

test("a form body that fails while the CSRF check reads it (the client went away): 400 with a code", async () => {
  const csrf = createCsrf({
    origin: "http://localhost",
    keys: [{ id: "k1", secret: randomBytes(32) }],
  });
  const handler = withSessions(
    createSessions({ store: memoryStore(), insecureLocalhost: true }),
    async () => Response.json({ reached: true }),
    { csrf },
  );
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("aborted"));
    },
  });
  const r = await handler(
    new Request("http://localhost/form", {
      method: "POST",
      headers: {
        origin: "http://localhost",
        "sec-fetch-site": "same-origin",
        "content-type": "application/x-www-form-urlencoded",
      },
      body,
      duplex: "half",
    } as RequestInit),
  );
  assert.equal(r.status, 400);
  assert.equal(
    ((await r.json()) as { error: { code: string } }).error.code,
    "csrf_body_unreadable",
  );
});
