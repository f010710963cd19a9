// The step-up routes, described once for every adapter: path, schema, status and what each does
// with the engine. Adapters only read the request and write the reply.
import type { ActionInput, Audit, StepUpEngine } from '../core/engine.js'
import type { KeyRing } from '../core/keys.js'
import { FST_STEP_UP_INVALID_REQUEST, isStepUpError } from '../errors.js'
import type { StepUpRequirement, StepUpUser } from '../types.js'
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

export interface StepUpRoute {
  method: 'GET' | 'POST'
  /** Below the plugin's prefix. */
  url: string
  schema: { description: string, body?: object, response: Record<number, object> }
  /** The status of a successful reply. */
  status: 200 | 202
  /** Whether the route needs a logged-in user (all but the public key set). */
  authenticated: boolean
  /** Runs with a body that passed the schema, for a logged-in user when `authenticated`. */
  handle (user: StepUpUser | undefined, body: Record<string, any>, audit: Audit): Promise<unknown>
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
  const routes: StepUpRoute[] = [{
    method: 'GET',
    url: '/methods',
    schema: methodsSchema,
    status: 200,
    authenticated: true,
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
        async handle (user, { action, ...body }, audit) {
          const { token, expiresIn } = await engine.verifyCredential(method, user!, body, { audit, action: action as ActionInput | undefined })
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
        async handle (user, body, audit) {
          return engine.beginCeremony(method, user!, { audit, action: body.action })
        }
      }, {
        method: 'POST',
        url: `/${method}/verify`,
        schema: ceremonyAnswerSchema(method, module.answer),
        status: 200,
        authenticated: true,
        async handle (user, body, audit) {
          const { token, expiresIn } = await engine.verifyCeremony(method, user!, body.challengeId, body.response, { audit })
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
      async handle (user, body, audit) {
        return engine.startChallenge(method, user!, { destination: body[field], destinationId: body.destinationId }, { audit, action: body.action })
      }
    }, {
      method: 'POST',
      url: `/${method}/verify`,
      schema: verifySchema(method),
      status: 200,
      authenticated: true,
      async handle (user, body, audit) {
        const { token, expiresIn } = await engine.verifyChallenge(method, user!, body.challengeId, body.code, { audit })
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
    async handle (user, body, audit) {
      // Without a requirement the check is what the token itself promises: this user and session,
      // not expired. The schema has already limited the requirement to known methods and levels.
      const given = (body.requirement ?? {}) as RequirementBody
      const requirement = resolveGiven(() => engine.resolveRequirement({
        ...given,
        maxAge: given.maxAge === undefined ? Number.MAX_SAFE_INTEGER : given.maxAge * 1000
      }))
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
      async handle () {
        return { keys: publicKeys }
      }
    })
  }
  return routes
}
