import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { main } from "./main.js";

const dir = mkdtempSync(join(tmpdir(), "sessionjar-jar-run-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const SEED = {
  format: "jar-scenario/1",
  name: "seed worked example: four requests",
  profile: "chromium",
  now: "2026-01-01T00:00:00Z",
  steps: [
    {
      op: "set",
      url: "https://www.shop.test/login",
      header: "__Host-shop_session=s_abc123; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600",
    },
    { op: "get", url: "https://www.shop.test/checkout", expect: "__Host-shop_session=s_abc123" },
    { op: "get", url: "http://www.shop.test/checkout", expect: "" },
    {
      op: "get",
      url: "https://api.shop.test/cart/summary",
      context: { type: "subresource", initiator: "https://www.shop.test", method: "GET" },
      expect: "",
    },
    {
      op: "get",
      url: "https://www.shop.test/orders",
      context: { type: "navigation", initiator: "https://evil.example", method: "POST" },
      expect: "",
    },
  ],
};

describe("sessionjar jar run", () => {
  test("--json prints one object per get step, exactly as the spec shows", async () => {
    const r = await run("jar", "run", file("seed.json", SEED), "--json");
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split("\n");
    assert.equal(lines.length, 4);
    assert.equal(
      lines[1],
      '{"scenario":"seed worked example: four requests","step":3,"url":"http://www.shop.test/checkout","sent":"","expect":"","pass":true,"excluded":[{"name":"__Host-shop_session","reasons":["secure-only cookie on a non-secure request"]}]}',
    );
  });

  test("text: each get step with what was sent and why the others were not", async () => {
    const r = await run("jar", "run", file("seed.json", SEED));
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /PASS seed worked example: four requests, step 4: https:\/\/api\.shop\.test\/cart\/summary/,
    );
    assert.match(r.out, /not sent: __Host-shop_session: host-only cookie of another host/);
    assert.match(r.out, /4 passed, 0 failed\n$/);
  });

  test("a failed expectation exits 1 and shows what was expected; unjudged steps are reported", async () => {
    const failing = {
      ...SEED,
      steps: [
        SEED.steps[0],
        { op: "get", url: "https://www.shop.test/", expect: "nope=1" },
        { op: "get", url: "https://www.shop.test/" },
      ],
    };
    const r = await run("jar", "run", file("fail.json", [failing]));
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL .* step 2/);
    assert.match(r.out, /expect: "nope=1"/);
    assert.match(r.out, /0 passed, 1 failed, 1 not judged/);
    const json = await run("jar", "run", file("fail.json", [failing]), "--json");
    const last = JSON.parse(json.out.trimEnd().split("\n").at(-1) as string) as Record<
      string,
      unknown
    >;
    assert.equal(last.expect, null);
    assert.equal(last.pass, null);
  });

  test("--profile overrides the scenario's profile", async () => {
    const post = {
      format: "jar-scenario/1",
      name: "young cookie without SameSite on a cross-site POST",
      steps: [
        { op: "set", url: "https://www.shop.test/", header: "a=1" },
        {
          op: "get",
          url: "https://www.shop.test/",
          context: { initiator: "https://evil.example", method: "POST" },
          expect: "a=1",
        },
      ],
    };
    const f = file("post.json", post);
    assert.equal((await run("jar", "run", f)).code, 1);
    assert.equal((await run("jar", "run", f, "--profile", "chromium")).code, 0);
    assert.equal((await run("jar", "run", f, "--profile", "firefox")).code, 2);
  });

  test("exit 2 with the file, the step and what is wrong", async () => {
    const cases: [unknown, RegExp][] = [
      ["{not json", /bad\.json: not JSON/],
      [
        { format: "jar-scenario/2", name: "x", steps: [] },
        /scenario 1 \("x"\): format must be "jar-scenario\/1"/,
      ],
      [
        { format: "jar-scenario/1", name: "x", steps: [{ op: "put", url: "https://a.test/" }] },
        /step 1: op must be/,
      ],
      [
        { format: "jar-scenario/1", name: "x", steps: [{ op: "get", url: "a.test" }] },
        /step 1: "a\.test" is not an absolute URL/,
      ],
      [
        { format: "jar-scenario/1", name: "x", steps: [{ op: "set", url: "https://a.test/" }] },
        /step 1: a set step has exactly one/,
      ],
      [
        {
          format: "jar-scenario/1",
          name: "x",
          steps: [
            { op: "get", url: "https://a.test/", time: 5 },
            { op: "get", url: "https://a.test/", time: 1 },
          ],
        },
        /step 2: time goes back/,
      ],
      [
        {
          format: "jar-scenario/1",
          name: "x",
          steps: [{ op: "get", url: "https://a.test/", context: { initiator: "evil" } }],
        },
        /step 1: initiator "evil" is not/,
      ],
      [
        { format: "jar-scenario/1", name: "x", now: "yesterday", steps: [] },
        /now must be an ISO 8601 UTC time/,
      ],
      [
        {
          format: "jar-scenario/1",
          name: "x",
          steps: [{ op: "get", url: "https://a.test/", expcet: "a=1" }],
        },
        /bad\.json, scenario 1 \("x"\), step 1: a get step has no field "expcet" \(did you mean "expect"\?\)/,
      ],
      [[], /bad\.json: the file holds no scenarios/],
    ];
    for (const [content, message] of cases) {
      const r = await run("jar", "run", file("bad.json", content));
      assert.equal(r.code, 2, JSON.stringify(content));
      assert.match(r.err, message);
      assert.equal(r.out, "", "nothing is replayed when a file is broken");
    }
    const missing = await run("jar", "run", join(dir, "missing.json"));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing\.json: ENOENT/);
    assert.equal((await run("jar", "run")).code, 2);
    assert.equal((await run("jar", "frob")).code, 2);
    assert.equal((await run("jar", "--help")).code, 0);
  });
});

