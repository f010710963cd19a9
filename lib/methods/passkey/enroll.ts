// Registering a passkey: the options for `navigator.credentials.create()`, and the check of what
// the browser answered, which gives the app what to store.
import { FST_STEP_UP_PASSKEY_INVALID } from '../../errors.js'
import { resolveRelyingParty, type PasskeyCredential, type PasskeyRelyingParty } from './options.js'
import { passkeyRefusal, toBytes, webAuthn } from './webauthn.js'

// The two WebAuthn JSON shapes are declared here, structurally (as the browser client declares its
// own), not taken from @simplewebauthn/server: it is an optional peer, and the package's types must
// compile, with skipLibCheck off, in an app that does not install it. The calls below check that
// @simplewebauthn/server's values fit them and that they fit what it takes.

/**
 * WebAuthn's `PublicKeyCredentialCreationOptionsJSON`, what `passkeyRegistrationOptions` resolves
 * with: for `PublicKeyCredential.parseCreationOptionsFromJSON()` (or @simplewebauthn/browser).
 */
export interface PasskeyCreationOptionsJSON {
  rp: { id?: string, name: string }
  user: { id: string, name: string, displayName: string }
  challenge: string
  pubKeyCredParams: Array<{ alg: number, type: 'public-key' }>
  timeout?: number
  excludeCredentials?: Array<{ id: string, type: string, transports?: string[] }>
  authenticatorSelection?: {
    authenticatorAttachment?: 'platform' | 'cross-platform'
    requireResidentKey?: boolean
    residentKey?: 'discouraged' | 'preferred' | 'required'
    userVerification?: 'discouraged' | 'preferred' | 'required'
  }
  hints?: Array<'hybrid' | 'security-key' | 'client-device'>
  attestation?: 'none' | 'indirect' | 'direct' | 'enterprise'
  attestationFormats?: string[]
  extensions?: { credProps?: boolean }
}

/** WebAuthn's `RegistrationResponseJSON`: the browser's answer (`PublicKeyCredential.toJSON()` after `create()`). */
export interface PasskeyRegistrationJSON {
  id: string
  rawId: string
  type: 'public-key'
  response: {
    clientDataJSON: string
    attestationObject: string
    authenticatorData?: string
    transports?: string[]
    publicKeyAlgorithm?: number
    publicKey?: string
  }
  authenticatorAttachment?: 'platform' | 'cross-platform'
  clientExtensionResults: object
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
): Promise<PasskeyCreationOptionsJSON> {
  const rp = resolveRelyingParty('passkey', relyingParty)
  const { generateRegistrationOptions } = await webAuthn()
  const options: PasskeyCreationOptionsJSON = await generateRegistrationOptions({
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
  return options
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
  input: { response: PasskeyRegistrationJSON, expectedChallenge: string }
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
