import { FST_STEP_UP_OPTION_INVALID, FST_STEP_UP_UNAUTHENTICATED } from '../errors.js'
import type { StepUpUser } from '../types.js'

/** The app's answer to "who is logged in?" for a request of its framework. */
export type GetUser<Request> = (request: Request) => StepUpUser | null | undefined | Promise<StepUpUser | null | undefined>

export interface UserResolver<Request extends object> {
  /** The logged-in user, or null. `getUser` runs at most once per request. */
  find (request: Request): Promise<StepUpUser | null>
  /** The logged-in user; FST_STEP_UP_UNAUTHENTICATED (401) when nobody is. */
  require (request: Request): Promise<StepUpUser>
}

export function createUserResolver<Request extends object> (getUser: GetUser<Request>): UserResolver<Request> {
  const seen = new WeakMap<Request, Promise<StepUpUser | null>>()

  async function load (request: Request): Promise<StepUpUser | null> {
    const user = await getUser(request)
    if (user === null || user === undefined) return null
    // A user without both ids would make tokens that bind to nothing: that is a bug in the app.
    if (typeof user.id !== 'string' || user.id === '' || typeof user.sessionId !== 'string' || user.sessionId === '') {
      throw new FST_STEP_UP_OPTION_INVALID('getUser', 'must return null or an object with non-empty string id and sessionId')
    }
    return user
  }

  function find (request: Request): Promise<StepUpUser | null> {
    let pending = seen.get(request)
    if (!pending) {
      pending = load(request)
      seen.set(request, pending)
    }
    return pending
  }

  return {
    find,
    async require (request) {
      const user = await find(request)
      // RFC 9110 asks every 401 to name a scheme; the app's own login is its business, so no realm.
      if (!user) throw Object.assign(new FST_STEP_UP_UNAUTHENTICATED(), { headers: { 'www-authenticate': 'Bearer' } })
      return user
    }
  }
}
