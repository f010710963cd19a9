// Calls to the step-up routes, for the prompt that runs a step-up: list the methods, send a code,
// verify it (or a password, PIN, ...). Every refusal becomes a StepUpClientError with the server's
// FST_STEP_UP_* code, the HTTP status and the Retry-After of a 429.
import { factorCalls, type FactorCalls, type FactorChangeOptions } from './factors.js'
import { createStepUpFetch, type StepUpPrompt } from './fetch.js'
import { DESTINATION_FIELD } from './methods.generated.js'
import { passkeyAssertionJSON, type PasskeyAssertion, type PasskeyRequestOptionsJSON } from './passkey.js'
import type { StepUpMethodCatalog } from '../methods/catalog.js'
import type { CodeMethodName, CredentialMethodName, FetchLike, HeadersLike, StepUpErrorCode, StepUpMethodName } from './types.js'

/** A method the logged-in user can use now, as `GET /step-up/methods` lists it. */
export interface AvailableMethod {
  method: StepUpMethodName
  /** Email and SMS: where a code can go. Send `id` back as `destinationId`. */
  destinations?: Array<{ id: string, masked: string }>
  /** Security questions: the questions to answer (never the answers). */
  questions?: Array<{ id: string, question: string }>
}

/** The action a step-up is for; its data is shown in the message and hashed into the token. */
export interface StepUpActionInput {
  name: string
  data?: Record<string, string | number | boolean | null>
}

/** `POST /<method>/send`: where the code went and for how long it works. */
export interface SentCode {
  challengeId: string
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds before another code may be sent to the same place. */
  resendIn: number
  /** Where the code went, masked. */
  destination: string
  /**
   * For a step-up for an action: what the person approves ("Approve payment of 120.00 EUR to ACME
   * Ltd"), as the message they receive words it. Plain text: show it with `textContent`, never as HTML.
   */
  summary?: string
}

/** `POST /passkey/options`: the challenge to answer, and the options for `navigator.credentials.get()`. */
export interface PasskeyChallenge {
  challengeId: string
  /** Seconds the challenge stays valid. */
  expiresIn: number
  /** `PublicKeyCredentialRequestOptionsJSON`: decode it (`passkeyRequestOptions`) before `navigator.credentials.get()`. */
  options: PasskeyRequestOptionsJSON
  /**
   * For a step-up for an action: what the person approves, which the challenge names. Show it (as
   * text) before the browser's prompt: the prompt itself says nothing of the transaction.
   */
  summary?: string
}

/** A second-factor token, to send in the step-up header. */
export interface IssuedToken {
  token: string
  /** Seconds until it expires. */
  expiresIn: number
}

type CatalogBodies = { [Method in CredentialMethodName]: StepUpMethodCatalog[Method]['body'] }

/** The body each method checked in one request takes (from the catalog). */
export interface CredentialBodies extends CatalogBodies {}

/** A refusal from a step-up route, or a reply that is not one of the plugin's. */
export class StepUpClientError extends Error {
  override readonly name = 'StepUpClientError'
  /** The FST_STEP_UP_* code; undefined when the reply was not the plugin's (a proxy's 502 page, a 500). */
  readonly code: StepUpErrorCode | undefined
  readonly statusCode: number
  /** Seconds to wait before trying again (the Retry-After of a 429), when the server said. */
  readonly retryAfter: number | undefined
  /** The parsed JSON body, or undefined when the reply had none. */
  readonly body: unknown

