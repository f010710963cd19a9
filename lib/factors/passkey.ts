// Passkeys (WebAuthn) on @simplewebauthn/server: the relying-party settings, why an authenticator's
// answer is refused, and the enrollment helpers an app calls to register a passkey.
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON
} from '@simplewebauthn/server'
import { FST_STEP_UP_OPTION_INVALID, FST_STEP_UP_PASSKEY_INVALID } from '../errors.js'
import type { PasskeyCredential, PasskeyRelyingParty } from '../types.js'

type WebAuthn = typeof import('@simplewebauthn/server')

let loading: Promise<WebAuthn> | undefined

/**
 * @simplewebauthn/server, loaded on first use: it brings X.509 and ASN.1 parsers that take a good
 * part of a second to load, which apps without passkeys should not pay for at startup.
 */
export function webAuthn (): Promise<WebAuthn> {
  loading ??= import('@simplewebauthn/server')
  return loading
}

export interface ResolvedRelyingParty {
  rpID: string
  rpName: string
  origins: string[]
  userVerification: 'required' | 'preferred'
}

/** A domain name in lower case (WebAuthn hashes the RP ID as given, so case matters). */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/** An http(s) origin, written as browsers write it, on the RP ID or a subdomain of it. */
function onSite (origin: unknown, rpID: string): boolean {
  if (typeof origin !== 'string' || !URL.canParse(origin)) return false
  const url = new URL(origin)
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin &&
    (url.hostname === rpID || url.hostname.endsWith(`.${rpID}`))
}

