// What an OpenAPI document (@fastify/swagger) says about step-up errors and guarded routes, framework
// neutral: the error responses of a route from the codes it can answer with, and what a route guarded
// by a requirement adds (its 401 challenge, the step-up token as a security requirement, `x-step-up`).
// Documentation only: nothing here runs per request.
import { STATUS_CODES } from 'node:http'
import type { ResolvedRequirement } from '../core/policy.js'
import * as errors from '../errors.js'
import type { StepUpErrorCode } from '../errors.js'
import type { StepUpMethod } from '../types.js'
import { BODY_LIMIT } from './body.js'
import { challengeHeader } from './challenge.js'

/** The tag of the plugin's own routes in an OpenAPI document. */
export const OPENAPI_TAG = 'step-up'

/** The name of the security scheme a guarded route requires: the step-up token header. */
export const STEP_UP_SECURITY_SCHEME = 'stepUpToken' satisfies keyof ReturnType<typeof stepUpSecuritySchemes>

/**
 * The `components.securitySchemes` entry a guarded route's `security` names, for the app's swagger
 * options: `openapi: { components: { securitySchemes: { ...stepUpSecuritySchemes() } } }`. Give it
 * the plugin's `tokenHeader` when you changed it.
 */
export function stepUpSecuritySchemes (tokenHeader = 'x-step-up-token'): { stepUpToken: { type: 'apiKey', in: 'header', name: string, description: string } } {
  return {
    stepUpToken: {
      type: 'apiKey',
      in: 'header',
      name: tokenHeader,
      description: 'A step-up token from one of the step-up verify routes (RFC 9470 step-up). A route without one, or with one that does not satisfy it, answers 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`.'
    }
  }
}

/** The error body every error status of the plugin's routes shares; registered once per plugin instance. */
export const errorSchema = {
  $id: 'FastifyStepUpError',
  type: 'object',
  // `code` is not required: another plugin's error on these routes (@fastify/rate-limit's 429) may
  // have none, and a schema that requires it turns that error into a 500 at serialization.
  description: 'An error. `code` is stable (FST_STEP_UP_*; an error of another plugin, such as a rate limiter, may have none); `message` is for people.',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' }
  },
  required: ['statusCode', 'message']
} as const

const ERROR_REF = `${errorSchema.$id}#`

/** When each code is the answer, in a response description's words. */
const WHEN: Record<StepUpErrorCode, string> = {
  FST_STEP_UP_UNAUTHENTICATED: 'nobody is logged in (`getUser` found no user); the reply has a bare `WWW-Authenticate: Bearer`.',
  FST_STEP_UP_INVALID_REQUEST: 'the body is not valid JSON or does not match the schema.',
  FST_STEP_UP_METHOD_UNAVAILABLE: 'the user cannot use this method: no usable destination, or the factor is not enrolled.',
  FST_STEP_UP_DESTINATION_NOT_ALLOWED: 'the address or `destinationId` is not on this user\'s profile.',
  FST_STEP_UP_RESEND_TOO_SOON: 'a code went to this destination moments ago.',
  FST_STEP_UP_SEND_LIMIT: 'the user reached the limit of codes (or passkey challenges) in the window.',
  FST_STEP_UP_VERIFY_LIMIT: 'the user reached the limit of step-ups with a password, PIN or security questions in the window; nothing was checked.',
  FST_STEP_UP_LOCKED: 'step-up is locked for this user after too many failures (the failure that locks it answers this too).',
  FST_STEP_UP_CHALLENGE_NOT_FOUND: 'no such challenge for this user, session and method.',
  FST_STEP_UP_CODE_INVALID: 'the code is wrong, with guesses left.',
  FST_STEP_UP_CREDENTIAL_INVALID: 'the password, PIN or answers are wrong (the message says which).',
  FST_STEP_UP_CODE_EXPIRED: 'the challenge has expired; start a new one.',
  FST_STEP_UP_CODE_USED: 'the challenge was already answered, or an authenticator code of a time step already used (or of an earlier one).',
  FST_STEP_UP_ATTEMPTS_EXHAUSTED: 'the last allowed guess was wrong, or the challenge has none left; ask for a new code.',
  FST_STEP_UP_PASSKEY_INVALID: 'the passkey assertion did not verify (the message ends with the reason).',
  FST_STEP_UP_TOKEN_MISSING: 'no step-up token in the header.',
  FST_STEP_UP_TOKEN_INVALID: 'the token is malformed or badly signed, or another user\'s or session\'s.',
  FST_STEP_UP_TOKEN_EXPIRED: 'the token has expired.',
  FST_STEP_UP_TOKEN_USED: 'this single-use route saw this token before.',
  FST_STEP_UP_INSUFFICIENT: 'the token is valid but older than the route\'s `maxAge`, below its level, not phishing-resistant enough, from a method it does not accept, or made for another action or other data.',
  FST_STEP_UP_SEND_FAILED: 'the mail transport or the SMS gateway refused the message; no usable challenge is left behind.',
  FST_STEP_UP_STORE_UNAVAILABLE: 'the store failed or is full; nothing was decided.',
  FST_STEP_UP_FACTOR_NOT_FOUND: 'no such factor on this account.',
  FST_STEP_UP_FACTOR_LIMIT: 'the account has as many factors of this kind as it may have; remove one first.',
  FST_STEP_UP_FACTOR_BUSY: 'another change to this account\'s factors is in progress; try again shortly.',
  FST_STEP_UP_ACTION_MISMATCH: 'the `action` sent differs from the one the challenge was started for; the challenge is spent.'
}

