// The guard's decision, shared by every adapter: pass with the claims, or the reply to send.
import type { Audit, StepUpEngine } from '../core/engine.js'
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
  requirement: ResolvedRequirement,
  audit: Audit
): Promise<GuardResult> {
  let user
  try {
    user = await users.require(request)
    const data = requirement.actionData?.(request)
    return { claims: await engine.verifyToken(typeof header === 'string' ? header : undefined, user, requirement, { audit, data }) }
  } catch (err) {
    const reply = errorReply(err)
    if (!reply) throw err // not ours (getUser or actionData threw): the app's error handling decides
    // Only an unsatisfying token becomes an RFC 9470 challenge; an unknown user or an outage does not.
    if (user === undefined || reply.statusCode !== 401) return { reply }
    const hint = await engine.describe(user, requirement)
    reply.headers['www-authenticate'] = challengeHeader(reply.body.message as string, hint.maxAge, hint.acrValues)
    reply.body.stepUp = hint
    return { reply }
  }
}
