import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { createUserResolver } from '../http/users.js'
import { verifyTokenWith, type VerifyTokenContext } from '../http/verify-token.js'
import { mountOf, STEP_UP_MOUNT } from '../mount.js'
import type { FastifyStepUpMount } from './mount.js'
import { pluginOptions } from '../options.js'
import type { ComplianceEntry } from '../profiles/report.js'
import { setUpStepUp } from '../setup.js'
import type { StepUpClaims, StepUpOptions, StepUpRequirement } from '../types.js'
import { guardConfiguredRoutes } from './config-guard.js'
import { createGuard, requestAudit } from './guard.js'
import { documentGuardedRoutes } from './openapi.js'
import { bodyError, fastifyRoutes, useJsonBodies } from './routes.js'

export type FastifyStepUpOptions = StepUpOptions<FastifyRequest>
export type { VerifyTokenContext }

/** Token checks for code outside a route hook. */
export interface StepUpService {
  /**
   * Verifies a second-factor token for a user and session against a requirement. Resolves with the
   * claims, or rejects with a FST_STEP_UP_* error (401 for a token that does not satisfy).
   */
  verifyToken (token: string, context: VerifyTokenContext): Promise<StepUpClaims>
  /** The verified-token cache: hits, misses (full checks) and entries held, for your metrics. */
  tokenCacheStats (): { hits: number, misses: number, size: number }
  /** Each requirement of the configured profiles (`profile`, and levels that name one): met or not, and why. Empty without a profile. */
  compliance (): ComplianceEntry[]
  /** What routes from another entry (fastify-step-up/loginradius) mount on; not for app code. */
  readonly [STEP_UP_MOUNT]: FastifyStepUpMount
}

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that lets a request through only with a step-up token that satisfies `requirement`. */
    requireStepUp (requirement?: StepUpRequirement | true): onRequestHookHandler
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

// What `register(plugin, opts)` reads from opts besides the plugin (Fastify: prefix, logLevel,
// logSerializers; avvio: name, the plugin's name in its messages). `prefix` is the plugin's own too.
const REGISTER_OPTION_KEYS = ['logLevel', 'logSerializers', 'name']

async function fastifyStepUp (fastify: FastifyInstance, opts: FastifyStepUpOptions): Promise<void> {
  const { options, engine, close, compliance, notices } = setUpStepUp(pluginOptions(opts, REGISTER_OPTION_KEYS))
  for (const notice of notices) fastify.log[notice.level](notice.details, notice.message)
  const users = createUserResolver(opts.getUser)
  const guardFor = (requirement?: StepUpRequirement | true): onRequestHookHandler =>
    createGuard(engine, users, options.tokenHeader, engine.resolveRequirement(requirement))

  fastify.decorateRequest('stepUp', null)
  fastify.decorateRequest(users.slot as unknown as string, undefined)
  fastify.decorate('requireStepUp', guardFor)
  fastify.decorate('stepUp', {
    verifyToken: verifyTokenWith(engine),
    tokenCacheStats: () => engine.tokenCacheStats(),
    compliance: () => structuredClone(compliance),
    [STEP_UP_MOUNT]: { ...mountOf(engine, options, users), audit: requestAudit, useJsonBodies, bodyError }
  } satisfies StepUpService)

  guardConfiguredRoutes(fastify, guardFor)
  documentGuardedRoutes(fastify, engine, options.tokenHeader)

  // Notifications in flight may still need the app's store client and mail transport, which the
  // app's own onClose hooks may close before this plugin's (Fastify runs them last registered
  // first): so they are waited for before any onClose hook, and once more by close() for those
  // that requests still being answered started meanwhile.
  fastify.addHook('preClose', async () => engine.notifier?.settled())
  // The store is the app's to close: the default MemoryStore holds nothing that needs it.
  fastify.addHook('onClose', async () => close())

  await fastify.register(fastifyRoutes, { prefix: options.prefix, engine, users, keys: options.keys })
}

const plugin = fp(fastifyStepUp, { fastify: '5.x', name: 'fastify-step-up' })
export default plugin
export { plugin as fastifyStepUp }
