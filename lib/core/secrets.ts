// One plugin secret, several independent keys: a leak or misuse of one purpose never weakens
// another (HKDF, RFC 5869).
import { createHmac, hkdfSync, randomFillSync, randomInt, timingSafeEqual } from 'node:crypto'

export interface DerivedKeys {
  /** Signs and verifies HS256 second-factor tokens. */
  token: Uint8Array
  /** Keys the HMAC that one-time codes are stored as. */
  code: Buffer
  /** Keys the opaque ids that stand for destinations. */
  destination: Buffer
}

/** The purposes the engine's own keys are for; `deriveKey` refuses them to anyone else. */
export const ENGINE_KEY_PURPOSES: readonly string[] = ['token', 'code', 'destination']

/** A 32-byte key for one purpose from the plugin secret (HKDF-SHA256, salt `fastify-step-up`, info `purpose`). */
export function deriveKey (secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'fastify-step-up', purpose, 32))
}

export function deriveKeys (secret: Buffer): DerivedKeys {
  return {
    token: new Uint8Array(deriveKey(secret, 'token')),
    code: deriveKey(secret, 'code'),
    destination: deriveKey(secret, 'destination')
  }
}

// Random ids and challenges are cut from a pool the CSPRNG fills 4 KiB at a time, as Node does for
// randomUUID(): one call into OpenSSL per 256 ids instead of one each (1.7 µs each here, two per
// step-up). Every byte is handed out once.
const pool = Buffer.alloc(4096)
let poolAt = pool.length

function randomBase64url (bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  const text = pool.toString('base64url', poolAt, poolAt + bytes)
  poolAt += bytes
  return text
}

/** A random id: 128 bits from the CSPRNG, base64url (22 characters). */
export function randomId (): string {
  return randomBase64url(16)
}

/** A challenge for a passkey to sign: 256 bits from the CSPRNG, base64url (43 characters). */
export function randomChallenge (): string {
  return randomBase64url(32)
}

/** A numeric code of `length` digits, uniform, from the CSPRNG. */
export function generateCode (length: number): string {
  // randomInt draws below 2^48, enough for 10 digits; pad keeps leading zeros.
  return randomInt(0, 10 ** length).toString().padStart(length, '0')
}

function codeDigest (key: Buffer, challengeId: string, code: string): Buffer {
  return createHmac('sha256', key).update(`${challengeId}\0${code}`).digest()
}

/** The code as stored: HMAC bound to its challenge, so equal codes of two challenges differ. */
export function hashCode (key: Buffer, challengeId: string, code: string): string {
  return codeDigest(key, challengeId, code).toString('base64url')
}

/** Constant-time check of a code against its stored HMAC. Both sides are digests of equal length. */
export function codeMatches (key: Buffer, challengeId: string, code: string, codeHash: string): boolean {
  const expected = Buffer.from(codeHash, 'base64url')
  const actual = codeDigest(key, challengeId, code)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** A stable opaque id for a destination of one user, so clients can pick one without seeing it whole. */
export function destinationId (key: Buffer, userId: string, destination: string): string {
  return createHmac('sha256', key).update(`${userId}\0${destination}`).digest('base64url').slice(0, 16)
}
