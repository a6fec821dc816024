import fastify from "fastify";
import { originOf } from "../../../test/servers.js";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { fastifySessions, getSession } from "./index.js";

testAdapter("fastify", async (sessions) => {
  const app = fastify();
  await app.register(fastifySessions, { sessions, csrf: false });
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
  return { origin: originOf(app.server), close: () => app.close() };
});
