import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { StepUpEngine } from '../core/engine.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { createEmailChannel } from '../methods/email.js'
import type { OtpChannel } from '../methods/method.js'
import { resolveOptions } from '../options.js'
import { createEmailSender } from '../senders/email.js'
import type { FastifyStepUpOptions, StepUpClaims, StepUpRequirement, StepUpUser } from '../types.js'
import { createGuard } from './guard.js'
import { stepUpRoutes } from './routes.js'
import { createUserResolver } from './users.js'

/** Token checks for code outside a route hook. */
export interface StepUpService {
  /**
   * Verifies a second-factor token for a user and session against a requirement. Resolves with the
   * claims, or rejects with a FST_STEP_UP_* error (401 for a token that does not satisfy).
   */
  verifyToken (token: string, context: { user: StepUpUser, requirement?: StepUpRequirement }): Promise<StepUpClaims>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that lets a request through only with a step-up token that satisfies `requirement`. */
    requireStepUp (requirement?: StepUpRequirement | true): onRequestAsyncHookHandler
    stepUp: StepUpService
  }
  interface FastifyRequest {
    /** The verified step-up claims, once `requireStepUp` has passed; null otherwise. */
    stepUp: StepUpClaims | null
  }
  interface FastifyContextConfig {
    /** Protect this route as `requireStepUp(requirement)` would; `true` for the defaults. */
    stepUp?: StepUpRequirement | true
  }
}

async function fastifyStepUp (fastify: FastifyInstance, opts: FastifyStepUpOptions): Promise<void> {
  const options = resolveOptions(opts)
  const channels: OtpChannel[] = []
  const sender = options.email ? createEmailSender(options.email) : undefined
  if (options.email && sender) channels.push(createEmailChannel(options.email, sender))
  if (channels.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('email', 'must be set: enable at least one step-up method')
  }

  const engine = new StepUpEngine(options, channels)
  const users = createUserResolver(options.getUser)
  const guardFor = (requirement?: StepUpRequirement | true): onRequestAsyncHookHandler =>
    createGuard(engine, users, options.tokenHeader, engine.resolveRequirement(requirement))

  fastify.decorateRequest('stepUp', null)
  fastify.decorate('requireStepUp', guardFor)
  fastify.decorate('stepUp', {
    async verifyToken (token, { user, requirement }) {
      return engine.verifyToken(token, user, engine.resolveRequirement(requirement))
    }
  } satisfies StepUpService)

  // `config: { stepUp }` on a route does what `onRequest: fastify.requireStepUp()` does. A global
  // onRequest hook sees every route, even one declared before this plugin loaded, which an onRoute
  // hook would miss and leave unguarded. Requirements are checked in onRoute where it can see them,
  // so a bad one fails at startup, and resolved once per requirement object.
  const configGuards = new WeakMap<object, onRequestAsyncHookHandler>()
  const defaultGuard = guardFor(true)
  function configGuard (requirement: StepUpRequirement | true): onRequestAsyncHookHandler {
    if (requirement === true) return defaultGuard
    let guard = configGuards.get(requirement)
    if (!guard) {
      guard = guardFor(requirement)
      configGuards.set(requirement, guard)
    }
    return guard
  }
  fastify.addHook('onRoute', (route) => {
    const requirement = route.config?.stepUp
    if (requirement) configGuard(requirement)
  })
  fastify.addHook('onRequest', async function stepUpConfigGuard (request, reply) {
    const requirement = request.routeOptions.config.stepUp
    return requirement ? configGuard(requirement).call(this, request, reply) : undefined
  })

  // The store is the app's to close: the default MemoryStore holds nothing that needs it.
  fastify.addHook('onClose', async () => {
    sender?.close()
  })

  await fastify.register(stepUpRoutes, { prefix: options.prefix, engine, users })
}

const plugin = fp(fastifyStepUp, { fastify: '5.x', name: 'fastify-step-up' })
export default plugin
export { plugin as fastifyStepUp }
