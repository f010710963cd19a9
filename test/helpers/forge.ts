// Token forging for the adversarial and fuzz suites. Every token here is built by hand (header,
// payload and signature each chosen by the test), so one check of the verifier can be attacked
// at a time: the right key with one wrong claim, the right claims under a wrong algorithm or key.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { base64url } from 'jose'
import { deriveKeys } from '../../lib/core/secrets.js'
import { SECRET } from './app.js'

/** The harness clock starts at 2026-01-01; forged tokens use that time base (seconds). */
export const NOW = Math.floor(Date.UTC(2026, 0, 1) / 1000)

/** The HS256 key the plugin derives from the test secret (HKDF, purpose "token"). */
export const TOKEN_KEY = deriveKeys(Buffer.from(SECRET)).token

/** The plugin's defaults: issuer, audience, token type and lifetime. */
export const ISSUER = 'fastify-step-up'
export const AUDIENCE = 'fastify-step-up'
export const TYP = 'step-up+jwt'
export const TTL = 300

export type Json = Record<string, unknown>
/** Signs the JWS signing input (`header.payload`) and returns the raw signature bytes. */
export type Signer = (input: string) => Buffer

/** The claims a fresh email step-up of Alice in session s1 carries, with changes (undefined drops a claim). */
export function claims (changes: Json = {}, now = NOW): Json {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    sid: 's1',
    jti: 'forged-jti-0000000000',
    iat: now,
    exp: now + TTL,
    auth_time: now,
    amr: ['otp', 'email'],
    ...changes
  }
}

/** base64url of JSON (a string is taken as the segment's raw text). */
export function segment (value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
}

/** A compact JWS; `signer` may also be a literal signature segment. */
export function compact (header: unknown, payload: unknown, signer: Signer | string): string {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${typeof signer === 'string' ? signer : signer(input).toString('base64url')}`
}

/** HMAC with SHA-256 (HS256), or SHA-384/512 for HS384/HS512. */
export const hs256 = (secret: Uint8Array | string, hash = 'sha256'): Signer => (input) => createHmac(hash, secret).update(input).digest()
export const eddsa = (key: KeyObject): Signer => (input) => sign(null, Buffer.from(input), key)
/** ES256 as the plugin signs it, low-S: it refuses the other valid form of each signature (see malleateEs256). */
export const es256 = (key: KeyObject): Signer => (input) => lowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))
/** ES256 with the signature DER-encoded, as X.509 does and JWS (RFC 7518 3.4) does not. */
export const es256Der = (key: KeyObject): Signer => (input) => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'der' })

/** An HS256 token under the plugin's own key: valid unless `changes` or `header` break something. */
export function forge (changes: Json = {}, header: Json = {}, secret: Uint8Array | string = TOKEN_KEY): string {
  return compact({ alg: 'HS256', typ: TYP, ...header }, claims(changes), hs256(secret))
}

export interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
  privatePem: string
  publicPem: string
  publicJwk: Json
}

/** A fresh Ed25519 or P-256 key pair, in every form an app or an attacker might hold it. */
export function keyPair (kind: 'ed25519' | 'p256'): KeyPair {
  const { privateKey, publicKey } = kind === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicJwk: publicKey.export({ format: 'jwk' }) as Json
  }
}

export interface Decoded {
  header: Json
  payload: Json
  signature: Buffer
}

/** The three parts of a compact JWS, decoded (throws on anything else). */
export function decode (token: string): Decoded {
  const [header, payload, signature] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()),
    signature: Buffer.from(signature!, 'base64url')
  }
}

/** The same token with its payload changed and the original header and signature kept. */
export function withPayload (token: string, change: (payload: Json) => Json): string {
  const [header, payload, signature] = token.split('.')
  const claimsOf = JSON.parse(Buffer.from(payload!, 'base64url').toString())
  return `${header}.${segment(change(claimsOf))}.${signature}`
}

/** The same token with its header changed and the original payload and signature kept. */
export function withHeader (token: string, change: (header: Json) => Json): string {
  const [header, payload, signature] = token.split('.')
  const headerOf = JSON.parse(Buffer.from(header!, 'base64url').toString())
  return `${segment(change(headerOf))}.${payload}.${signature}`
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Other spellings of the same signature: when the signature's bit length is not a multiple of 6,
 * the last base64url character carries unused low bits that lenient decoders ignore. Each variant
 * is a different token string for the very same bytes.
 */
export function signatureSpellings (token: string): string[] {
  const dot = token.lastIndexOf('.')
  const signature = token.slice(dot + 1)
  const unused = (6 - ((Buffer.from(signature, 'base64url').length * 8) % 6)) % 6
  if (unused === 0) return []
  const last = BASE64URL.indexOf(signature.at(-1)!)
  const spellings: string[] = []
  for (let low = 1; low < 2 ** unused; low++) {
    spellings.push(`${token.slice(0, dot + 1)}${signature.slice(0, -1)}${BASE64URL[(last & ~(2 ** unused - 1)) | low]}`)
  }
  return spellings
}

// The order of the P-256 group: an ECDSA signature (r, s) and (r, n - s) verify alike.
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

/** An ES256 signature (r, s) with s replaced by n - s when s is above n/2. */
function lowS (signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
  if (s <= P256_ORDER / 2n) return signature
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')])
}

/** The same ES256 token with its signature's s replaced by n - s (ECDSA malleability). */
export function malleateEs256 (token: string): string {
  const dot = token.lastIndexOf('.')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
  const flipped = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
  return `${token.slice(0, dot + 1)}${Buffer.concat([signature.subarray(0, 32), flipped]).toString('base64url')}`
}

/**
 * True when two strings are the same token to the verifier: header and payload spelled alike (they
 * are the signed input) and signatures that decode to the same bytes (jose's decoder, which on
 * Node 20 is lenient about padding, whitespace and unused bits). That is the only way a token
 * that was never issued can legitimately verify.
 */
export function sameToken (a: string, b: string): boolean {
  const as = a.split('.')
  const bs = b.split('.')
  if (as.length !== 3 || bs.length !== 3 || as[0] !== bs[0] || as[1] !== bs[1]) return false
  const bytes = (text: string): Uint8Array | undefined => {
    try {
      return base64url.decode(text)
    } catch {
      return undefined
    }
  }
  const x = bytes(as[2]!)
  const y = bytes(bs[2]!)
  return x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y))
}
