// Signing keys. By default tokens are HS256 under a key derived from the plugin secret; with key
// pairs (EdDSA or ES256, each with a `kid`) other services can verify tokens from the published
// public keys, and old public keys stay trusted for rotation.
import { KeyObject, createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'

export type AsymmetricAlgorithm = 'EdDSA' | 'ES256'

export interface SigningKeyOptions {
  /** The key id tokens carry in their header and the JWKS publishes. */
  kid: string
  alg: AsymmetricAlgorithm
  /** PKCS#8 PEM, a private JWK, or a KeyObject. */
  privateKey: string | JsonWebKey | KeyObject
}

export interface VerificationKeyOptions {
  kid: string
  alg: AsymmetricAlgorithm
  /** SPKI PEM, a public JWK, or a KeyObject. */
  publicKey: string | JsonWebKey | KeyObject
}

export interface KeyOptions {
  /** The key new tokens are signed with; its public half is trusted and published too. */
  signing: SigningKeyOptions
  /** Public keys still trusted (a previous signing key, during rotation). */
  verification?: readonly VerificationKeyOptions[]
}

export interface PublicKey {
  kid: string
  alg: AsymmetricAlgorithm
  key: KeyObject
  jwk: JsonWebKey & { kid: string, alg: AsymmetricAlgorithm, use: 'sig' }
}

export interface KeyRing {
  signing: { kid: string, alg: AsymmetricAlgorithm, key: KeyObject }
  /** Trusted public keys by kid. */
  public: Map<string, PublicKey>
}

// Each algorithm's key type, so a key of another kind cannot be slipped in under its name.
const keyTypes: Record<AsymmetricAlgorithm, (key: KeyObject) => boolean> = {
  EdDSA: (key) => key.asymmetricKeyType === 'ed25519',
  ES256: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
}

function loadKey (name: string, kind: 'private' | 'public', given: unknown): KeyObject {
  try {
    if (given instanceof KeyObject) {
      if (given.type === kind) return given
      if (kind === 'public' && given.type === 'private') return createPublicKey(given)
      throw new TypeError('wrong kind of key')
    }
    const input = typeof given === 'object' && given !== null ? { key: given as JsonWebKey, format: 'jwk' as const } : given
    return kind === 'private' ? createPrivateKey(input as string) : createPublicKey(input as string)
  } catch {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be a ${kind} key (PEM, JWK or KeyObject)`)
  }
}

function checkEntry (name: string, kid: unknown, alg: unknown): void {
  if (typeof kid !== 'string' || !/^[\w.-]{1,64}$/.test(kid)) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.kid`, 'must be 1 to 64 letters, digits, "_", "." or "-"')
  }
  if (alg !== 'EdDSA' && alg !== 'ES256') throw new FST_STEP_UP_OPTION_INVALID(`${name}.alg`, 'must be "EdDSA" or "ES256"')
}

function publicEntry (name: string, kid: string, alg: AsymmetricAlgorithm, key: KeyObject): PublicKey {
  if (!keyTypes[alg](key)) throw new FST_STEP_UP_OPTION_INVALID(name, `is not an ${alg} key`)
  return { kid, alg, key, jwk: { ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' } }
}

/** Checks the key options once, at registration. */
export function loadKeys (options: KeyOptions | undefined): KeyRing | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || typeof options.signing !== 'object' || options.signing === null) {
    throw new FST_STEP_UP_OPTION_INVALID('keys', 'must be { signing, verification? }')
  }
  const { kid, alg, privateKey } = options.signing
  checkEntry('keys.signing', kid, alg)
  const key = loadKey('keys.signing.privateKey', 'private', privateKey)
  const ring: KeyRing = { signing: { kid, alg, key }, public: new Map() }
  ring.public.set(kid, publicEntry('keys.signing.privateKey', kid, alg, createPublicKey(key)))
  for (const [i, entry] of (options.verification ?? []).entries()) {
    const name = `keys.verification[${i}]`
    checkEntry(name, entry.kid, entry.alg)
    if (ring.public.has(entry.kid)) throw new FST_STEP_UP_OPTION_INVALID(`${name}.kid`, 'is used twice')
    ring.public.set(entry.kid, publicEntry(`${name}.publicKey`, entry.kid, entry.alg, loadKey(`${name}.publicKey`, 'public', entry.publicKey)))
  }
  return ring
}