/** A body refused for its size or type is FST_STEP_UP_INVALID_REQUEST too, with the status HTTP gives it. */
const BODY_REFUSALS: ReadonlyArray<readonly [number, string]> = [
  [413, `the body is larger than ${BODY_LIMIT / 1024} KiB.`],
  [415, 'the body is not `application/json`.']
]

/** The status a code answers with, from its constructor in lib/errors.ts, so the two cannot drift apart. */
export function statusOf (code: StepUpErrorCode): number {
  const Constructor = errors[code] as unknown as new () => { statusCode: number }
  return new Constructor().statusCode
}

/** A response description: what the status means, then each code it carries and when. */
function described (status: number, lines: readonly string[], lead = `${STATUS_CODES[status]}.`): string {
  return [lead, '', ...lines].join('\n')
}

const line = (code: StepUpErrorCode, when = WHEN[code]): string => `- \`${code}\`: ${when}`

const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again.' } }
const BARE_BEARER = { 'www-authenticate': { type: 'string', description: '`Bearer` when nobody is logged in (RFC 9110 asks every 401 to name a scheme).' } }

/**
 * The error responses of a route that can answer with `codes`: one per status, sharing the error
 * body's schema, each described by its codes. FST_STEP_UP_INVALID_REQUEST is a body's refusal, so
 * it brings 413 and 415 with it.
 */
export function errorResponses (codes: readonly StepUpErrorCode[]): Record<number, object> {
  const lines = new Map<number, string[]>()
  const add = (status: number, text: string): void => { lines.set(status, [...lines.get(status) ?? [], text]) }
  for (const code of codes) {
    add(statusOf(code), line(code))
    if (code === 'FST_STEP_UP_INVALID_REQUEST') for (const [status, when] of BODY_REFUSALS) add(status, line(code, when))
  }
  const responses: Record<number, object> = {}
  for (const [status, texts] of lines) {
    const headers = status === 429 ? RETRY_AFTER : codes.includes('FST_STEP_UP_UNAUTHENTICATED') && status === 401 ? BARE_BEARER : undefined
    responses[status] = {
      $ref: ERROR_REF,
      description: described(status, texts, status === 429 ? 'Too Many Requests; `Retry-After` says when to try again.' : undefined),
      ...(headers ? { headers } : {})
    }
  }
  return responses
}

/** What would satisfy a guarded route, as the 401 body's `stepUp` carries it (properties in its order). */
export const stepUpHint = {
  type: 'object',
  description: 'What would satisfy the route, for this user.',
  // A property added to the hint later must not be dropped by a serializer compiled from this schema.
  additionalProperties: true,
  properties: {
    methods: { type: 'array', items: { type: 'string' }, description: 'The methods this user has that the route accepts; empty: the user cannot step up.' },
    maxAge: { type: 'integer', description: 'Seconds since the step-up that the route accepts.' },
    level: { type: 'string', description: 'The level the route asks for.' },
    acrValues: { type: 'array', items: { type: 'string' }, description: 'The acr values that satisfy the level and the phishing resistance asked, the preferred first.' },
    phishingResistant: { type: ['boolean', 'string'], enum: [true, 'hardware'], description: 'A passkey is needed (`true`), or a device-bound one (`"hardware"`).' },
    action: { type: 'string', description: 'The action the step-up must be made for.' }
  }
} as const

/**
 * The body of a step-up 401: the error, with the hint for a token problem. It keeps whatever else
 * a route's own 401 replies carry, since this schema serializes them too.
 */
