// `config: { stepUp }` on a route does what `onRequest: fastify.requireStepUp()` does.
import type { FastifyInstance, onRequestHookHandler, preHandlerHookHandler } from 'fastify'
import type { StepUpRequirement } from '../types.js'

type Requirement = StepUpRequirement | true

/** A requirement that binds the request's key fields needs the parsed body: it waits for preHandler. */
const needsBody = (requirement: Requirement): boolean => typeof requirement === 'object' && requirement.actionData !== undefined

function hooks<Hook> (declared: Hook | Hook[] | undefined): Hook[] {
  return declared === undefined ? [] : Array.isArray(declared) ? declared : [declared]
}

/**
 * Guards every route whose config names a requirement. Requirements are resolved in onRoute, once
 * per requirement object, so a bad one fails at startup. A route declared from now on gets the guard
 * as its own first hook: no other route pays anything. A route declared before this plugin loaded
 * (registered without `await`) was never seen by onRoute, so when any route exists already, app-wide
 * hooks look for `config.stepUp` on every request instead (for every route, to keep one mechanism).
 */
export function guardConfiguredRoutes (fastify: FastifyInstance, guardFor: (requirement: Requirement) => onRequestHookHandler): void {
  const guards = new WeakMap<object, onRequestHookHandler>()
  const defaultGuard = guardFor(true)
  function guardOf (requirement: Requirement): onRequestHookHandler {
    if (requirement === true) return defaultGuard
    let guard = guards.get(requirement)
    if (!guard) {
      guard = guardFor(requirement)
      guards.set(requirement, guard)
    }
    return guard
  }

  // Any text but the empty tree's (whatever a Fastify version prints) means app-wide hooks: the safe side.
  const routesBefore = fastify.printRoutes() !== '(empty tree)'

  fastify.addHook('onRoute', (route) => {
    const requirement = route.config?.stepUp
    if (!requirement) return
    const guard = guardOf(requirement)
    if (routesBefore) return
    if (needsBody(requirement)) route.preHandler = [guard as preHandlerHookHandler, ...hooks(route.preHandler)]
    else route.onRequest = [guard, ...hooks(route.onRequest)]
  })
  if (!routesBefore) return

  // Callback hooks, as the guard is: on a route without `config.stepUp` they cost a property read.
  fastify.addHook('onRequest', function stepUpConfigGuard (request, reply, done) {
    const requirement = request.routeOptions.config.stepUp
    if (!requirement || needsBody(requirement)) return done()
    return guardOf(requirement).call(this, request, reply, done)
  })
  fastify.addHook('preHandler', function stepUpConfigBodyGuard (request, reply, done) {
    const requirement = request.routeOptions.config.stepUp
    if (!requirement || !needsBody(requirement)) return done()
    return guardOf(requirement).call(this, request, reply, done)
  })
}
