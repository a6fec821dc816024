/**
 * sessionjar/audit: names every cookie pitfall of a response, with the fix. The rules read
 * Set-Cookie lines as a browser does (`sessionjar/cookie`) and the response around them
 * (status, URL, Cache-Control, Vary, CORS, HSTS, Location); the inputs are a URL followed hop by
 * hop, a HAR file or raw headers. Pure: no `node:` imports; the audit page runs it in a browser.
 *
 * ```ts
 * import { auditResponse } from "sessionjar/audit";
 * auditResponse({ url: "https://shop.test/", status: 200, headers: [["set-cookie", "sid=1"]] });
 * ```
 *
 * @module
 */
export {
  type AuditFetch,
  type AuditUrlOptions,
  auditUrl,
  type FetchedResponse,
  fetchHop,
  type Hop,
  type ProbeResult,
  probeOrigins,
  type UrlAuditResult,
} from "./audit-url.js";
export { AuditError, type AuditErrorCode } from "./errors.js";
export { type HarInput, type HarResponse, readHar } from "./har.js";
export { readRawHeaders } from "./raw-headers.js";
export { formatReport, type ReportOptions, summarize } from "./report.js";
export * from "./rules/index.js";
export {
  createRuntimeAuditor,
  type RuntimeAuditOptions,
  type RuntimeAuditor,
  warningText,
} from "./runtime.js";
export {
  type CookieSending,
  explainSending,
  lessonRequests,
  type SendingDecision,
  type SendingRequest,
} from "./sending.js";
