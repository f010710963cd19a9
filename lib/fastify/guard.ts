import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { checkStepUp } from '../http/guard.js'
import type { UserResolver } from '../http/users.js'

/** Audit events of a request as structured log lines on its own logger. */
export function requestAudit (request: FastifyRequest): Audit {
  return (event) => request.log.info({ stepUp: event }, `step-up ${event.type}`)
}

/**
 * The hook behind `requireStepUp()`. As onRequest it runs before the body is parsed, so a client
 * that has not stepped up cannot make the server read a large body; a requirement with `actionData`
 * needs the body and runs as preHandler.
 */
export function createGuard (
  engine: StepUpEngine,
  users: UserResolver<FastifyRequest>,
  tokenHeader: string,
  requirement: ResolvedRequirement
): onRequestAsyncHookHandler {
  return async function stepUpGuard (request: FastifyRequest, reply: FastifyReply) {
    const result = await checkStepUp(engine, users, request, request.headers[tokenHeader], requirement, requestAudit(request))
    if (result.claims) {
      request.stepUp = result.claims
      return
    }
    const { statusCode, headers, body } = result.reply
    if (statusCode >= 500) request.log.error({ code: body.code }, 'step-up failed')
    else request.log.info({ code: body.code }, 'step-up required')
    return reply.code(statusCode).headers(headers).send(body)
  }
}
