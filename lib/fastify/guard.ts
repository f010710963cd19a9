import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { checkStepUp } from '../http/guard.js'
import type { UserResolver } from '../http/users.js'

/**
 * The onRequest hook behind `requireStepUp()`. It runs before the body is parsed, so a client that
 * has not stepped up cannot make the server read a large body.
 */
export function createGuard (
  engine: StepUpEngine,
  users: UserResolver<FastifyRequest>,
  tokenHeader: string,
  requirement: ResolvedRequirement
): onRequestAsyncHookHandler {
  return async function stepUpGuard (request: FastifyRequest, reply: FastifyReply) {
    const result = await checkStepUp(engine, users, request, request.headers[tokenHeader], requirement)
    if (result.claims) {
      request.stepUp = result.claims
      return
    }
    const { statusCode, headers, body } = result.reply
    request.log.info({ code: body.code }, 'step-up required')
    return reply.code(statusCode).headers(headers).send(body)
  }
}
