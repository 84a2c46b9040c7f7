export {
  type AccessEntry,
  type AccessRequest,
  type Action,
  accessCovers,
  type CoverageOptions,
  formatScope,
} from './access.js';
export {
  type AccessDetail,
  type Authorization,
  type AuthorizationFailure,
  createTokenAuthorizer,
  type TokenAuthorizer,
} from './authorizer.js';
export { createJwksKeySource, type JwksKeySourceOptions, readPublicKeyFile } from './key-source.js';
export { algorithmFor, jwkThumbprint, type TokenAlgorithm } from './signing-keys.js';
export {
  createTokenVerifier,
  type KeySource,
  type TokenClaims,
  type TokenRefusal,
  type TokenVerification,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './token-verifier.js';
