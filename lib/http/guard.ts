// The guard's decision, shared by every adapter: pass with the claims, or the reply to send.
import type { IncomingHttpHeaders } from 'node:http'
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import type { StepUpClaims, StepUpUser } from '../types.js'
import { challengeHeader } from './challenge.js'
import { errorReply, logRefusal, requestLanguage, type AdapterLog, type HttpReply } from './reply.js'
import type { UserResolver } from './users.js'

export type GuardResult = Passed | Refused
export interface Passed { claims: StepUpClaims, reply?: undefined }
/** The reply to send, and the error it answers (for the log line of a failure). */
export interface Refused { claims?: undefined, reply: HttpReply, error: unknown }

/**
 * The decision: a pass at once when nothing needs waiting for (a synchronous getUser and a token the
 * engine can check at once: the common case, on every request while a token lives), else a promise.
 * Rejects with an error that is not a step-up error (getUser or actionData threw): the app's error
 * handling decides.
 */
export function checkStepUp<Request extends { headers: IncomingHttpHeaders }> (
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
    return refusal(engine, err, undefined, requirement, request.headers)
  }
  if (user !== undefined) return decide(engine, user, request, token, requirement, audit)
  return users.require(request).then(
    (found) => decide(engine, found, request, token, requirement, audit),
    (err: unknown) => refusal(engine, err, undefined, requirement, request.headers)
  )
}

/**
 * An adapter's guard around a decision, written once: `pass` runs with the claims at once when the
 * decision was made at once (no promise, no trip through the microtask queue). Otherwise the result
 * is a promise that settles once `pass` has run or, after the refusal's log line, `refuse`; it
 * rejects with an error that is the app's (getUser or actionData threw).
 */
export function guardRequest<Answer> (
  decision: Passed | Promise<GuardResult>,
  log: AdapterLog,
  pass: (claims: StepUpClaims) => Answer,
  refuse: (reply: HttpReply) => Answer
): Answer | Promise<Answer> {
  if (!(decision instanceof Promise)) return pass(decision.claims)
  return decision.then((result) => {
    if (result.claims) return pass(result.claims)
    logRefusal(log, result.reply, result.error)
    return refuse(result.reply)
  })
}

/** With the user known: the decision, at once when the engine can make it without waiting. */
function decide<Request extends { headers: IncomingHttpHeaders }> (
  engine: StepUpEngine,
  user: StepUpUser,
  request: Request,
  token: string | undefined,
  requirement: ResolvedRequirement,
  audit: Audit
): Passed | Promise<GuardResult> {
  try {
    const checked = engine.checkToken(token, user, requirement, { audit, data: requirement.actionData?.(request) })
    if (!(checked instanceof Promise)) return { claims: checked }
    return checked.then(
      (claims) => ({ claims }),
      (err: unknown) => refusal(engine, err, user, requirement, request.headers)
    )
  } catch (err) {
    return refusal(engine, err, user, requirement, request.headers)
  }
}

/** The reply for a refusal; an error that is not a step-up error is the app's (getUser or actionData threw). */
async function refusal (engine: StepUpEngine, err: unknown, user: StepUpUser | undefined, requirement: ResolvedRequirement, headers: IncomingHttpHeaders): Promise<Refused> {
  // The body's message in the person's language; the header's description stays the error's own
  // (an RFC 9110 quoted-string holds ASCII only, and it is for the client's code, not for a person).
  const reply = errorReply(err, requestLanguage(engine.texts, user, headers))
  if (!reply) throw err
  // Only an unsatisfying token becomes an RFC 9470 challenge; an unknown user or an outage does not.
  if (user === undefined || reply.statusCode !== 401) return { reply, error: err }
  const hint = await engine.describe(user, requirement)
  reply.headers['www-authenticate'] = challengeHeader((err as Error).message, hint.maxAge, hint.acrValues)
  reply.body.stepUp = hint
  return { reply, error: err }
}
