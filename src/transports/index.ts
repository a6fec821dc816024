/**
 * sessionjar/transports: how a session credential travels. The transports `createSessions`
 * takes (`opaqueCookie`, `signedCookie`, `encryptedCookie`, `jwtCookie`, `bearerJwt`,
 * `opaqueBearer`), the codecs under them, bearer parsing and challenges, refresh tokens,
 * revocation, and the capability declarations the docs' variants table is generated from.
 *
 * @module
 */

export {
  type BearerChallengeOptions,
  type BearerErrorCode,
  type BearerRejection,
  bearerChallenge,
  bearerRejection,
  bearerStatus,
  readBearerToken,
} from "./bearer.js";
export {
  ALL_CAPABILITIES,
  BEARER_JWT_CAPABILITIES,
  ENCRYPTED_COOKIE_CAPABILITIES,
  JWT_COOKIE_CAPABILITIES,
  OPAQUE_BEARER_CAPABILITIES,
  OPAQUE_COOKIE_CAPABILITIES,
  SIGNED_COOKIE_CAPABILITIES,
  type TransportCapabilities,
  variantsTable,
} from "./capabilities.js";
export {
  createEncryptedCodec,
  ENCRYPTED_COOKIE_HKDF_INFO,
  type EncryptedCodec,
  type EncryptedCodecOptions,
  type EncryptedOpenFailure,
  type EncryptedOpenResult,
} from "./encrypted-cookie.js";
export { TransportError, type TransportErrorCode } from "./errors.js";
export {
  createJwtCodec,
  JWT_TYP_ACCESS_TOKEN,
  JWT_TYP_SESSION,
  type JwtAlgorithm,
  type JwtCodec,
  type JwtCodecOptions,
  type JwtKey,
  type VerifyResult,
} from "./jwt.js";
export { MAX_COOKIE_BYTES, type TransportKey } from "./keys.js";
export {
  newSessionId,
  PAYLOAD_VERSION,
  type PayloadCheck,
  type SessionPayload,
  validatePayload,
} from "./payload.js";
export {
  createRefreshTokens,
  memoryRefreshStore,
  type RefreshStore,
  type RefreshTokenEvent,
  type RefreshTokens,
  type RefreshTokensOptions,
  type RotateResult,
  redisRefreshStore,
  type TokenSet,
} from "./refresh-tokens.js";
export {
  memoryRevocationStore,
  type RevocationStore,
  redisRevocationStore,
} from "./revocation.js";
export {
  type BearerJwtOptions,
  bearerJwt,
  type CookieCodecTransportOptions,
  encryptedCookie,
  type JwtTransportOptions,
  jwtCookie,
  opaqueBearer,
  opaqueCookie,
  type RevocationOption,
  signedCookie,
} from "./session-transports.js";
export {
  createSignedCodec,
  type SignedCodec,
  type SignedCodecOptions,
  type SignedOpenFailure,
  type SignedOpenResult,
} from "./signed-cookie.js";
export type { OpenFailure, OpenResult, SessionCodec } from "./types.js";
