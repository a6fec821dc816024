// Every adapter refuses a misspelt option when it is made, as createSessions does: a `crsf`
// would otherwise leave the CSRF check to the transport's default without a word.
import assert from "node:assert/strict";
import { test } from "node:test";
import fastify from "fastify";
import { createSessions } from "../session/index.js";
import { memoryStore } from "../stores/index.js";
import { sessionMiddleware } from "./express/index.js";
import { fastifySessions } from "./fastify/index.js";
import { sessions as honoSessions } from "./hono/index.js";
import { withSessions as nodeSessions } from "./node/index.js";
import { withSessions as webSessions } from "./web/index.js";

const manager = createSessions({ store: memoryStore() });
const misspelt = (where: string): ((e: unknown) => boolean) => {
  const said = new RegExp(
    `^${where.replace(/[()]/g, "\\$&")}: unknown option crsf: did you mean csrf\\?`,
  );
  return (e: unknown) =>
    e instanceof Error &&
    (e as { code?: string }).code === "ERR_SESSION_OPTIONS_INVALID" &&
    said.test(e.message);
};

test("each adapter refuses an option it does not have, naming the one meant", async () => {
  const bad = { csrf: false, crsf: false } as never;
  assert.throws(() => sessionMiddleware(manager, bad), misspelt("sessionMiddleware"));
  assert.throws(
    () => sessionMiddleware(manager, null as never),
    /sessionMiddleware: options must be an object, not null$/,
  );
  assert.throws(() => honoSessions(manager, bad), misspelt("sessions(manager)"));
  assert.throws(() => nodeSessions(manager, async () => {}, bad), misspelt("withSessions"));
  assert.throws(
    () => webSessions(manager, async () => new Response(), bad),
    misspelt("withSessions"),
  );
  const app = fastify();
  app.register(fastifySessions, { sessions: manager, csrf: false, crsf: false } as never);
  await assert.rejects(async () => {
    await app.ready();
  }, misspelt("fastifySessions"));
  await app.close();
  // Fastify's own register() options are not the plugin's to refuse.
  const scoped = fastify();
  scoped.register(fastifySessions, { sessions: manager, csrf: false, prefix: "/api" });
  await scoped.ready();
  await scoped.close();
});