describe("sessionjar explain --set-cookie", () => {
  const set = [
    "explain",
    "--set-cookie",
    "sid=1; Path=/; Secure; HttpOnly; SameSite=Lax",
    "--from",
    "https://www.shop.test/login",
  ];

  test("sent: exit 0, check by check", async () => {
    const r = await run(
      ...set,
      "--to",
      "https://www.shop.test/cart",
      "--initiator",
      "https://mail.example",
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Cookie: sid=1/);
    assert.match(r.out, /ok {3}same-site: SameSite=Lax allows this request/);
  });

  test("not sent: exit 1 with the failing check", async () => {
    const r = await run(
      ...set,
      "--to",
      "https://www.shop.test/orders",
      "--initiator",
      "https://evil.example",
      "--method",
      "POST",
    );
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL same-site/);
    const frame = await run(
      ...set,
      "--to",
      "https://www.shop.test/",
      "--type",
      "frame",
      "--frame",
      "https://news.example",
      "--json",
    );
    assert.equal(frame.code, 1);
    const json = JSON.parse(frame.out) as { explanation: { sameSite: { status: string } } };
    assert.equal(json.explanation.sameSite.status, "cross-site");
  });

  test("a cookie that is not stored says why; bad usage exits 2", async () => {
    const r = await run(
      "explain",
      "--set-cookie",
      "a=1; Secure",
      "--from",
      "http://www.shop.test/",
      "--to",
      "https://www.shop.test/",
    );
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /not stored: a=1; Secure\n {2}a Secure cookie can only be set from an https page/,
    );
    assert.equal(
      (await run("explain", "--set-cookie", "a=1", "--from", "https://a.test/")).code,
      2,
    );
    assert.equal((await run(...set, "--to", "nope")).code, 2);
    assert.equal((await run(...set, "--to", "https://a.test/", "--type", "iframe")).code, 2);
  });
});
