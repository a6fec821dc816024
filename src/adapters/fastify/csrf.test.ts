import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { test } from "node:test";
import fastify from "fastify";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { closeServer, listen } from "../../../test/servers.js";
import { createCsrf } from "../../csrf/index.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { fastifySessions, getCsrfToken, getSession } from "./index.js";

testCsrfAdapter("fastify", async (setup) => {
  // Listen first (the CSRF defence needs the origin), then let Fastify route the server's requests.
  const server = createServer();
  const origin = await listen(server);
  const { sessions, csrf, app: csrfApp } = setup(origin);
  const app = fastify({
    // Above the CSRF form limit: a form with its token in the header is the route's to read.
    bodyLimit: 4 * 1024 * 1024,
    serverFactory: (handler) => {
      server.on("request", handler);
      return server;
    },
  });
  await app.register(fastifySessions, { sessions, csrf });
  app.all("*", async (request, reply) => {
    const url = new URL(request.url, "http://x");
    const out = await csrfApp.handle(
      {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        form: async () => request.body as Record<string, unknown> | undefined,
        token: () => getCsrfToken(request),
      },
      getSession(request),
    );
    return reply
      .code(out.status)
      .headers(out.headers ?? {})
      .send(out.body);
  });
  await app.ready();
  return {
    origin,
    close: async () => {
      await app.close();
      await closeServer(server);
    },
  };
});

test("a form over Fastify's bodyLimit with its token in the header gets Fastify's own 413", async () => {
  const server = createServer();
  const origin = await listen(server);
  const app = fastify({
    bodyLimit: 1000,
    serverFactory: (handler) => {
      server.on("request", handler);
      return server;
    },
  });
  await app.register(fastifySessions, {
    sessions: createSessions({ store: memoryStore(), insecureLocalhost: true }),
    csrf: createCsrf({ origin, keys: [{ id: "k1", secret: randomBytes(32) }] }),
  });
  app.post("/echo", async () => ({ ok: true }));
  await app.ready();
  try {
    const headers = {
      origin,
      "x-csrf-token": "any",
      "content-type": "application/x-www-form-urlencoded",
    };
    const body = `pad=${"x".repeat(2000)}`;
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(body));
        c.close();
      },
    });
    // Declared by Content-Length, and found while reading a chunked body.
    for (const init of [{ body }, { body: stream, duplex: "half" }]) {
      const res = await fetch(`${origin}/echo`, {
        method: "POST",
        headers,
        ...init,
      } as RequestInit);
      assert.equal(res.status, 413);
      const answer = (await res.json()) as { code?: string; message?: string };
      // Not csrf_body_too_large: the CSRF check had its token, and formLimit is not the limit.
      assert.equal(answer.code, "FST_ERR_CTP_BODY_TOO_LARGE");
      assert.doesNotMatch(answer.message ?? "", /formLimit|csrf/);
    }
  } finally {
    await app.close();
    await closeServer(server);
  }
});
