// The library audited by its own auditor: a real HTTPS server with sessionjar's defaults for
// sessions, the CSRF pre-session cookie and a credentialed CORS policy, signed in over real
// requests, then `sessionjar audit URL --probe-cors`. Nothing may be above info.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { csrfToken, withSessions } from "../../src/adapters/node/index.js";
import { type AuditResponse, auditResponses, type HeaderPair } from "../../src/audit/index.js";
import { main } from "../../src/cli/main.js";
import { createCorsPolicy } from "../../src/cors/index.js";
import { createCsrf } from "../../src/csrf/index.js";
import { createSessions, type SessionEvent } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import { makeCertificate } from "../browser/harness.js";

interface Answer extends AuditResponse {
  headers: HeaderPair[];
  body: string;
}

describe("sessionjar's own defaults audit clean", () => {
  let dir: string;
  let caFile: string;
  let ca: string;
  let origin: string;
  const events: SessionEvent[] = [];
  const server = createServer();

  const send = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = `${origin}${path}`;
      const req = request(url, { method, headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const pairs: HeaderPair[] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            pairs.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
          resolve({
            url,
            status: res.statusCode ?? 0,
            headers: pairs,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      req.on("error", reject);
      req.end();
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sessionjar-defaults-"));
    const cert = await makeCertificate(["localhost"]);
    ca = cert.cert;
    caFile = join(dir, "ca.pem");
    writeFileSync(caFile, ca);
    server.setSecureContext({ key: cert.key, cert: cert.cert });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    // The defaults, with the runtime audit on: it must stay silent too.
    const sessions = createSessions({ store: memoryStore(), audit: { warn: false } });
    sessions.on("audit", (e) => events.push(e));
    const csrf = createCsrf({ origin, keys: [{ id: "k1", secret: randomBytes(32) }] });
    const cors = createCorsPolicy({
      origins: ["https://www.shop.test"],
      credentials: true,
      allowedHeaders: ["content-type", "x-csrf-token"],
      onWarning: () => {},
    });
    const app = withSessions(
      sessions,
      async (req: IncomingMessage, res: ServerResponse, session) => {
        const json = (status: number, body: unknown): void => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.method === "GET" && req.url === "/") return json(200, { token: csrfToken(req) });
        if (req.method === "POST" && req.url === "/login") {
          await session.signIn("alice");
          return json(200, { user: session.userId });
        }
        if (req.method === "GET" && req.url === "/me") return json(200, { user: session.userId });
        return json(404, { error: { code: "not_found" } });
      },
      { csrf, cors },
    );
    server.on("request", app);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("the sign-in flow: pre-session CSRF cookie, session cookie, credentialed CORS", async () => {
    const page = await send("GET", "/");
    const preCookie = page.headers.find(([n]) => n.toLowerCase() === "set-cookie")?.[1] ?? "";
    assert.match(preCookie, /^__Host-csrf=/);
    const { token } = JSON.parse(page.body) as { token: string };
    const login = await send("POST", "/login", {
      origin,
      "x-csrf-token": token,
      cookie: preCookie.split(";")[0] as string,
    });
    assert.equal(login.status, 200, login.body);
    const session = login.headers.find(
      ([n, v]) => n.toLowerCase() === "set-cookie" && v.startsWith("__Host-session="),
    )?.[1];
    assert.ok(session !== undefined, "signed in: a session cookie");
    const me = await send("GET", "/me", {
      origin: "https://www.shop.test",
      cookie: session.split(";")[0] as string,
    });
    assert.match(me.body, /alice/);
    assert.ok(
      me.headers.some(([n, v]) => n === "access-control-allow-credentials" && v === "true"),
    );

    const result = auditResponses([page, login, me]);
    assert.ok(result.setCookies >= 2);
    const aboveInfo = result.findings.filter((f) => f.severity !== "info");
    assert.deepEqual(aboveInfo, []);
    assert.deepEqual(events, [], "the runtime audit warned about nothing");
  });

  test("sessionjar audit URL --probe-cors: nothing above info, no probe echoed", async () => {
    for (const path of ["/", "/me"]) {
      let out = "";
      const code = await main(
        ["audit", `${origin}${path}`, "--ca", caFile, "--probe-cors", "--fail-on", "low", "--json"],
        { out: (t) => (out += t), err: (t) => (out += t) },
      );
      assert.equal(code, 0, out);
      const result = JSON.parse(out) as {
        probes: { reflected: boolean }[];
        findings: { severity: string }[];
      };
      assert.equal(result.probes.length, 5);
      assert.ok(result.probes.every((p) => !p.reflected));
      assert.ok(result.findings.every((f) => f.severity === "info"));
    }
  });
});
