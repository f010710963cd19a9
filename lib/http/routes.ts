// The step-up routes, described once for every adapter: path, schema, status, the errors each can
// answer with, and what each does with the engine. Adapters only read the request and write the reply.
import type { IncomingHttpHeaders } from 'node:http'
import type { ActionInput, Audit, StepUpEngine } from '../core/engine.js'
import type { KeyRing } from '../core/keys.js'
import { FST_STEP_UP_INVALID_REQUEST, isStepUpError, type StepUpError, type StepUpErrorCode } from '../errors.js'
import { factorRoutes } from '../factors/routes.js'
import { descriptorOf } from '../methods/registry.js'
import type { StepUpRequirement, StepUpUser } from '../types.js'
import { errorResponses, OPENAPI_TAG } from './openapi.js'
import { requestDetails } from './request.js'
import {
  ceremonyAnswerSchema,
  ceremonyOptionsSchema,
  checkSchema,
  jwksSchema,
  methodsSchema,
  sendSchema,
  tokenVerifySchema,
  verifySchema
} from './schemas.js'

/** A route's schema: validation (`body`), serialization (`response`) and its OpenAPI description. */
export interface RouteSchema {
  summary: string
  operationId: string
  description: string
  tags: string[]
  body?: object
  response: Record<number, object>
}

/** What a route may read of the request besides its body; Fastify's request and Express's both fit. */
export interface RouteRequest {
  /** The URL's parameters (`:id`). */
  params: unknown
  headers: IncomingHttpHeaders
  /** The client's address, as the framework sees it (behind a proxy: as its trust settings say). */
  ip?: string | undefined
}

export interface StepUpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Below the plugin's prefix. */
  url: string
  schema: RouteSchema
  /** The status of a successful reply. */
  status: 200 | 202
  /** Whether the route needs a logged-in user (all but the public key set). */
  authenticated: boolean
  /** Headers of a successful reply: `Cache-Control: no-store` on one that hands out a secret. */
  headers?: Record<string, string>
  /**
   * Runs with a body that passed the schema, for a logged-in user when `authenticated`. `request`
   * is the framework's request (its params and headers); without it a change route finds no token
   * and refuses (401).
   */
  handle (user: StepUpUser | undefined, body: Record<string, any>, audit: Audit, request: RouteRequest): Promise<unknown>
}

/** A route as written below: its schema without the error responses, and the engine's errors it can answer with. */
interface RouteDefinition extends Omit<StepUpRoute, 'schema'> {
  schema: Omit<RouteSchema, 'tags'>
  /** What the engine can refuse with; a body's refusal and the login's come from `schema.body` and `authenticated`. */
  errors: readonly StepUpErrorCode[]
}

/**
 * The route with its error responses: each code it can answer with, described under its status. A
 * route with a body refuses a bad one; a route for a logged-in user refuses nobody.
 */
function documented ({ errors, ...route }: RouteDefinition): StepUpRoute {
  const codes: StepUpErrorCode[] = [
    ...(route.schema.body ? ['FST_STEP_UP_INVALID_REQUEST' as const] : []),
    ...(route.authenticated ? ['FST_STEP_UP_UNAUTHENTICATED' as const] : []),
    ...errors
  ]
  return { ...route, schema: { ...route.schema, tags: [OPENAPI_TAG], response: { ...route.schema.response, ...errorResponses(codes) } } }
}

/** The requirement a back end may pass to `POST /token/verify`; maxAge in seconds, as in the 401 hint. */
interface RequirementBody {
  maxAge?: number
  methods?: StepUpRequirement['methods']
  level?: string
  action?: string
}

/**
 * A requirement from a request body: what the schema cannot see (a level none of the given methods
 * reaches) is still the client's mistake, so it is a 400, never a configuration error.
 */
function resolveGiven<T> (resolve: () => T): T {
  try {
    return resolve()
  } catch (err) {
    // Only option errors come out of resolveRequirement for a body the schema passed (its maxAge is
    // bounded, so no duration error); anything else must stay an error.
    /* c8 ignore next */
    if ((err as { code?: unknown }).code !== 'FST_STEP_UP_OPTION_INVALID') throw err
    throw new FST_STEP_UP_INVALID_REQUEST(`requirement: ${(err as Error).message}`)
  }
}

