import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { earlyWebServer } from "../../../test/servers.js";
import { csrfToken, withSessions } from "./index.js";

testCsrfAdapter("web (Request/Response)", async (setup) => {
  const server = await earlyWebServer();
  const { sessions, csrf, app } = setup(server.origin);
  server.use(
    withSessions(
      sessions,
      async (request, session) => {
        const url = new URL(request.url);
        const out = await app.handle(
          {
            method: request.method,
            path: url.pathname,
            query: url.searchParams,
            form: async () => Object.fromEntries(await request.formData()),
            token: () => csrfToken(request),
          },
          session,
        );
        return Response.json(out.body, {
          status: out.status,
          ...(out.headers === undefined ? {} : { headers: out.headers }),
        });
      },
      { csrf },
    ),
  );
  return server.running;
});
