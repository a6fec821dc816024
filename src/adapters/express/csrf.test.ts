import express, { type Express } from "express";
import { type CsrfSetup, testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { closeServer, listening } from "../../../test/servers.js";
import type { RunningServer } from "../../../test/sessions/behaviour.js";
import {
  csrfMiddleware,
  getCsrfToken,
  getSession,
  sessionErrorHandler,
  sessionMiddleware,
} from "./index.js";

async function start(
  setup: (origin: string) => CsrfSetup,
  parsers: (app: Express) => void,
  { given = false } = {},
): Promise<RunningServer> {
  const app = express();
  const server = app.listen(0, "127.0.0.1");
  const origin = await listening(server);
  const { sessions, csrf, app: csrfApp } = setup(origin);
  if (given) app.use(sessionMiddleware(sessions, { csrf }));
  else {
    app.use(sessionMiddleware(sessions, { csrf: false }));
    parsers(app);
    app.use(csrfMiddleware(csrf));
  }
  app.use(async (req, res) => {
    const out = await csrfApp.handle(
      {
        method: req.method,
        path: req.path,
        query: new URL(req.url, "http://x").searchParams,
        form: async () => req.body,
        token: () => getCsrfToken(req),
      },
      getSession(req),
    );
    res
      .status(out.status)
      .set(out.headers ?? {})
      .json(out.body);
  });
  app.use(sessionErrorHandler());
  return { origin, close: () => closeServer(server) };
}

// The middleware reads forms itself.
testCsrfAdapter("express", (setup) => start(setup, () => {}));

// The guard given to sessionMiddleware, which runs it as soon as the session is loaded.
testCsrfAdapter("express, sessionMiddleware(sessions, { csrf })", (setup) =>
  start(setup, () => {}, { given: true }),
);

// express.urlencoded() ran before: the token is read from its req.body, and its own limit
// applies. (Multipart forms, which it leaves alone, are still read by the middleware.)
testCsrfAdapter(
  "express after express.urlencoded()",
  (setup) => start(setup, (app) => app.use(express.urlencoded({ extended: false, limit: "1mb" }))),
  { urlencodedParsedByApp: true },
);
