import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { auditLevel } from '../http/audit.js'
import { checkStepUp } from '../http/guard.js'
import type { UserResolver } from '../http/users.js'

/** Audit events of a request as structured log lines on its own logger. */
export function requestAudit (request: FastifyRequest): Audit {
  return (event) => request.log[auditLevel(event)]({ stepUp: event }, `step-up ${event.type}`)
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
  return function stepUpGuard (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const result = checkStepUp(engine, users, request, request.headers[tokenHeader], requirement, requestAudit(request))
    if (!(result instanceof Promise)) {
      request.stepUp = result.claims
      done()
      return
    }
    // For a returned promise Fastify waits on it, not on `done`.
    return result.then(({ claims, reply: refused }) => {
      if (claims) {
        request.stepUp = claims
        return undefined
      }
      const { statusCode, headers, body } = refused
      if (statusCode >= 500) request.log.error({ code: body.code }, 'step-up failed')
      else request.log.info({ code: body.code }, 'step-up required')
      // Resolving with the reply tells Fastify it was answered: with an async onSend hook the reply
      // is not yet `sent` when this resolves, and anything else would let the handler run too.
      return reply.code(statusCode).headers(headers).send(body)
    })
  }
}
