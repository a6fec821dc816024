/**
 * The audit rules: pure functions over Set-Cookie lines and the response around them. No
 * `node:` imports: they run in Node, in the audit page and in any Web runtime.
 *
 * @module
 */
export { auditResponse, parseHsts } from "./audit-response.js";
export { type AuditResult, auditResponses, failsOn, sortFindings } from "./audit-responses.js";
export { RULES, type RuleId, type RuleInfo, SEVERITIES, type Severity } from "./catalogue.js";
export {
  type CookieClass,
  type CookieKind,
  classifyCookie,
  estimateEntropyBits,
} from "./classify.js";
export { defaultPath, refusal } from "./cookie-rules.js";
export { headerPairs } from "./header-pairs.js";
export { httpUrl } from "./http-url.js";
export type {
  AuditOptions,
  AuditResponse,
  CorsProbe,
  Finding,
  HeaderInput,
  HeaderPair,
} from "./types.js";
