// Calls to the factor routes (`factors` option): list the user's factors, enroll an authenticator
// app or a passkey, renew backup codes, set a PIN, remove a factor. A change needs a fresh step-up
// token; when the server refuses one with a step-up challenge, the change goes to the prompt (as
// createStepUpFetch does) and is sent again, once, with the token the prompt got.
import { base64urlToBytes, bytesToBase64url, credentialJSON } from './passkey.js'
import type { StepUpPrompt } from './fetch.js'

/** What the plugin manages: authenticator apps, passkeys, one set of backup codes, one PIN. */
export type FactorKindName = 'totp' | 'passkey' | 'backup-codes' | 'pin'

/** A factor as the routes show it: never its secret or hash. Times in ISO 8601. */
export interface FactorSummary {
  id: string
  kind: FactorKindName
  /** Plain text: escape it where you show it. */
  label: string
  createdAt: string
  lastUsedAt: string | null
  /** Backup codes: how many are left. */
  remaining?: number
  /** Passkeys: `multiDevice` (synced) or `singleDevice`. */
  deviceType?: string
  backedUp?: boolean
  transports?: string[]
}

/** `GET /factors`: the factors, masked destinations, the kinds the user can add and what a change needs now. */
export interface FactorListing {
  factors: FactorSummary[]
  destinations: Array<{ method: string, id: string, masked: string }>
  kinds: Array<{ kind: FactorKindName, max: number }>
  /** A change needs a step-up with one of `methods`, at most `maxAge` seconds old. */
  change: { methods: string[], maxAge: number }
}

/** `POST /factors/totp`: a pending authenticator app, shown once. Not a factor until confirmed. */
export interface TotpEnrollment {
  secret: string
  /** The secret in groups of four, to type into an app. */
  manualEntryKey: string
  /** `otpauth://totp/...` */
  uri: string
  /** The URI as a PNG `data:` URL. */
  qrCode: string
  algorithm: string
  digits: number
  period: number
  /** Seconds the enrollment can be confirmed in. */
  expiresIn: number
}

/** `PublicKeyCredentialCreationOptionsJSON`, as `POST /factors/passkeys/options` returns it. */
export interface PasskeyCreationOptionsJSON {
  challenge: string
  rp: { id?: string, name: string }
  user: { id: string, name: string, displayName: string }
  pubKeyCredParams: Array<{ type: string, alg: number }>
  excludeCredentials?: Array<{ id: string, type: string, transports?: string[] }>
  [option: string]: unknown
}

/** `PublicKeyCredentialCreationOptions`: the JSON with its challenge, user id and credential ids as bytes. */
export interface PasskeyCreationOptions extends Omit<PasskeyCreationOptionsJSON, 'challenge' | 'user' | 'excludeCredentials'> {
  challenge: ArrayBuffer
  user: { id: ArrayBuffer, name: string, displayName: string }
  excludeCredentials?: Array<{ id: ArrayBuffer, type: string, transports?: string[] }>
}

/** `POST /factors/passkeys/options`: the registration challenge and the options for `navigator.credentials.create()`. */
export interface PasskeyRegistrationChallenge {
  challengeId: string
  expiresIn: number
  options: PasskeyCreationOptionsJSON
}

/** What `navigator.credentials.create()` resolves with for a passkey: a `PublicKeyCredential`. */
export interface PasskeyAttestation {
  id: string
  rawId: ArrayBuffer
  type: string
  authenticatorAttachment?: string | null
  response: {
    clientDataJSON: ArrayBuffer
    attestationObject: ArrayBuffer
    getTransports?: () => string[]
  }
  getClientExtensionResults?: () => Record<string, unknown>
  toJSON?: () => unknown
}

/** How a change gets its step-up token: one in hand, and the prompt to run when the server refuses it. */
export interface FactorChangeOptions {
  /** A step-up token to send first (the plugin's token header). */
  token?: string
  /** Asked when the change is refused with a step-up challenge. Default: the client's `prompt`. */
  prompt?: StepUpPrompt
}

export interface FactorCalls {
  /** The user's factors, destinations, the kinds they can add and what a change needs. */
  listFactors (): Promise<FactorListing>
  /** Starts an authenticator app: the secret, QR code and manual key, shown once. Needs no token. */
  startTotp (): Promise<TotpEnrollment>
  /** The app's first code: saves the factor. A change. */
  confirmTotp (body: { code: string, label?: string }, change?: FactorChangeOptions): Promise<{ factor: FactorSummary }>
  /** Starts a passkey registration: the options for `navigator.credentials.create()`. Needs no token. */
  passkeyRegistrationOptions (body?: { authenticatorAttachment?: 'platform' | 'cross-platform' }): Promise<PasskeyRegistrationChallenge>
  /** What `navigator.credentials.create()` gave (a `PublicKeyCredential`, or its JSON): saves the passkey. A change. */
  verifyPasskeyRegistration (challengeId: string, credential: PasskeyAttestation | object, body?: { label?: string }, change?: FactorChangeOptions): Promise<{ factor: FactorSummary }>
  /** A new set of backup codes, shown once, replacing the old set. A change. */
  renewBackupCodes (change?: FactorChangeOptions): Promise<{ factor: FactorSummary, codes: string[] }>
  /** Sets or changes the PIN. A change. */
  setPin (pin: string, change?: FactorChangeOptions): Promise<{ factor: FactorSummary }>
  /** Removes a factor; it stops working at once. A change. */
  removeFactor (id: string, change?: FactorChangeOptions): Promise<{ factor: FactorSummary }>
}

/** How api.ts sends a request: a plain call, or a change that carries the step-up token. */
export type FactorRequest = <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object, change?: FactorChangeOptions | false) => Promise<T>

