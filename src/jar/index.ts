/**
 * sessionjar/jar: the browser's cookie jar. It stores Set-Cookie and decides which cookies a
 * request carries exactly as RFC 6265bis (latest draft) says, or as Chromium does
 * (`profile: "chromium"`), explains that decision check by check, and replays jar scenarios.
 * Pure and synchronous: no `node:` imports.
 *
 * @module
 */
export type { RequestContext, ResolvedContext, SameSiteStatus } from "./context.js";
export { CookieJar, type CookieJarJSON, type CookieJarOptions } from "./cookie-jar.js";
export { JarError, type JarErrorCode } from "./errors.js";
export {
  type CookieCheck,
  type CookieVerdict,
  formatJarExplanation,
  type JarExplanation,
} from "./explain.js";
export { defaultPath, pathMatch } from "./path.js";
export {
  CHROMIUM,
  isProfileName,
  type JarProfile,
  type ProfileName,
  type ProfileOptions,
  RFC6265BIS,
  resolveProfile,
} from "./profiles.js";
export { EXCLUSION_MESSAGES, REJECTION_MESSAGES } from "./reasons.js";
export {
  type Excluded,
  type GetStepResult,
  parseScenarios,
  type ReplayOptions,
  replayScenario,
  type Scenario,
  ScenarioError,
  type ScenarioReport,
  type ScenarioStep,
  type SetStepResult,
} from "./scenario.js";
export type {
  CheckName,
  ExclusionReason,
  RejectionReason,
  SameSiteMode,
  SetCookieResult,
  StoredCookie,
} from "./types.js";
export { type WithCookieJarOptions, withCookieJar } from "./with-cookie-jar.js";
