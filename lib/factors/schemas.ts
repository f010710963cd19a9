// JSON schemas of the factor routes: validation, serialization and their OpenAPI description, as
// for the plugin's other routes. Bodies refuse unknown properties and bound every string. No reply
// schema has a field for a secret or hash, except the two replies that hand one out once (a new
// authenticator app's secret, a new set of backup codes).
import type { StepUpErrorCode } from '../errors.js'
import { challengeBody, errorResponses, OPENAPI_TAG, stepUpHint } from '../http/openapi.js'
import type { RouteSchema } from '../http/routes.js'
import { base64url, credentialSchema } from '../methods/passkey/schema.js'
import { LABEL_SCHEMA, PIN_SCHEMA } from './input.js'

const factor = {
  type: 'object',
  description: 'A factor of the user. Never its secret or hash.',
  properties: {
    id: { type: 'string', description: 'Opaque; `DELETE /factors/{id}` removes it.' },
    kind: { type: 'string', enum: ['totp', 'passkey', 'backup-codes', 'pin'] },
    label: { type: 'string', description: 'Plain text: escape it where you show it.' },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time', description: 'The last step-up with it; null when never.' },
    remaining: { type: 'integer', description: 'Backup codes: how many are left.' },
    deviceType: { type: 'string', description: 'Passkeys: `multiDevice` (synced) or `singleDevice`.' },
    backedUp: { type: 'boolean', description: 'Passkeys: whether a synced passkey is backed up now.' },
    transports: { type: 'array', items: { type: 'string' }, description: 'Passkeys: how the browser reaches the authenticator.' }
  }
} as const

const factorReply = { type: 'object', properties: { factor } } as const

/** The 401 of a change: the RFC 9470 challenge, and the JSON hint of what would satisfy it. */
const changeRefused = {
  description: [
    'Unauthorized: a change needs a step-up token (the plugin\'s token header) of this session, recent enough, made with a method',
    'at least as strong as the user\'s strongest factor, not used for a change before. `WWW-Authenticate` is an RFC 9470',
    'challenge and `stepUp` says which of the user\'s methods would do. `FST_STEP_UP_UNAUTHENTICATED` (a bare `Bearer`) when nobody is logged in.',
    '',
    '- `FST_STEP_UP_TOKEN_MISSING`, `FST_STEP_UP_TOKEN_INVALID`, `FST_STEP_UP_TOKEN_EXPIRED`, `FST_STEP_UP_INSUFFICIENT`, `FST_STEP_UP_TOKEN_USED`, `FST_STEP_UP_UNAUTHENTICATED`'
  ].join('\n'),
  headers: { 'www-authenticate': { type: 'string', description: 'RFC 9470: `Bearer error="insufficient_user_authentication", error_description="...", max_age="300"`.' } },
  ...challengeBody
} as const

/** What a route's schema is made of here: no tags (added below) and no error responses (from `errors`). */
interface Definition {
  summary: string
  operationId: string
  description: string
  body?: object
  response: Record<number, object>
}

/**
 * The complete schema: tagged like the plugin's other routes, with an error response for each code
 * it can answer with, and a change's 401 when it needs a change token.
 */
function route (definition: Definition, errors: readonly StepUpErrorCode[], change: boolean): RouteSchema {
  const codes: StepUpErrorCode[] = [
    ...(definition.body ? ['FST_STEP_UP_INVALID_REQUEST' as const] : []),
    'FST_STEP_UP_UNAUTHENTICATED',
    ...errors,
    'FST_STEP_UP_STORE_UNAVAILABLE'
  ]
  const response: Record<number, object> = { ...definition.response, ...errorResponses(codes) }
  if (change) response[401] = changeRefused
  return { ...definition, tags: [OPENAPI_TAG], response }
}

const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const

export const listFactorsSchema = route({
  summary: 'List the user\'s factors',
  operationId: 'stepUpListFactors',
  description: 'The user\'s factors (never a secret or hash), the masked destinations codes can go to, the kinds that can be added and how many of each, and what a change needs now.',
  response: {
    200: {
      description: 'The factors, newest last as the storage lists them.',
      type: 'object',
      properties: {
        factors: { type: 'array', items: factor },
        destinations: {
          type: 'array',
          description: 'Where email and SMS codes can go (from the profile): masked, with the id `destinationId` takes.',
          items: { type: 'object', properties: { method: { type: 'string' }, id: { type: 'string' }, masked: { type: 'string' } } }
        },
        kinds: {
          type: 'array',
          description: 'The kinds that can be enrolled here, and how many of each a user may have.',
          items: { type: 'object', properties: { kind: { type: 'string' }, max: { type: 'integer' } } }
        },
        change: { ...stepUpHint, description: 'What a change needs now: a step-up with one of `methods`, at most `maxAge` seconds old.' }
      }
    }
  }
}, [], false)