/** The registration as JSON: the browser's `toJSON()` when it has one, else encoded here. */
export function passkeyAttestationJSON (credential: PasskeyAttestation): unknown {
  if (typeof credential.toJSON === 'function') return credential.toJSON()
  const { response } = credential
  return credentialJSON(credential, {
    clientDataJSON: bytesToBase64url(response.clientDataJSON),
    attestationObject: bytesToBase64url(response.attestationObject),
    transports: response.getTransports?.() ?? []
  })
}

export function factorCalls (request: FactorRequest): FactorCalls {
  /** A change: with its own token and prompt, else the client's prompt. */
  const changing = (change: FactorChangeOptions | undefined): FactorChangeOptions => change ?? {}
  return {
    listFactors () {
      return request('GET', '/factors', undefined, false)
    },
    startTotp () {
      return request('POST', '/factors/totp', {}, false)
    },
    confirmTotp (body, change) {
      return request('POST', '/factors/totp/confirm', body, changing(change))
    },
    passkeyRegistrationOptions (body) {
      return request('POST', '/factors/passkeys/options', body ?? {}, false)
    },
    verifyPasskeyRegistration (challengeId, credential, body, change) {
      // A PublicKeyCredential has bytes (rawId); JSON someone made already has strings.
      const response = 'rawId' in credential && typeof credential.rawId !== 'string' ? passkeyAttestationJSON(credential as PasskeyAttestation) : credential
      return request('POST', '/factors/passkeys/verify', { challengeId, response, ...body }, changing(change))
    },
    renewBackupCodes (change) {
      return request('POST', '/factors/backup-codes', {}, changing(change))
    },
    setPin (pin, change) {
      return request('PUT', '/factors/pin', { pin }, changing(change))
    },
    removeFactor (id, change) {
      return request('DELETE', `/factors/${encodeURIComponent(id)}`, undefined, changing(change))
    }
  }
}

/** The part of `navigator.credentials` a registration uses. */
export interface CredentialsCreatorLike {
  create (options: { publicKey: PasskeyCreationOptions, signal?: unknown }): Promise<unknown>
}

/** The part of the `PublicKeyCredential` class a registration uses (the JSON parser, where browsers have it). */
export interface PublicKeyCredentialCreationStatic {
  parseCreationOptionsFromJSON?: (options: PasskeyCreationOptionsJSON) => PasskeyCreationOptions
}

/**
 * The options for `navigator.credentials.create({ publicKey })`: the browser's own parser when it
 * has one, else the challenge, the user handle and the excluded credential ids decoded here.
 */
export function passkeyCreationOptions (json: PasskeyCreationOptionsJSON, publicKeyCredential?: PublicKeyCredentialCreationStatic): PasskeyCreationOptions {
  if (typeof publicKeyCredential?.parseCreationOptionsFromJSON === 'function') return publicKeyCredential.parseCreationOptionsFromJSON(json)
  const { challenge, user, excludeCredentials, ...rest } = json
  return {
    ...rest,
    challenge: base64urlToBytes(challenge),
    user: { ...user, id: base64urlToBytes(user.id) },
    ...(excludeCredentials ? { excludeCredentials: excludeCredentials.map((credential) => ({ ...credential, id: base64urlToBytes(credential.id) })) } : {})
  }
}

export interface PasskeyRegistrationOptions extends FactorChangeOptions {
  /** The name the user gives it. Default: the server's ("Passkey"). */
  label?: string
  authenticatorAttachment?: 'platform' | 'cross-platform'
  /** Default: `navigator.credentials`. */
  credentials?: CredentialsCreatorLike
  /** Default: the global `PublicKeyCredential`, when there is one. */
  publicKeyCredential?: PublicKeyCredentialCreationStatic
  /** Cancels the browser's prompt (an `AbortSignal`). */
  signal?: unknown
}

/**
 * A passkey registration from start to end: the options, the browser's prompt, the change (with
 * the step-up prompt when the server asks for one). Resolves with the new factor. Rejects with a
 * StepUpClientError when the server refuses, with the browser's DOMException when the browser does
 * (`NotAllowedError`: cancelled; `InvalidStateError`: this authenticator has one already), and
 * with a TypeError when this browser has no WebAuthn.
 */
export async function registerPasskeyFactor (client: Pick<FactorCalls, 'passkeyRegistrationOptions' | 'verifyPasskeyRegistration'>, options: PasskeyRegistrationOptions = {}): Promise<{ factor: FactorSummary }> {
  const scope = globalThis as { navigator?: { credentials?: CredentialsCreatorLike }, PublicKeyCredential?: PublicKeyCredentialCreationStatic }
  const credentials = options.credentials ?? scope.navigator?.credentials
  if (!credentials || typeof credentials.create !== 'function') throw new TypeError('This browser cannot use passkeys (no navigator.credentials)')
  const { challengeId, options: json } = await client.passkeyRegistrationOptions(options.authenticatorAttachment ? { authenticatorAttachment: options.authenticatorAttachment } : {})
  const publicKey = passkeyCreationOptions(json, options.publicKeyCredential ?? scope.PublicKeyCredential)
  const credential = await credentials.create({ publicKey, ...(options.signal === undefined ? {} : { signal: options.signal }) })
  if (credential === null || typeof credential !== 'object') throw new TypeError('The browser gave no passkey')
  const change: FactorChangeOptions = { token: options.token, prompt: options.prompt }
  return client.verifyPasskeyRegistration(challengeId, credential as PasskeyAttestation, options.label === undefined ? {} : { label: options.label }, change)
}
