import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { auditLevel } from '../http/audit.js'
import { checkStepUp, guardRequest } from '../http/guard.js'
import { send } from '../http/reply.js'
import type { UserResolver } from '../http/users.js'

/** Audit events of a request as structured log lines on its own logger. */
export function requestAudit (request: FastifyRequest): Audit {
  return (event) => request.log[auditLevel(event)]({ stepUp: event }, `step-up ${event.type}`)
}

/**
 * Where a guard keeps its requirement, so the OpenAPI documentation (lib/fastify/openapi.ts) can find
 * it among a route's hooks. Read once per route at startup, never per request.
 */
export const GUARD_REQUIREMENT: unique symbol = Symbol('fastify-step-up guard requirement')

/** The requirement of a hook `createGuard` made; undefined for any other hook. */
export function guardRequirement (hook: object): ResolvedRequirement | undefined {
  return (hook as { [GUARD_REQUIREMENT]?: ResolvedRequirement })[GUARD_REQUIREMENT]
}

/**
 * The hook behind `requireStepUp()`. As onRequest it runs before the body is parsed, so a client
 * that has not stepped up cannot make the server read a large body; a requirement with `actionData`
 * needs the body and runs as preHandler. A callback hook, not an async one: a request whose token
 * passes at once goes on without a promise or a trip through the microtask queue.
 */
export function createGuard (
  engine: StepUpEngine,
  users: UserResolver<FastifyRequest>,
  tokenHeader: string,
  requirement: ResolvedRequirement
): onRequestHookHandler {
  function stepUpGuard (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const decision = checkStepUp(engine, users, request, request.headers[tokenHeader], requirement, requestAudit(request))
    const answered = guardRequest<FastifyReply | undefined>(decision, request.log, (claims) => {
      request.stepUp = claims
      return undefined
    }, (refused) => send(reply, refused))
    // For a returned promise Fastify waits on it, not on `done`. Resolving it with the reply tells
    // Fastify it was answered: with an async onSend hook the reply is not yet `sent` when it
    // resolves, and anything else would let the handler run too.
    if (answered instanceof Promise) return answered
    done()
    return undefined
  }
  return Object.assign(stepUpGuard, { [GUARD_REQUIREMENT]: requirement })
}
