import type { AddressInfo } from "node:net";
import fastify from "fastify";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { fastifySessions, getSession } from "./index.js";

testAdapter("fastify", async (sessions) => {
  const app = fastify();
  await app.register(fastifySessions, { sessions });
  app.all("*", async (request, reply) => {
    const url = new URL(request.url, "http://x");
    const out = await handle(
      { method: request.method, path: url.pathname, query: url.searchParams },
      getSession(request),
    );
    return reply
      .code(out.status)
      .headers({ "content-type": "application/json", ...(out.headers ?? {}) })
      .send(out.body === null ? "" : JSON.stringify(out.body));
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
});