/** The routes of an engine; with key pairs, the public key set too. */
export function stepUpRoutes (engine: StepUpEngine, keys: KeyRing | undefined): StepUpRoute[] {
  const levels = engine.levels
  const store = 'FST_STEP_UP_STORE_UNAVAILABLE'
  const locked = 'FST_STEP_UP_LOCKED'
  const routes: RouteDefinition[] = [{
    method: 'GET',
    url: '/methods',
    schema: methodsSchema,
    status: 200,
    authenticated: true,
    // Asks the methods' own callbacks only: no store, no refusal of its own.
    errors: [],
    async handle (user, _body, audit) {
      return { methods: await engine.availableMethods(user!, audit) }
    }
  }]

  for (const module of engine.methods) {
    const { method } = module
    if (module.kind === 'check') {
      routes.push({
        method: 'POST',
        url: `/${method}/verify`,
        schema: checkSchema(method, module.body),
        status: 200,
        authenticated: true,
        errors: [
          'FST_STEP_UP_METHOD_UNAVAILABLE',
          (module.wrong() as StepUpError).code,
          ...descriptorOf(method).verifyErrors,
          locked,
          ...(module.knowledge ? ['FST_STEP_UP_VERIFY_LIMIT' as const] : []),
          store
        ],
        async handle (user, { action, ...body }, audit, request) {
          const { token, expiresIn } = await engine.verifyCredential(method, user!, body, { audit, action: action as ActionInput | undefined, ...requestDetails(request) })
          return { token, expiresIn }
        }
      })
      continue
    }
    if (module.kind === 'ceremony') {
      routes.push({
        method: 'POST',
        url: `/${method}/options`,
        schema: ceremonyOptionsSchema(method),
        status: 200,
        authenticated: true,
        errors: ['FST_STEP_UP_METHOD_UNAVAILABLE', locked, 'FST_STEP_UP_SEND_LIMIT', store],
        async handle (user, body, audit, request) {
          // The language is the summary's, when the ceremony is for an action.
          return engine.beginCeremony(method, user!, { audit, action: body.action, ...requestDetails(request) })
        }
      }, {
        method: 'POST',
        url: `/${method}/verify`,
        schema: ceremonyAnswerSchema(method, module.answer),
        status: 200,
        authenticated: true,
        errors: [
          'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'FST_STEP_UP_CODE_EXPIRED', 'FST_STEP_UP_CODE_USED',
          ...descriptorOf(method).verifyErrors, 'FST_STEP_UP_ACTION_MISMATCH', locked, store
        ],
        async handle (user, body, audit, request) {
          const { token, expiresIn } = await engine.verifyCeremony(method, user!, body.challengeId, body.response, { audit, action: body.action, ...requestDetails(request) })
          return { token, expiresIn }
        }
      })
      continue
    }
    const { field } = module
    routes.push({
      method: 'POST',
      url: `/${method}/send`,
      schema: sendSchema(method, field, module.fieldSchema),
      status: 202,
      authenticated: true,
      errors: [
        'FST_STEP_UP_DESTINATION_NOT_ALLOWED', 'FST_STEP_UP_METHOD_UNAVAILABLE', locked,
        'FST_STEP_UP_RESEND_TOO_SOON', 'FST_STEP_UP_SEND_LIMIT', 'FST_STEP_UP_SEND_FAILED', store
      ],
      async handle (user, body, audit, request) {
        return engine.startChallenge(method, user!, { destination: body[field], destinationId: body.destinationId }, { audit, action: body.action, ...requestDetails(request) })
      }
    }, {
      method: 'POST',
      url: `/${method}/verify`,
      schema: verifySchema(method),
      status: 200,
      authenticated: true,
      errors: [
        'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_CODE_EXPIRED', 'FST_STEP_UP_CODE_USED', 'FST_STEP_UP_ATTEMPTS_EXHAUSTED',
        'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'FST_STEP_UP_ACTION_MISMATCH', locked, store
      ],
      async handle (user, body, audit, request) {
        const { token, expiresIn } = await engine.verifyChallenge(method, user!, body.challengeId, body.code, { audit, action: body.action, ...requestDetails(request) })
        return { token, expiresIn }
      }
    })
  }

  routes.push({
    method: 'POST',
    url: '/token/verify',
    schema: tokenVerifySchema(engine.enabledMethods, levels),
    status: 200,
    authenticated: true,
    // A token that does not pass is a 200 `valid: false`; no single use here, so no store either.
    errors: [],
    async handle (user, body, audit) {
      // Without a requirement the check is what the token itself promises: this user and session,
      // not expired. The schema has already limited the requirement to known methods and levels.
      const given = (body.requirement ?? {}) as RequirementBody
      const resolved = resolveGiven(() => engine.resolveRequirement({
        ...given,
        ...(given.maxAge === undefined ? {} : { maxAge: given.maxAge * 1000 })
      }))
      // Without a maxAge, freshness is not checked beyond the token's expiry, or a profile's limit.
      const requirement = given.maxAge === undefined ? { ...resolved, maxAgeMs: resolved.maxAgeLimitMs ?? Number.MAX_SAFE_INTEGER } : resolved
      try {
        return { valid: true, claims: await engine.checkToken(body.token, user!, requirement, { audit }) }
      } catch (err) {
        // Without singleUse (not offered here) the check refuses only with 401 step-up errors;
        // anything else must stay an error.
        /* c8 ignore next */
        if (!isStepUpError(err) || err.statusCode !== 401) throw err
        return { valid: false, code: err.code, message: err.message }
      }
    }
  })

  if (keys) {
    // RFC 7517: the trusted public keys, the signing key's among them.
    const publicKeys = [...keys.public.values()].map(({ jwk }) => jwk)
    routes.push({
      method: 'GET',
      url: '/.well-known/jwks.json',
      schema: jwksSchema,
      status: 200,
      authenticated: false,
      errors: [],
      async handle () {
        return { keys: publicKeys }
      }
    })
  }
  // Factor management's routes (lib/factors/routes.ts), when the `factors` option turns it on.
  return [...routes.map(documented), ...(engine.factors ? factorRoutes(engine.factors) : [])]
}