/** Checks the relying-party settings (the `passkey` option, or what the enrollment helpers get). */
export function resolveRelyingParty (name: string, given: PasskeyRelyingParty): ResolvedRelyingParty {
  if (typeof given !== 'object' || given === null) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object')
  const { rpID, rpName = rpID, origin, userVerification = 'required' } = given
  // Browsers refuse an IP address as an RP ID (use localhost in development).
  if (typeof rpID !== 'string' || !DOMAIN.test(rpID) || /^[\d.]+$/.test(rpID)) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.rpID`, 'must be a domain name in lower case, such as "example.com", with no scheme or port')
  }
  if (typeof rpName !== 'string' || !/^.{1,200}$/.test(rpName)) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.rpName`, 'must be a string of 1 to 200 characters')
  }
  const origins: unknown = typeof origin === 'string' ? [origin] : origin
  if (!Array.isArray(origins) || origins.length === 0 || origins.length > 20) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.origin`, 'must be an origin, or an array of 1 to 20 origins')
  }
  const stranger = origins.find((one) => !onSite(one, rpID))
  if (stranger !== undefined) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.origin`,
      `has ${JSON.stringify(String(stranger).slice(0, 100))}, which is not an http(s) origin (no path) on ${rpID} or a subdomain of it`)
  }
  if (userVerification !== 'required' && userVerification !== 'preferred') {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.userVerification`, 'must be "required" or "preferred"')
  }
  return { rpID, rpName, origins: [...origins] as string[], userVerification }
}

/** A counter that did not go up: a replayed answer, or a cloned authenticator. */
export const COUNTER_REASON = 'its signature counter did not advance'

/** What @simplewebauthn/server says, in a few fixed words: its messages quote what the client sent. */
const REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(Unexpected (authentication|registration) response challenge|Custom challenge verifier)/, 'it answers another challenge'],
  [/^Unexpected (authentication|registration) response origin|cross-origin|top origin/, 'it was made on another origin'],
  [/^Unexpected RP ID hash/, 'it was made for another RP ID'],
  [/^User verification (was )?required/, 'the user was not verified'],
  [/^User (not present|presence was required)/, 'the user was not present'],
  [/^Response counter value/, COUNTER_REASON]
]

/** The step-up error for what @simplewebauthn/server threw (kept as `cause`, for the log). */
export function passkeyRefusal (cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : ''
  const reason = REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'the response is malformed'
  return Object.assign(new FST_STEP_UP_PASSKEY_INVALID(reason), { cause })
}

/** The bytes of a base64url string, or a copy of given bytes. */
export function toBytes (value: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(typeof value === 'string' ? Buffer.from(value, 'base64url') : value)
}

export interface PasskeyRegistrationInput {
  /** The account name the authenticator shows, such as the email address. */
  userName: string
  /** The person's name, shown beside it. Default `''`. */
  userDisplayName?: string
  /**
   * The user handle stored in the passkey: stable and opaque (no email address or name), 1 to 64
   * bytes. Default: random, which is fine for step-up (credentials are found by their id).
   */
  userID?: Uint8Array
  /** The user's passkeys already registered, so the same authenticator is not registered twice. */
  excludeCredentials?: ReadonlyArray<Pick<PasskeyCredential, 'id' | 'transports'>>
  /** `'platform'` (this device), `'cross-platform'` (a security key, a phone). Default: either. */
  authenticatorAttachment?: 'platform' | 'cross-platform'
}

/**
 * The options for `navigator.credentials.create()` to register a passkey, with the plugin's relying
 * party (pass the same `passkey` object). Keep `options.challenge` (in the user's session) and give it
 * to `verifyPasskeyRegistration` once.
 */
export async function passkeyRegistrationOptions (
  relyingParty: PasskeyRelyingParty,
  input: PasskeyRegistrationInput
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = resolveRelyingParty('passkey', relyingParty)
  const { generateRegistrationOptions } = await webAuthn()
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: input.userName,
    ...(input.userDisplayName === undefined ? {} : { userDisplayName: input.userDisplayName }),
    ...(input.userID === undefined ? {} : { userID: toBytes(input.userID) }),
    attestationType: 'none',
    excludeCredentials: (input.excludeCredentials ?? []).map(({ id, transports }) => ({ id, ...(transports ? { transports: [...transports] } : {}) })),
    authenticatorSelection: {
      residentKey: 'preferred',
      userVerification: rp.userVerification,
      ...(input.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: input.authenticatorAttachment })
    }
  })
}

/** What the app stores for a passkey it registered (the first four are what `getCredentials` returns). */
export interface RegisteredPasskey extends PasskeyCredential {
  /** The COSE public key, base64url. */
  publicKey: string
  counter: number
  /** As the browser reported them; empty when it reported none. */
  transports: string[]
  /** `'multiDevice'`: a synced passkey (backup eligible); `'singleDevice'`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice'
  /** Whether a synced passkey is backed up now. */
  backedUp: boolean
  /** The authenticator model's AAGUID (all zeros when it does not say). */
  aaguid: string
  /** Whether the authenticator verified the user at registration. */
  userVerified: boolean
}

/**
 * Checks the browser's answer to `passkeyRegistrationOptions` (origin, RP ID, challenge, user
 * presence, and user verification unless `userVerification` is `'preferred'`). Resolves with what to
 * store; rejects with FST_STEP_UP_PASSKEY_INVALID (400).
 */
export async function verifyPasskeyRegistration (
  relyingParty: PasskeyRelyingParty,
  input: { response: RegistrationResponseJSON, expectedChallenge: string }
): Promise<RegisteredPasskey> {
  const rp = resolveRelyingParty('passkey', relyingParty)
  const { verifyRegistrationResponse } = await webAuthn()
  let result
  try {
    result = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpID,
      requireUserVerification: rp.userVerification === 'required'
    })
  } catch (err) {
    throw passkeyRefusal(err)
  }
  if (!result.verified) throw new FST_STEP_UP_PASSKEY_INVALID('its attestation is not valid')
  const { credential, credentialDeviceType, credentialBackedUp, aaguid, userVerified } = result.registrationInfo
  return {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: [...credential.transports ?? []],
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    aaguid,
    userVerified
  }
}
