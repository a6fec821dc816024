// Races over real HTTP, on every store: parallel writes to one session, rotation racing with
// requests, revoke-all racing with sign-ins, the per-user cap under parallel sign-ins. The
// counts grow with SESSIONJAR_SOAK=1 (`npm run soak`). Each test prints what it saw.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSessions, type Sessions } from "../../src/session/index.js";
import { storeKey } from "../../src/session/tokens.js";
import type { SessionStore } from "../../src/stores/index.js";
import { Browser } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";
import { SOAK } from "./soak.js";

/** A store for one suite, and how to be rid of it. */
export interface RaceStore {
  store: SessionStore;
  cleanup(): Promise<void>;
}

const PARALLEL = SOAK ? 500 : 50;
const ROUNDS = SOAK ? 20 : 2;

function cookieValues(setCookies: readonly string[], name: string): string[] {
  return setCookies
    .filter((c) => c.startsWith(`${name}=`))
    .map((c) => c.slice(name.length + 1, c.indexOf(";") === -1 ? undefined : c.indexOf(";")));
}

export function testRaces(name: string, open: () => Promise<RaceStore>): void {
  describe(`races over real HTTP: ${name}`, () => {
    let rs: RaceStore;
    let origin: string;
    let cappedOrigin: string;
    let sessions: Sessions<Record<string, unknown>>;
    const servers: { close(): Promise<void> }[] = [];

    before(async () => {
      rs = await open();
      sessions = createSessions({ store: rs.store, insecureLocalhost: true });
      const plain = await startNode(sessions);
      const capped = await startNode(
        createSessions({ store: rs.store, insecureLocalhost: true, maxSessionsPerUser: 3 }),
      );
      servers.push(plain, capped);
      origin = plain.origin;
      cappedOrigin = capped.origin;
    });
    after(async () => {
      for (const s of servers) await s.close();
      await rs.cleanup();
    });

    test(`${PARALLEL} parallel requests changing different keys of one session lose nothing`, async () => {
      const b = new Browser(origin);
      await b.json("POST", `/login?user=writer-${name}`);
      const token = b.cookie as string;
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => b.json("POST", `/set?key=k${i}&value=${i}`)),
      );
      const acknowledged = answers.filter((a) => a.status === 200).length;
      assert.equal(acknowledged, PARALLEL);
      const record = await rs.store.get(storeKey(token));
      assert.ok(record !== null);
      const kept = Array.from({ length: PARALLEL }, (_, i) => record.data[`k${i}`]).filter(
        (v, i) => v === String(i),
      ).length;
      console.log(`races[${name}]: ${PARALLEL} parallel writes acknowledged, ${kept} kept`);
      assert.equal(kept, PARALLEL);
    });

    test("rotation racing with requests never brings the old token back", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const b = new Browser(origin);
        await b.json("POST", `/login?user=rotor-${name}-${round}`);
        const old = b.cookie as string;
        const racers = Array.from({ length: 20 }, (_, i) => {
          const r = new Browser(origin);
          r.cookie = old;
          return i % 2 === 0
            ? r.request("GET", "/me")
            : r.request("POST", `/set?key=r${i}&value=x`);
        });
        const rotated = await b.json("POST", "/rotate");
        const settled = await Promise.all(racers);
        assert.equal(rotated.status, 200);
        const fresh = b.cookie as string;
        assert.notEqual(fresh, old);
        // No response, raced or not, hands the old token out again.
        for (const res of [rotated.res, ...settled]) {
          assert.ok(!cookieValues(res.headers.getSetCookie(), b.name).includes(old));
          await res.arrayBuffer().catch(() => undefined);
        }
        // After the rotation, the old token is nothing, and nothing was stored under it.
        const replay = new Browser(origin);
        replay.cookie = old;
        assert.equal((await replay.json("GET", "/me")).status, 401);
        // A write with it gets a new anonymous session, never the old one back.
        await replay.json("POST", "/set?key=late&value=x");
        assert.notEqual(replay.cookie, old);
        assert.equal(await rs.store.get(storeKey(old)), null);
        assert.equal((await b.json("GET", "/me")).status, 200);
      }
      console.log(
        `races[${name}]: ${ROUNDS} rotations raced by 20 requests each; old token dead after each`,
      );
    });

    test("revoke-all racing with sign-ins leaves no session created before the revoke", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const user = `crowd-${name}-${round}`;
        const early = await Promise.all(
          Array.from({ length: 3 }, async () => {
            const b = new Browser(origin);
            await b.json("POST", `/login?user=${user}`);
            return b;
          }),
        );
        const earlyKeys = early.map((b) => storeKey(b.cookie as string));
        const late = Array.from({ length: 10 }, () => new Browser(origin));
        const [revoked] = await Promise.all([
          early[0]?.json("POST", "/revoke-all"),
          ...late.map((b) => b.json("POST", `/login?user=${user}`)),
        ]);
        assert.equal(revoked?.status, 200);
        for (const k of earlyKeys) assert.equal(await rs.store.get(k), null);
        for (const b of early) assert.equal((await b.json("GET", "/me")).status, 401);
        // Every session left is one of the racing sign-ins, and the index knows each of them.
        const listed = new Set((await rs.store.listByUser(user)).map((s) => s.key));
        for (const k of earlyKeys) assert.ok(!listed.has(k));
        for (const b of late) {
          const k = storeKey(b.cookie as string);
          const alive = (await rs.store.get(k)) !== null;
          assert.equal(listed.has(k), alive, "a live session missing from its user's index");
        }
        await sessions.revokeUser(user);
      }
      console.log(
        `races[${name}]: ${ROUNDS} revoke-alls raced by 10 sign-ins; no early session left`,
      );
    });

    test("the per-user cap holds under parallel sign-ins", async () => {
      const user = `capped-${name}`;
      const browsers = Array.from({ length: SOAK ? 200 : 30 }, () => new Browser(cappedOrigin));
      await Promise.all(browsers.map((b) => b.json("POST", `/login?user=${user}`)));
      const listed = await rs.store.listByUser(user);
      let working = 0;
      for (const b of browsers) if ((await b.json("GET", "/me")).status === 200) working++;
      console.log(
        `races[${name}]: ${browsers.length} parallel sign-ins, cap 3: ${listed.length} listed, ${working} working`,
      );
      assert.ok(listed.length <= 3);
      assert.equal(working, listed.length);
      await sessions.revokeUser(user);
    });
  });
}
