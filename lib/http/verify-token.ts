// `verifyToken` outside a route, the same on every adapter: the engine's one token check.
import type { StepUpEngine } from '../core/engine.js'
import { checkKeys } from '../option-keys.js'
import type { StepUpClaims, StepUpRequirement, StepUpUser } from '../types.js'

/** Whose token a `verifyToken` call checks, and against what. */
export interface VerifyTokenContext {
  user: StepUpUser
  /** The session to check the token against. Default: `user.sessionId`. */
  session?: string
  requirement?: StepUpRequirement
  /** The action's key fields: when given, the token must have been made for the same data (needs `requirement.action`). */
  data?: unknown
}

/** The token check for code outside a route: any user, session, requirement and key fields. */
export function verifyTokenWith (engine: StepUpEngine) {
  return async (token: string, context: VerifyTokenContext): Promise<StepUpClaims> => {
    // A misspelled `session` must not fall back to the user's own session.
    checkKeys('verifyToken context', context, ['user', 'session', 'requirement', 'data'])
    // Key fields given here bind the check to them, as `actionData` does for a route.
    const given = context.data === undefined ? context.requirement : { ...context.requirement, actionData: () => context.data }
    const requirement = engine.resolveRequirement(given)
    const user = context.session === undefined ? context.user : { ...context.user, sessionId: context.session }
    return engine.checkToken(token, user, requirement, { data: requirement.actionData?.(undefined) })
  }
}
