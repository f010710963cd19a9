// The guard's decision, shared by every adapter: pass with the claims, or the reply to send.
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import type { StepUpClaims, StepUpUser } from '../types.js'
import { challengeHeader } from './challenge.js'
import { errorReply, type HttpReply } from './reply.js'
import type { UserResolver } from './users.js'

export type GuardResult = Passed | { claims?: undefined, reply: HttpReply }
export interface Passed { claims: StepUpClaims, reply?: undefined }

/**
 * The decision: a pass at once when nothing needs waiting for (a synchronous getUser and a token the
 * engine can check at once: the common case, on every request while a token lives), else a promise.
 * Rejects with an error that is not a step-up error (getUser or actionData threw): the app's error
 * handling decides.
 */
export function checkStepUp<Request extends object> (
  engine: StepUpEngine,
  users: UserResolver<Request>,
  request: Request,
  header: string | string[] | undefined,
  requirement: ResolvedRequirement,
  audit: Audit
): Passed | Promise<GuardResult> {
  const token = typeof header === 'string' ? header : undefined
  let user: StepUpUser | undefined
  try {
    user = users.requireNow(request)
  } catch (err) {
    return refusal(engine, err, undefined, requirement)
  }
  if (user !== undefined) return decide(engine, user, request, token, requirement, audit)
  return users.require(request).then(
    (found) => decide(engine, found, request, token, requirement, audit),
    (err: unknown) => refusal(engine, err, undefined, requirement)
  )
}

/** With the user known: the decision, at once when the engine can make it without waiting. */
function decide<Request extends object> (
  engine: StepUpEngine,
  user: StepUpUser,
  request: Request,
  token: string | undefined,
  requirement: ResolvedRequirement,
  audit: Audit
): Passed | Promise<GuardResult> {
  try {
    const call = { audit, data: requirement.actionData?.(request) }
    const claims = engine.verifyTokenNow(token, user, requirement, call)
    if (claims) return { claims }
    return engine.verifyToken(token, user, requirement, call).then(
      (verified) => ({ claims: verified }),
      (err: unknown) => refusal(engine, err, user, requirement)
    )
  } catch (err) {
    return refusal(engine, err, user, requirement)
  }
}

/** The reply for a refusal; an error that is not a step-up error is the app's (getUser or actionData threw). */
async function refusal (engine: StepUpEngine, err: unknown, user: StepUpUser | undefined, requirement: ResolvedRequirement): Promise<GuardResult> {
  const reply = errorReply(err)
  if (!reply) throw err
  // Only an unsatisfying token becomes an RFC 9470 challenge; an unknown user or an outage does not.
  if (user === undefined || reply.statusCode !== 401) return { reply }
  const hint = await engine.describe(user, requirement)
  reply.headers['www-authenticate'] = challengeHeader(reply.body.message as string, hint.maxAge, hint.acrValues)
  reply.body.stepUp = hint
  return { reply }
}