  constructor (message: string, details: { code?: StepUpErrorCode | undefined, statusCode: number, retryAfter?: number | undefined, body?: unknown }) {
    super(message)
    this.code = details.code
    this.statusCode = details.statusCode
    this.retryAfter = details.retryAfter
    this.body = details.body
  }
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function retryAfterSeconds (value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed)
  // Every HTTP date names its month; Date.parse would read a bare "-5" as a year.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

async function errorFrom (response: Response): Promise<StepUpClientError> {
  let body: unknown
  try {
    body = await response.json()
  } catch {}
  const fields = body !== null && typeof body === 'object' ? body as { code?: unknown, message?: unknown } : {}
  const code = typeof fields.code === 'string' && fields.code.startsWith('FST_STEP_UP_') ? fields.code as StepUpErrorCode : undefined
  const message = code && typeof fields.message === 'string' ? fields.message : `Unexpected reply from the step-up route: HTTP ${response.status}`
  return new StepUpClientError(message, {
    code,
    statusCode: response.status,
    retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
    body
  })
}

export interface StepUpClientOptions {
  /** Where the step-up routes are (the plugin's `prefix`). Default `'/step-up'`, on the page's origin. */
  baseUrl?: string
  /** Default: the global `fetch`. Pass one that adds credentials if your login needs more than cookies. */
  fetch?: FetchLike
  /** Sent with every call: the login credentials the app uses (`authorization`), or a function that gives them now. */
  headers?: HeadersLike | (() => HeadersLike | Promise<HeadersLike>)
  /**
   * Runs a step-up when a factor change is refused with a step-up challenge; the change is then
   * sent again, once, with its token. Without it (and without a call's own), the refusal rejects.
   */
  prompt?: StepUpPrompt
  /** The header a change's token goes in (the plugin's `tokenHeader`). Default `'x-step-up-token'`. */
  tokenHeader?: string
}

export interface StepUpClient extends FactorCalls {
  /** The methods the logged-in user can use now. */
  methods (): Promise<AvailableMethod[]>
  /** Sends a code to an address or phone on the profile, named by value or by its `destinationId`. */
  send (method: CodeMethodName, destination: string | { destinationId: string }, action?: StepUpActionInput): Promise<SentCode>
  /**
   * Checks a code that `send` sent. With `action`, the server refuses (FST_STEP_UP_ACTION_MISMATCH)
   * and spends the code if it was sent for another action or other data.
   */
  verify (method: CodeMethodName, challengeId: string, code: string, action?: StepUpActionInput): Promise<IssuedToken>
  /** Checks a method that needs nothing sent first (authenticator app, backup code, password, PIN, questions). */
  verifyCredential<M extends CredentialMethodName> (method: M, body: CredentialBodies[M] & { action?: StepUpActionInput }): Promise<IssuedToken>
  /** Starts a passkey step-up: a single-use challenge and the WebAuthn request options. */
  passkeyOptions (action?: StepUpActionInput): Promise<PasskeyChallenge>
  /**
   * Checks what `navigator.credentials.get()` gave (a `PublicKeyCredential`, or its JSON) for that
   * challenge; with `action`, as `verify` does.
   */
  verifyPasskey (challengeId: string, credential: PasskeyAssertion | object, action?: StepUpActionInput): Promise<IssuedToken>
}

export function createStepUpClient (options: StepUpClientOptions = {}): StepUpClient {
  const base = (options.baseUrl ?? '/step-up').replace(/\/+$/, '')
  // Called as a plain function, never as a method of `options`: a browser's fetch refuses another `this`.
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init))
  const given = options.headers

  const tokenHeader = options.tokenHeader ?? 'x-step-up-token'

  /** A call; a factor change (`change` not false) carries its token and answers a step-up challenge with the prompt. */
  async function call<T> (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object, change: FactorChangeOptions | false = false): Promise<T> {
    const headers = new Headers(typeof given === 'function' ? await given() : given)
    headers.set('accept', 'application/json')
    if (body) headers.set('content-type', 'application/json')
    let send = fetcher
    if (change) {
      if (change.token) headers.set(tokenHeader, change.token)
      const prompt = change.prompt ?? options.prompt
      if (prompt) send = createStepUpFetch({ prompt, fetch: fetcher, header: tokenHeader })
    }
    const response = await send(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) })
    if (!response.ok) throw await errorFrom(response)
    try {
      return await response.json() as T
    } catch {
      throw new StepUpClientError(`Unexpected reply from the step-up route: HTTP ${response.status} without JSON`, { statusCode: response.status })
    }
  }

  return {
    ...factorCalls(call),
    async methods () {
      return (await call<{ methods: AvailableMethod[] }>('GET', '/methods')).methods
    },
    send (method, destination, action) {
      const target = typeof destination === 'string' ? { [DESTINATION_FIELD[method]]: destination } : { destinationId: destination.destinationId }
      return call('POST', `/${method}/send`, { ...target, ...(action ? { action } : {}) })
    },
    verify (method, challengeId, code, action) {
      return call('POST', `/${method}/verify`, { challengeId, code, ...(action ? { action } : {}) })
    },
    verifyCredential (method, body) {
      return call('POST', `/${method}/verify`, body)
    },
    passkeyOptions (action) {
      return call('POST', '/passkey/options', action ? { action } : {})
    },
    verifyPasskey (challengeId, credential, action) {
      // A PublicKeyCredential has bytes (rawId); JSON someone made already has strings.
      const response = 'rawId' in credential && typeof credential.rawId !== 'string' ? passkeyAssertionJSON(credential as PasskeyAssertion) : credential
      return call('POST', '/passkey/verify', { challengeId, response, ...(action ? { action } : {}) })
    }
  }
}
