// The passkey ceremony in the browser: ask the server for WebAuthn request options, turn their
// base64url strings into bytes, let `navigator.credentials.get()` ask the authenticator, and send its
// answer back as JSON. The WebAuthn types are declared here, structurally, so the client's types
// need neither the DOM library nor @simplewebauthn.
import type { IssuedToken, StepUpActionInput, StepUpClient } from './api.js'

/** `PublicKeyCredentialRequestOptionsJSON`, as `POST /passkey/options` returns it. */
export interface PasskeyRequestOptionsJSON {
  challenge: string
  timeout?: number
  rpId?: string
  allowCredentials?: Array<{ id: string, type: string, transports?: string[] }>
  userVerification?: string
  extensions?: Record<string, unknown>
}

/** `PublicKeyCredentialRequestOptions`: the JSON with its challenge and credential ids as bytes. */
export interface PasskeyRequestOptions extends Omit<PasskeyRequestOptionsJSON, 'challenge' | 'allowCredentials'> {
  challenge: ArrayBuffer
  allowCredentials?: Array<{ id: ArrayBuffer, type: string, transports?: string[] }>
}

/** What `navigator.credentials.get()` resolves with for a passkey: a `PublicKeyCredential`. */
export interface PasskeyAssertion {
  id: string
  rawId: ArrayBuffer
  type: string
  authenticatorAttachment?: string | null
  response: {
    clientDataJSON: ArrayBuffer
    authenticatorData: ArrayBuffer
    signature: ArrayBuffer
    userHandle?: ArrayBuffer | null
  }
  getClientExtensionResults?: () => Record<string, unknown>
  /** Chromium 129+, Firefox 119+, Safari 18.4+. */
  toJSON?: () => unknown
}

/** An assertion as JSON (`PublicKeyCredential.toJSON()`), the body `POST /passkey/verify` takes. */
export interface PasskeyAssertionJSON {
  id: string
  rawId: string
  type: string
  authenticatorAttachment?: string
  clientExtensionResults: Record<string, unknown>
  response: {
    clientDataJSON: string
    authenticatorData: string
    signature: string
    userHandle?: string
  }
}

/** The part of `navigator.credentials` the ceremony uses. */
export interface CredentialsContainerLike {
  get (options: { publicKey: PasskeyRequestOptions, signal?: unknown }): Promise<unknown>
}

/** The part of the `PublicKeyCredential` class the ceremony uses (the JSON parser, where browsers have it). */
export interface PublicKeyCredentialStatic {
  parseRequestOptionsFromJSON?: (options: PasskeyRequestOptionsJSON) => PasskeyRequestOptions
}

/** Bytes from base64url (padding optional). Throws on anything else. */
export function base64urlToBytes (value: string): ArrayBuffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) throw new TypeError('not a base64url string')
  const base64 = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

/** base64url without padding, as WebAuthn's JSON writes bytes. */
export function bytesToBase64url (value: ArrayBuffer | ArrayBufferView): string {
  const bytes = ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The options for `navigator.credentials.get({ publicKey })`: the browser's own parser when it has
 * one, else the challenge and the credential ids decoded here.
 */
export function passkeyRequestOptions (json: PasskeyRequestOptionsJSON, publicKeyCredential?: PublicKeyCredentialStatic): PasskeyRequestOptions {
  if (typeof publicKeyCredential?.parseRequestOptionsFromJSON === 'function') return publicKeyCredential.parseRequestOptionsFromJSON(json)
  const { challenge, allowCredentials, ...rest } = json
  return {
    ...rest,
    challenge: base64urlToBytes(challenge),
    ...(allowCredentials ? { allowCredentials: allowCredentials.map((credential) => ({ ...credential, id: base64urlToBytes(credential.id) })) } : {})
  }
}

/** What an assertion and a registration share, as the browser's `PublicKeyCredential` has it. */
interface CredentialEnvelope {
  id: string
  rawId: ArrayBuffer
  type: string
  authenticatorAttachment?: string | null
  getClientExtensionResults?: () => Record<string, unknown>
}

/** A credential as WebAuthn's JSON writes it (what `toJSON()` gives), with its encoded `response`. */
export function credentialJSON<Response> (credential: CredentialEnvelope, response: Response) {
  return {
    id: credential.id,
    rawId: bytesToBase64url(credential.rawId),
    type: credential.type,
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    response
  }
}

/** The assertion as JSON: the browser's `toJSON()` when it has one, else encoded here. */
export function passkeyAssertionJSON (credential: PasskeyAssertion): PasskeyAssertionJSON {
  if (typeof credential.toJSON === 'function') return credential.toJSON() as PasskeyAssertionJSON
  const { response } = credential
  return credentialJSON(credential, {
    clientDataJSON: bytesToBase64url(response.clientDataJSON),
    authenticatorData: bytesToBase64url(response.authenticatorData),
    signature: bytesToBase64url(response.signature),
    ...(response.userHandle ? { userHandle: bytesToBase64url(response.userHandle) } : {})
  })
}

export interface PasskeyCeremonyOptions {
  /** The action the step-up is for, as `send` takes it; the answer is checked against it too. */
  action?: StepUpActionInput
  /**
   * For a step-up for an action: called with what the person approves (the server's summary, plain
   * text) before the browser's prompt, which says nothing of the transaction. Show it as text.
   * Reject (or throw) to stop before the prompt.
   */
  onSummary?: (summary: string) => void | Promise<void>
  /** Default: `navigator.credentials`. */
  credentials?: CredentialsContainerLike
  /** Default: the global `PublicKeyCredential`, when there is one. */
  publicKeyCredential?: PublicKeyCredentialStatic
  /** Cancels the browser's prompt (an `AbortSignal`). */
  signal?: unknown
}

/**
 * A passkey step-up from start to end: the options, the browser's prompt, the check. Resolves with
 * the token. Rejects with a StepUpClientError when the server refuses, with the browser's error
 * (a `NotAllowedError` DOMException when the person cancels or the prompt times out) when the
 * browser does, and with a TypeError when this browser has no WebAuthn.
 */
export async function runPasskeyCeremony (client: Pick<StepUpClient, 'passkeyOptions' | 'verifyPasskey'>, options: PasskeyCeremonyOptions = {}): Promise<IssuedToken> {
  const scope = globalThis as { navigator?: { credentials?: CredentialsContainerLike }, PublicKeyCredential?: PublicKeyCredentialStatic }
  const credentials = options.credentials ?? scope.navigator?.credentials
  if (!credentials || typeof credentials.get !== 'function') throw new TypeError('This browser cannot use passkeys (no navigator.credentials)')
  const { challengeId, options: json, summary } = await client.passkeyOptions(options.action)
  if (summary !== undefined) await options.onSummary?.(summary)
  const publicKey = passkeyRequestOptions(json, options.publicKeyCredential ?? scope.PublicKeyCredential)
  const credential = await credentials.get({ publicKey, ...(options.signal === undefined ? {} : { signal: options.signal }) })
  if (credential === null || typeof credential !== 'object') throw new TypeError('The browser gave no passkey')
  return client.verifyPasskey(challengeId, credential as PasskeyAssertion, options.action)
}
