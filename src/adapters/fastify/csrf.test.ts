import { createServer } from "node:http";
import fastify from "fastify";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { closeServer, listen } from "../../../test/servers.js";
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
