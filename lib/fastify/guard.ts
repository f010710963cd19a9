import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { isStepUpError } from '../errors.js'
import { challengeHeader } from './challenge.js'
import type { UserResolver } from './users.js'

/**
 * The onRequest hook behind `requireStepUp()`. It runs before the body is parsed, so a client that
 * has not stepped up cannot make the server read a large body.
 */
export function createGuard (
  engine: StepUpEngine,
  users: UserResolver,
  tokenHeader: string,
  requirement: ResolvedRequirement
): onRequestAsyncHookHandler {
  return async function stepUpGuard (request: FastifyRequest, reply: FastifyReply) {
    const user = await users.require(request)
    const header = request.headers[tokenHeader]
    try {
      request.stepUp = await engine.verifyToken(typeof header === 'string' ? header : undefined, user, requirement)
    } catch (err) {
      // Only an unsatisfying token becomes a challenge; anything else (a store outage once tokens
      // are checked against the store) must never look like one. verifyToken rejects only with
      // 401 errors today, so the other branch has no test yet.
      /* c8 ignore next */
      if (!isStepUpError(err) || err.statusCode !== 401) throw err
      const hint = engine.describe(user, requirement)
      request.log.info({ code: err.code }, 'step-up required')
      return reply
        .code(401)
        .header('www-authenticate', challengeHeader(err.message, hint.maxAge))
        .send({ statusCode: 401, code: err.code, error: 'Unauthorized', message: err.message, stepUp: hint })
    }
  }
}
