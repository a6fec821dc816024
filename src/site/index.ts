/**
 * sessionjar/site: origins, hosts and schemeful sites from the public suffix list (`tldts`,
 * private section included). Pure: no `node:` imports.
 *
 * @module
 */
export {
  canonicalHost,
  domainMatch,
  isIpAddress,
  isLoopbackHost,
  isPublicSuffix,
  isSecureUrl,
  registrableDomain,
  type SecureUrlOptions,
} from "./host.js";
export { isSameSite, type Origin, originOf, siteOf } from "./origin.js";