export const startTotpSchema = route({
  summary: 'Start adding an authenticator app',
  operationId: 'stepUpStartTotpEnrollment',
  description: 'A new secret for an authenticator app, as a QR code, an otpauth:// URI and a key to type, for this session only; it replaces one started before in this session. Shown once, never again. It is not a factor until `POST /factors/totp/confirm`, and expires.',
  body: emptyBody,
  response: {
    200: {
      description: 'The pending authenticator app. Show it, then ask for its first code.',
      type: 'object',
      properties: {
        secret: { type: 'string', description: 'The base32 secret.' },
        manualEntryKey: { type: 'string', description: 'The secret in groups of four, for typing.' },
        uri: { type: 'string', description: 'The otpauth:// URI (Key URI Format).' },
        qrCode: { type: 'string', description: 'The URI as a QR code: a PNG data: URL.' },
        algorithm: { type: 'string' },
        digits: { type: 'integer' },
        period: { type: 'integer' },
        expiresIn: { type: 'integer', description: 'Seconds left to confirm it.' }
      }
    }
  }
}, ['FST_STEP_UP_FACTOR_LIMIT', 'FST_STEP_UP_SEND_LIMIT'], false)

export const confirmTotpSchema = route({
  summary: 'Finish adding an authenticator app with its first code',
  operationId: 'stepUpConfirmTotpEnrollment',
  description: 'Checks the first code of this session\'s pending authenticator app (counted toward the lockout) and, with a change token, saves it as a factor.',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['code'],
    properties: { code: { type: 'string', pattern: '^[0-9]{6,8}$' }, label: LABEL_SCHEMA }
  },
  response: { 200: { ...factorReply, description: 'The new factor.' } }
}, [
  'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'FST_STEP_UP_CODE_EXPIRED', 'FST_STEP_UP_CODE_USED', 'FST_STEP_UP_CODE_INVALID',
  'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'FST_STEP_UP_LOCKED', 'FST_STEP_UP_FACTOR_LIMIT', 'FST_STEP_UP_FACTOR_BUSY'
], true)

export const passkeyOptionsSchema = route({
  summary: 'Start registering a passkey',
  operationId: 'stepUpPasskeyRegistrationOptions',
  description: 'A single-use challenge and the WebAuthn creation options (user verification required; the user\'s passkeys excluded) for navigator.credentials.create().',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { authenticatorAttachment: { enum: ['platform', 'cross-platform'] } }
  },
  response: {
    200: {
      description: 'The challenge, and the options to answer it with.',
      type: 'object',
      properties: {
        challengeId: { type: 'string', description: 'Send it back with the answer.' },
        expiresIn: { type: 'integer', description: 'Seconds the challenge stays valid.' },
        options: { type: 'object', additionalProperties: true, description: 'PublicKeyCredentialCreationOptionsJSON (WebAuthn).' }
      }
    }
  }
}, ['FST_STEP_UP_FACTOR_LIMIT', 'FST_STEP_UP_SEND_LIMIT'], false)

/** A registration as the browser's `PublicKeyCredential.toJSON()` (or @simplewebauthn/browser) gives it. */
const registrationSchema = credentialSchema({
  type: 'object',
  additionalProperties: false,
  required: ['clientDataJSON', 'attestationObject'],
  properties: {
    clientDataJSON: base64url(4096),
    attestationObject: base64url(8192),
    authenticatorData: base64url(4096),
    transports: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 32 } },
    publicKeyAlgorithm: { type: 'integer' },
    publicKey: base64url(4096)
  }
})

export const registerPasskeySchema = route({
  summary: 'Finish registering a passkey',
  operationId: 'stepUpRegisterPasskey',
  description: 'Checks the browser\'s registration for the challenge (counted toward the lockout; a credential registered to anyone already is refused) and, with a change token, saves it as a factor.',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['challengeId', 'response'],
    properties: { challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' }, response: registrationSchema, label: LABEL_SCHEMA }
  },
  response: { 200: { ...factorReply, description: 'The new factor.' } }
}, [
  'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'FST_STEP_UP_CODE_EXPIRED', 'FST_STEP_UP_CODE_USED', 'FST_STEP_UP_PASSKEY_INVALID',
  'FST_STEP_UP_LOCKED', 'FST_STEP_UP_FACTOR_LIMIT', 'FST_STEP_UP_FACTOR_BUSY'
], true)

export const renewBackupCodesSchema = route({
  summary: 'Make a new set of backup codes',
  operationId: 'stepUpRenewBackupCodes',
  description: 'A new set of backup codes, replacing the old set in one step. The codes are in this reply only: they are stored as hashes.',
  body: emptyBody,
  response: {
    200: {
      description: 'The new set, and its codes (shown once).',
      type: 'object',
      properties: { factor, codes: { type: 'array', items: { type: 'string' } } }
    }
  }
}, ['FST_STEP_UP_FACTOR_BUSY'], true)

export const setPinSchema = route({
  summary: 'Set or change the PIN',
  operationId: 'stepUpSetPin',
  description: 'Sets the PIN, replacing the old one in one step. One digit repeated or a run (1234, 9876) is refused.',
  body: { type: 'object', additionalProperties: false, required: ['pin'], properties: { pin: PIN_SCHEMA } },
  response: { 200: { ...factorReply, description: 'The PIN factor.' } }
}, ['FST_STEP_UP_FACTOR_BUSY'], true)

export const removeFactorSchema = route({
  summary: 'Remove a factor',
  operationId: 'stepUpRemoveFactor',
  description: 'Removes one of the user\'s factors; it stops working at once.',
  response: { 200: { ...factorReply, description: 'The factor removed.' } }
}, ['FST_STEP_UP_FACTOR_NOT_FOUND', 'FST_STEP_UP_FACTOR_BUSY'], true)
