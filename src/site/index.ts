/**
 * sessionjar/site: origins and schemeful sites from the public suffix list (`tldts`). Pure: no
 * `node:` imports.
 *
 * @module
 */
export { domainMatches, isLoopbackHost } from "./hosts.js";
export { isSameSite, type Origin, originOf, siteOf } from "./origin.js";
