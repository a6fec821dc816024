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

/** The checks in order, each returning why the cookie fails it, or `undefined`. */
export const CHECKS: readonly (readonly [
  CheckName,
  (c: StoredCookie, r: Retrieval) => ExclusionReason | undefined,
])[] = [
  ["expiry", (c, r) => (c.expires !== undefined && c.expires <= r.now ? "expired" : undefined)],
  [
    "host",
    (c, r) =>
      c.hostOnly
        ? c.domain === r.host
          ? undefined
          : "host-mismatch"
        : domainMatch(r.host, c.domain)
          ? undefined
          : "domain-mismatch",
  ],
  ["path", (c, r) => (pathMatch(r.path, c.path) ? undefined : "path-mismatch")],
  ["secure", (c, r) => (c.secure && !r.secure ? "not-secure" : undefined)],
  ["http-only", (c, r) => (c.httpOnly && r.context.api === "script" ? "http-only" : undefined)],
  ["same-site", sameSiteCheck],
  [
    "partition",
    (c, r) =>
      c.partitionKey !== undefined && c.partitionKey !== r.context.topLevelSite
        ? "partition-mismatch"
        : undefined,
  ],
  [
    "third-party",
    (c, r) =>
      r.profile.blockThirdPartyCookies && r.context.thirdParty && c.partitionKey === undefined
        ? "third-party-blocked"
        : undefined,
  ],
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

/** The first reason the cookie is not sent, or `undefined` when it is. */
export function exclusionOf(c: StoredCookie, r: Retrieval): ExclusionReason | undefined {
  for (const [, check] of CHECKS) {
    const reason = check(c, r);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
