// A software authenticator: an ES256 (P-256) or Ed25519 key pair from node:crypto, its public key
// in COSE form (through the small CBOR encoder below), and registrations and assertions built and
// signed the way an authenticator and a browser build them. The passkey routes are tested with it,
// without a browser; every field can be spoiled to test each refusal.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import type { PasskeyCredential } from '../../lib/index.js'

/** The relying party of the test app: the pages run on ORIGIN, passkeys are made for RP_ID. */
export const RP_ID = 'example.com'
export const ORIGIN = 'https://example.com'

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>

/** A CBOR head: major type and argument (RFC 8949 section 3). */
function head (major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([major << 5 | value])
  if (value < 0x100) return Buffer.from([major << 5 | 24, value])
  if (value < 0x10000) return Buffer.from([major << 5 | 25, value >> 8, value & 0xff])
  const long = Buffer.alloc(5)
  long[0] = major << 5 | 26
  long.writeUInt32BE(value, 1)
  return long
}

/** Just enough CBOR for COSE keys and attestation objects: integers, text, bytes and maps. */
export function cbor (value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value)
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, text.length), text])
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value])
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([key, item]) => [cbor(key), cbor(item)])])
}

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest()
const b64url = (data: Uint8Array): string => Buffer.from(data).toString('base64url')

/** Authenticator data flags (WebAuthn section 6.1). */
export const FLAGS = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 } as const

export interface AuthenticatorOptions {
  alg?: 'ES256' | 'EdDSA'
  /** A synced passkey: backup eligible (BE) and backed up (BS). Default false: a single-device credential. */
  synced?: boolean
  /** What the browser reports at registration, and the app keeps. */
  transports?: string[]
  /** Whether the signature counter counts (from 1 up). Default true; false: always 0, as synced passkeys do. */
  counting?: boolean
}

/** What an assertion or registration can be spoiled with. */
export interface Spoil {
  origin?: string
  rpID?: string
  type?: string
  /** The flags byte; default UP and UV (and BE, BS when synced). */
  flags?: number
  /** The signature counter to claim; default the next one. */
  counter?: number
  /** Sign with another key. */
  signWith?: KeyObject
  /** Change the signed data after signing. */
  tamper?: boolean
  /** Registration: the attestation statement format and statement. */
  fmt?: string
  attStmt?: Map<Cbor, Cbor>
}

export class SoftAuthenticator {
  readonly alg: 'ES256' | 'EdDSA'
  readonly id: string
  readonly privateKey: KeyObject
  /** The credential public key, COSE_Key (RFC 9052) in CBOR. */
  readonly cose: Buffer
  readonly synced: boolean
  readonly transports: string[] | undefined
  readonly counting: boolean
  counter = 0

  constructor (options: AuthenticatorOptions = {}) {
    this.alg = options.alg ?? 'ES256'
    this.synced = options.synced ?? false
    this.transports = options.transports
    this.counting = options.counting ?? true
    this.id = b64url(randomBytes(16))
    const { privateKey, publicKey } = this.alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519')
    this.privateKey = privateKey
    const jwk = publicKey.export({ format: 'jwk' })
    const x = Buffer.from(jwk.x!, 'base64url')
    this.cose = this.alg === 'ES256'
      // kty EC2, alg ES256, crv P-256, x, y
      ? cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, x], [-3, Buffer.from(jwk.y!, 'base64url')]]))
      // kty OKP, alg EdDSA, crv Ed25519, x
      : cbor(new Map<Cbor, Cbor>([[1, 1], [3, -8], [-1, 6], [-2, x]]))
  }

  /** The record the app keeps for this passkey (as the enrollment helper returns it). */
  credential (counter = 0): PasskeyCredential {
    return { id: this.id, publicKey: b64url(this.cose), counter, ...(this.transports ? { transports: this.transports } : {}) }
  }

  #flags (spoil: Spoil, extra = 0): number {
    return spoil.flags ?? (FLAGS.up | FLAGS.uv | (this.synced ? FLAGS.be | FLAGS.bs : 0) | extra)
  }

  #nextCounter (spoil: Spoil): number {
    if (spoil.counter !== undefined) return spoil.counter
    if (this.counting) this.counter++
    return this.counter
  }

  #sign (data: Buffer, key: KeyObject): Buffer {
    return this.alg === 'ES256' ? sign('sha256', data, key) : sign(null, data, key)
  }

  #clientData (type: string, challenge: string, spoil: Spoil): Buffer {
    return Buffer.from(JSON.stringify({ type: spoil.type ?? type, challenge, origin: spoil.origin ?? ORIGIN, crossOrigin: false }))
  }

  /** An assertion for `navigator.credentials.get()` options with this challenge, as toJSON() gives it. */
  assert (challenge: string, spoil: Spoil = {}): AuthenticationResponseJSON {
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(this.#nextCounter(spoil))
    const authenticatorData = Buffer.concat([sha256(spoil.rpID ?? RP_ID), Buffer.from([this.#flags(spoil)]), counter])
    const clientDataJSON = this.#clientData('webauthn.get', challenge, spoil)
    const signature = this.#sign(Buffer.concat([authenticatorData, sha256(clientDataJSON)]), spoil.signWith ?? this.privateKey)
    if (spoil.tamper) authenticatorData[36]! ^= 1 // the counter's last bit, after signing
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      authenticatorAttachment: this.transports?.includes('internal') ? 'platform' : 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature)
      }
    }
  }

  /** A registration for `navigator.credentials.create()` options with this challenge (attestation "none"). */
  register (challenge: string, spoil: Spoil = {}): RegistrationResponseJSON {
    const id = Buffer.from(this.id, 'base64url')
    const length = Buffer.alloc(2)
    length.writeUInt16BE(id.length)
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(spoil.counter ?? 0)
    const authData = Buffer.concat([
      sha256(spoil.rpID ?? RP_ID), Buffer.from([this.#flags(spoil, FLAGS.at)]), counter,
      Buffer.alloc(16), length, id, this.cose
    ])
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', spoil.fmt ?? 'none'], ['attStmt', spoil.attStmt ?? new Map()], ['authData', authData]]))
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', challenge, spoil)),
        attestationObject: b64url(attestationObject),
        ...(this.transports ? { transports: this.transports as never } : {})
      }
    }
  }

  /** A packed self-attestation statement whose signature is wrong (for a registration that must fail). */
  badPackedStatement (): Map<Cbor, Cbor> {
    return new Map<Cbor, Cbor>([['alg', this.alg === 'ES256' ? -7 : -8], ['sig', this.#sign(Buffer.from('not the data'), this.privateKey)]])
  }
}
