// The step-up routes, described once for every adapter: path, schema, status and what each does
// with the engine. Adapters only read the request and write the reply.
import type { StepUpEngine } from '../core/engine.js'
import { isStepUpError } from '../errors.js'
import type { StepUpUser } from '../types.js'
import { checkSchema, methodsSchema, sendSchema, tokenVerifySchema, verifySchema } from './schemas.js'

export interface StepUpRoute {
  method: 'GET' | 'POST'
  /** Below the plugin's prefix. */
  url: string
  schema: { description: string, body?: object, response: Record<number, object> }
  /** The status of a successful reply. */
  status: 200 | 202
  /** Runs for a logged-in user, with a body that passed the schema. */
  handle (user: StepUpUser, body: Record<string, any>): Promise<unknown>
}

export function stepUpRoutes (engine: StepUpEngine): StepUpRoute[] {
  // The back-end check asks what the token itself promises: this user, this session, not expired.
  // No route's freshness applies here; the caller compares auth_time with what it needs.
  const anyFreshToken = { maxAgeMs: Number.POSITIVE_INFINITY, methods: undefined }

  const routes: StepUpRoute[] = [{
    method: 'GET',
    url: '/methods',
    schema: methodsSchema,
    status: 200,
    async handle (user) {
      return { methods: await engine.availableMethods(user) }
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
        async handle (user, body) {
          const { token, expiresIn } = await engine.verifyCredential(method, user, body)
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
      async handle (user, body) {
        return engine.startChallenge(method, user, { destination: body[field], destinationId: body.destinationId })
      }
    }, {
      method: 'POST',
      url: `/${method}/verify`,
      schema: verifySchema(method),
      status: 200,
      async handle (user, body) {
        const { token, expiresIn } = await engine.verifyChallenge(method, user, body.challengeId, body.code)
        return { token, expiresIn }
      }
    })
  }

  routes.push({
    method: 'POST',
    url: '/token/verify',
    schema: tokenVerifySchema,
    status: 200,
    async handle (user, body) {
      try {
        return { valid: true, claims: await engine.verifyToken(body.token, user, anyFreshToken) }
      } catch (err) {
        // verifyToken rejects only with 401 step-up errors today; anything else must stay an error.
        /* c8 ignore next */
        if (!isStepUpError(err) || err.statusCode !== 401) throw err
        return { valid: false, code: err.code, message: err.message }
      }
    }
  })
  return routes
}
