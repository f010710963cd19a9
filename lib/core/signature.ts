// One spelling per signature. A verifier checks an equation, and some equations have two answers:
// an ECDSA signature (r, s) verifies exactly as (r, n - s) does, and an Ed25519 signature with S
// as one with S + L does, for a verifier that does not check S < L. Either makes one token two
// texts, and everything keyed on the text (the verified-token cache, an app's denylist of tokens)
// would see two tokens. So ES256 tokens are signed with s in the lower half, and each algorithm
// accepts its numbers in one range only, whatever the crypto library below would accept.
import type { AsymmetricAlgorithm } from './keys.js'

/** The order of the P-256 group (SEC 2, 2.4.2). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const P256_HALF_N = P256_N >> 1n
/** The order of the Ed25519 base point (RFC 8032, 5.1). */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n
/** Both algorithms' JWS signatures: two 32-byte numbers (RFC 7518 3.4, RFC 8037 3.1). */
const SIGNATURE_LENGTH = 64

const bigEndian = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`)

/**
 * Whether a signature is in the one form accepted for its algorithm: ES256 with 0 < r < n and
 * 0 < s <= n/2 ("low S"), Ed25519 with S < L (RFC 8032 5.1.7; OpenSSL checks it too, checked here
 * so the rule does not rest on the library or its version).
 */
export function isCanonicalSignature (alg: AsymmetricAlgorithm, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false
  if (alg === 'EdDSA') return bigEndian(Buffer.from(signature.subarray(32)).reverse()) < ED25519_L // S is little-endian
  const r = bigEndian(signature.subarray(0, 32))
  const s = bigEndian(signature.subarray(32))
  return r > 0n && r < P256_N && s > 0n && s <= P256_HALF_N
}

/**
 * An ES256 token with its signature in low-S form: n - s replaces a high s, which is the same
 * signature to any ECDSA verifier (other services verifying with the public key still accept it).
 * WebCrypto picks a random k, so about half the signatures it makes have a high s.
 */
export function withLowS (token: string): string {
  const dot = token.lastIndexOf('.')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const s = bigEndian(signature.subarray(32))
  if (s <= P256_HALF_N) return token
  signature.write((P256_N - s).toString(16).padStart(64, '0'), 32, 'hex')
  return `${token.slice(0, dot + 1)}${signature.toString('base64url')}`
}
