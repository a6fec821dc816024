import { domainMatch } from "../site/host.js";
import type { ResolvedContext } from "./context.js";
import { pathMatch } from "./path.js";
import type { JarProfile } from "./profiles.js";
import type { CheckName, ExclusionReason, StoredCookie } from "./types.js";

/** A request as the retrieval algorithm sees it. */
export interface Retrieval {
  readonly host: string;
  readonly path: string;
  readonly secure: boolean;
  readonly context: ResolvedContext;
  readonly now: number;
  readonly profile: JarProfile;
}

type Check = (c: StoredCookie, r: Retrieval) => ExclusionReason | undefined;

const expiryCheck: Check = (c, r) =>
  c.expires !== undefined && c.expires <= r.now ? "expired" : undefined;

const hostCheck: Check = (c, r) => {
  if (c.hostOnly) return c.domain === r.host ? undefined : "host-mismatch";
  return domainMatch(r.host, c.domain) ? undefined : "domain-mismatch";
};

const pathCheck: Check = (c, r) => (pathMatch(r.path, c.path) ? undefined : "path-mismatch");

const secureCheck: Check = (c, r) => (c.secure && !r.secure ? "not-secure" : undefined);

const httpOnlyCheck: Check = (c, r) =>
  c.httpOnly && r.context.api === "script" ? "http-only" : undefined;

const partitionCheck: Check = (c, r) =>
  c.partitionKey !== undefined && c.partitionKey !== r.context.topLevelSite
    ? "partition-mismatch"
    : undefined;

const thirdPartyCheck: Check = (c, r) =>
  r.profile.blockThirdPartyCookies && r.context.thirdParty && c.partitionKey === undefined
    ? "third-party-blocked"
    : undefined;

/** The checks in order, each returning why the cookie fails it, or `undefined`. */
export const CHECKS: readonly (readonly [CheckName, Check])[] = [
  ["expiry", expiryCheck],
  ["host", hostCheck],
  ["path", pathCheck],
  ["secure", secureCheck],
  ["http-only", httpOnlyCheck],
  ["same-site", sameSiteCheck],
  ["partition", partitionCheck],
  ["third-party", thirdPartyCheck],
];

function sameSiteCheck(c: StoredCookie, r: Retrieval): ExclusionReason | undefined {
  const status = r.context.status;
  if (status === "same-site" || c.sameSite === "None") return undefined;
  if (c.sameSite === "Strict") return "same-site-strict";
  const lax = c.sameSite === "Lax";
  if (!lax && r.profile.defaultSameSite === "None") return undefined;
  if (status === "lax") return undefined;
  if (status === "lax-unsafe" && !lax && r.now - c.creationTime < r.profile.laxAllowingUnsafeMs) {
    return undefined;
  }
  return lax ? "same-site-lax" : "same-site-default";
}
