// The transports the behavioural suite (test/sessions/behaviour.ts) runs against, each with
// fresh keys and in-memory revocation (and refresh) stores on the suite's clock.
import { randomBytes } from "node:crypto";
import type { SessionTransport } from "../../src/session/index.js";
import {
  bearerJwt,
  encryptedCookie,
  jwtCookie,
  memoryRefreshStore,
  memoryRevocationStore,
  opaqueBearer,
  type RevocationStore,
  signedCookie,
} from "../../src/transports/index.js";
import type { Variant } from "../sessions/behaviour.js";

const JWT = { issuer: "https://shop.test", audience: "https://shop.test" };
const ring = () => [{ id: "k1", secret: randomBytes(32) }];
const jwtRing = () => [{ kid: "h1", alg: "HS256" as const, key: randomBytes(32) }];

/** A stateless variant whose transport `make` builds on a revocation store of the suite's clock. */
function stateless(
  name: string,
  carrier: Variant["carrier"],
  make: (revocation: RevocationStore, clock: { now: number }) => SessionTransport,
): Variant {
  return {
    name,
    carrier,
    state: "client",
    options: (clock) => ({
      transport: make(memoryRevocationStore({ now: () => clock.now }), clock),
    }),
  };
}

export const VARIANTS: readonly Variant[] = [
  stateless("signed cookie", "cookie", (revocation) => signedCookie({ keys: ring(), revocation })),
  stateless("encrypted cookie", "cookie", (revocation) =>
    encryptedCookie({ keys: ring(), revocation }),
  ),
  stateless("JWT cookie", "cookie", (revocation) =>
    jwtCookie({ ...JWT, keys: jwtRing(), revocation }),
  ),
  stateless("bearer JWT", "bearer", (revocation, clock) =>
    bearerJwt({
      ...JWT,
      keys: jwtRing(),
      revocation,
      refresh: memoryRefreshStore({ now: () => clock.now }),
    }),
  ),
  {
    name: "opaque bearer",
    carrier: "bearer",
    state: "server",
    options: () => ({ transport: opaqueBearer() }),
  },
];