export const challengeBody = {
  type: 'object',
  additionalProperties: true,
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    stepUp: stepUpHint
  }
} as const

/** A guarded route's requirement, as its `x-step-up` extension says it; maxAge in seconds, as in the 401 hint. */
export interface StepUpExtension {
  methods: StepUpMethod[]
  maxAge: number
  level?: string
  /** Only a passkey's step-up (`true`), or a device-bound passkey's (`'hardware'`). */
  phishingResistant?: true | 'hardware'
  action?: string
  /** The step-up must be made for the request's key fields (`actionData`): send them as the action's `data`. */
  actionData?: true
  singleUse: boolean
}

export function stepUpExtension (requirement: ResolvedRequirement, enabledMethods: readonly StepUpMethod[]): StepUpExtension {
  return {
    methods: [...requirement.methods ?? enabledMethods],
    maxAge: Math.floor(requirement.maxAgeMs / 1000),
    ...(requirement.level === undefined ? {} : { level: requirement.level }),
    ...(requirement.phishingResistant === undefined ? {} : { phishingResistant: requirement.phishingResistant }),
    ...(requirement.action === undefined ? {} : { action: requirement.action }),
    ...(requirement.actionData === undefined ? {} : { actionData: true as const }),
    singleUse: requirement.singleUse
  }
}

/** What a guarded route's schema gains; `security` and the responses the route declares itself are the caller's to merge. */
export interface GuardedRouteDocs {
  /** One requirement as an object; several guards on one route (all must pass) as an array. */
  extension: StepUpExtension | StepUpExtension[]
  responses: Record<number, object>
}

/**
 * The documentation of a route behind guards with these requirements (at least one): a 401 with the
 * RFC 9470 challenge header and the JSON hint, and a 503 when a single-use token must be spent in
 * the store. Requirements that read the same are documented once.
 */
export function guardedRouteDocs (requirements: readonly ResolvedRequirement[], enabledMethods: readonly StepUpMethod[], tokenHeader: string): GuardedRouteDocs {
  const byText = new Map<string, { extension: StepUpExtension, requirement: ResolvedRequirement }>()
  for (const requirement of requirements) {
    const extension = stepUpExtension(requirement, enabledMethods)
    byText.set(JSON.stringify(extension), { extension, requirement })
  }
  const distinct = [...byText.values()]
  const singleUse = distinct.some(({ requirement }) => requirement.singleUse)
  const codes: StepUpErrorCode[] = [
    'FST_STEP_UP_TOKEN_MISSING', 'FST_STEP_UP_TOKEN_INVALID', 'FST_STEP_UP_TOKEN_EXPIRED', 'FST_STEP_UP_INSUFFICIENT',
    ...(singleUse ? ['FST_STEP_UP_TOKEN_USED' as const] : []),
    'FST_STEP_UP_UNAUTHENTICATED'
  ]
  const message = new errors.FST_STEP_UP_TOKEN_MISSING().message
  const challenges = distinct.map(({ requirement }) => {
    const maxAge = Math.floor(requirement.maxAgeMs / 1000)
    return `\`${challengeHeader(message, maxAge, requirement.acrValues)}\``
  })
  const responses: Record<number, object> = {
    401: {
      // @fastify/swagger's key for a response's description, so the body's schema keeps its own.
      'x-response-description': described(401, codes.map((code) => line(code)),
        `Unauthorized: the request needs a step-up token in the \`${tokenHeader}\` header that satisfies the route (\`x-step-up\`). ` +
        'For a token problem, `WWW-Authenticate` is an RFC 9470 challenge and the body\'s `stepUp` says what would satisfy the route.'),
      headers: {
        'www-authenticate': {
          type: 'string',
          description: `For a token problem (RFC 9470), with the \`error_description\` of the reply's message: ${challenges.join(' or ')}. \`Bearer\` alone when nobody is logged in.`
        }
      },
      description: 'The error; `stepUp` for a token problem.',
      ...challengeBody
    }
  }
  if (singleUse) {
    responses[503] = {
      'x-response-description': described(503, [line('FST_STEP_UP_STORE_UNAVAILABLE', 'the store could not spend the single-use token; nothing was decided.')]),
      description: errorSchema.description,
      type: 'object',
      additionalProperties: true,
      properties: errorSchema.properties
    }
  }
  const extensions = distinct.map(({ extension }) => extension)
  return { extension: extensions.length === 1 ? extensions[0]! : extensions, responses }
}
