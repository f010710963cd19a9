// The guard's decision, shared by every adapter: pass with the claims, or the reply to send.
import type { StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import type { StepUpClaims } from '../types.js'
import { challengeHeader } from './challenge.js'
import { errorReply, type HttpReply } from './reply.js'
import type { UserResolver } from './users.js'

export type GuardResult = { claims: StepUpClaims, reply?: undefined } | { claims?: undefined, reply: HttpReply }

export async function checkStepUp<Request extends object> (
  engine: StepUpEngine,
  users: UserResolver<Request>,
  request: Request,
  header: string | string[] | undefined,
  requirement: ResolvedRequirement
): Promise<GuardResult> {
  let user
  try {
    user = await users.require(request)
    return { claims: await engine.verifyToken(typeof header === 'string' ? header : undefined, user, requirement) }
  } catch (err) {
    const reply = errorReply(err)
    if (!reply) throw err // not ours (getUser threw): the app's error handling decides
    // Only an unsatisfying token becomes an RFC 9470 challenge; an unknown user or an outage does not.
    if (user === undefined || reply.statusCode !== 401) return { reply }
    const hint = await engine.describe(user, requirement)
    reply.headers['www-authenticate'] = challengeHeader(reply.body.message as string, hint.maxAge)
    reply.body.stepUp = hint
    return { reply }
  }
}
