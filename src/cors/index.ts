/**
 * sessionjar/cors: a credentialed CORS policy that refuses unsafe configurations when it is
 * made (`createCorsPolicy`, `originMatcher`), and an explainer of what a browser does with one
 * cross-origin fetch and its response (`explainCors`). Pure: no `node:` imports, runs in any
 * Web runtime.
 *
 * CORS decides what a page may read, not what it may send: pair it with `sessionjar/csrf` on
 * every unsafe route.
 *
 * @module
 */
export { CorsError, type CorsErrorCode } from "./errors.js";
export {
  type CorsExplanation,
  type CorsFinding,
  type CorsPreflightRequest,
  type CorsRule,
  type ExplainCorsOptions,
  type ExplainRequest,
  type ExplainResponse,
  explainCors,
  formatCorsExplanation,
  type SetCookieVerdict,
} from "./explain.js";
export { type OriginMatcher, type OriginPattern, originMatcher } from "./origin.js";
export {
  type CorsDecision,
  type CorsOrigins,
  type CorsPolicy,
  type CorsPolicyOptions,
  type CorsRequest,
  type CorsWarning,
  createCorsPolicy,
} from "./policy.js";
