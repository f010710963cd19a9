import { FST_STEP_UP_OPTION_INVALID, FST_STEP_UP_UNAUTHENTICATED } from '../errors.js'
import type { StepUpUser } from '../types.js'

/** The app's answer to "who is logged in?" for a request of its framework. */
export type GetUser<Request> = (request: Request) => StepUpUser | null | undefined | Promise<StepUpUser | null | undefined>

export interface UserResolver<Request extends object> {
  /** The logged-in user, or null. `getUser` runs at most once per request. */
  find (request: Request): Promise<StepUpUser | null>
  /** The logged-in user; FST_STEP_UP_UNAUTHENTICATED (401) when nobody is. */
  require (request: Request): Promise<StepUpUser>
  /**
   * `require` without waiting, for a `getUser` that answers synchronously (the guard's fast path):
   * the user, or undefined while `getUser`'s promise is pending.
   */
  requireNow (request: Request): StepUpUser | undefined
  /** The user `getUser` has already answered with for this request, if it has; never calls it. */
  known (request: Request): StepUpUser | undefined
  /** The request property where the answer is kept (Fastify declares it, so requests keep one shape). */
  slot: symbol
}

type Lookup = StepUpUser | null | Promise<StepUpUser | null>

function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}

function checked (user: StepUpUser | null | undefined): StepUpUser | null {
  if (user === null || user === undefined) return null
  // A user without both ids would make tokens that bind to nothing: that is a bug in the app.
  if (typeof user.id !== 'string' || user.id === '' || typeof user.sessionId !== 'string' || user.sessionId === '') {
    throw new FST_STEP_UP_OPTION_INVALID('getUser', 'must return null or an object with non-empty string id and sessionId')
  }
  return user
}

function required (user: StepUpUser | null): StepUpUser {
  // RFC 9110 asks every 401 to name a scheme; the app's own login is its business, so no realm.
  if (!user) throw Object.assign(new FST_STEP_UP_UNAUTHENTICATED(), { headers: { 'www-authenticate': 'Bearer' } })
  return user
}

export function createUserResolver<Request extends object> (getUser: GetUser<Request>): UserResolver<Request> {
  // Per request: the user, or the promise of one while getUser is pending. Kept on the request
  // itself under a key of this resolver's own: cheaper than a WeakMap entry, on every guarded request.
  const slot = Symbol('fastify-step-up user')
  type Slotted = Request & { [slot]?: Lookup }

  function lookup (request: Slotted): Lookup {
    let known = request[slot]
    if (known === undefined) {
      const found = getUser(request)
      // Once a promise settles, the slot holds its user, so `known` can read it without waiting.
      known = isPromiseLike(found)
        ? Promise.resolve(found).then(checked).then((user) => { request[slot] = user; return user })
        : checked(found)
      request[slot] = known
    }
    return known
  }

  const find = async (request: Request): Promise<StepUpUser | null> => await lookup(request)
  return {
    slot,
    find,
    require: async (request) => required(await find(request)),
    requireNow (request) {
      const known = lookup(request)
      return known instanceof Promise ? undefined : required(known)
    },
    known (request) {
      const known = (request as Slotted)[slot]
      return known === undefined || known === null || known instanceof Promise ? undefined : known
    }
  }
}
