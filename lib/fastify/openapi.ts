// With @fastify/swagger registered, a route that asks for a step-up says so in the OpenAPI document:
// its 401 challenge, the step-up token as a security requirement, and its requirement as
// `x-step-up`. The requirement is read where the guard is declared: `config.stepUp`, or a
// requireStepUp() hook among the route's own hooks, whichever order this hook and config-guard's
// run in. Startup work only: nothing here runs per request.
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import type { StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { guardedRouteDocs, STEP_UP_SECURITY_SCHEME } from '../http/openapi.js'
import { guardRequirement } from './guard.js'

/** A route schema as @fastify/swagger reads it (its own types are a dev dependency here). */
type DocumentedSchema = FastifySchema & {
  security?: Array<Record<string, string[]>>
  response?: Record<string, unknown>
}

/** The hooks a guard can run as: every one before the handler. */
const GUARD_HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const

/** Every requirement guarding a route: its `config.stepUp` and each requireStepUp() hook of its own. */
function requirementsOf (route: RouteOptions, engine: StepUpEngine): ResolvedRequirement[] {
  const found: ResolvedRequirement[] = []
  const given = route.config?.stepUp
  if (given) found.push(engine.resolveRequirement(given))
  for (const name of GUARD_HOOKS) {
    const declared: unknown = route[name]
    const hooks = Array.isArray(declared) ? declared as object[] : declared === undefined ? [] : [declared as object]
    for (const hook of hooks) {
      const requirement = guardRequirement(hook)
      if (requirement) found.push(requirement)
    }
  }
  return found
}

/**
 * Adds the documentation to every guarded route declared from now on, in an app that has
 * @fastify/swagger: the 401 schema also serializes the route's 401 replies (the guard's come out the
 * same), so an app that builds no document gets nothing. A response the route declares itself is
 * kept; its `security` alternatives each get the step-up token too.
 */
export function documentGuardedRoutes (fastify: FastifyInstance, engine: StepUpEngine, tokenHeader: string): void {
  fastify.addHook('onRoute', function (route) {
    if (!this.hasDecorator('swagger')) return
    const requirements = requirementsOf(route, engine)
    if (requirements.length === 0) return
    const { extension, responses } = guardedRouteDocs(requirements, engine.enabledMethods, tokenHeader)
    const schema = (route.schema ?? {}) as DocumentedSchema
    const token = { [STEP_UP_SECURITY_SCHEME]: [] }
    // A new object: the app may share one schema object between routes with different requirements.
    route.schema = {
      ...schema,
      'x-step-up': extension,
      security: schema.security?.length ? schema.security.map((alternative) => ({ ...alternative, ...token })) : [token],
      response: { ...responses, ...schema.response }
    } as DocumentedSchema
  })
}
