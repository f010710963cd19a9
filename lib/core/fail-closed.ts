// Every store call goes through here: a store that throws or rejects becomes one clear 503, with
// the original error kept as `cause` for the log. Callers never treat an outage as "no record".
// A store that is full (StoreFullError) is refused the same way, and reported through `onFull`.
// The composite operations a store has are wrapped the same way; one it lacks stays absent here
// (withComposites then composes it from these wrapped primitives).
import { FST_STEP_UP_STORE_UNAVAILABLE } from '../errors.js'
import { COMPOSITE_OPERATIONS, PRIMITIVE_OPERATIONS } from '../stores/composite.js'
import { StoreFullError, type StepUpStore } from '../stores/store.js'

export function failClosed (store: StepUpStore, onFull: (operation: string) => void): StepUpStore {
  const safe: Record<string, unknown> = {}
  const operations = [...PRIMITIVE_OPERATIONS, ...COMPOSITE_OPERATIONS.filter((operation) => typeof store[operation] === 'function')]
  for (const operation of operations) {
    const unavailable = (cause: unknown): Error => {
      if (cause instanceof StoreFullError) onFull(operation)
      return new FST_STEP_UP_STORE_UNAVAILABLE({ cause })
    }
    // Not an async function: one promise per store call instead of two, on every step of a cycle.
    safe[operation] = (...args: unknown[]) => {
      try {
        return Promise.resolve((store[operation] as (...args: unknown[]) => Promise<unknown>).apply(store, args))
          .catch((cause: unknown) => { throw unavailable(cause) })
      } catch (cause) {
        return Promise.reject(unavailable(cause))
      }
    }
  }
  return safe as unknown as StepUpStore
}

/**
 * A store key for per-user state; parts are encoded so no user id can collide with another key.
 * The first part (the user, for most kinds) is the key's group (`kind:{part}:...`): the keys of one
 * user share it, so a composite store operation can use them together (one Redis Cluster slot).
 */
export function stateKey (kind: string, group: string, ...parts: string[]): string {
  return `${kind}:{${encodeURIComponent(group)}}${parts.map((part) => `:${encodeURIComponent(part)}`).join('')}`
}

/** The store's id for a challenge of this user: in the user's group, so it goes with their lock and logs. */
export function challengeKey (userId: string, challengeId: string): string {
  return `{${encodeURIComponent(userId)}}:${challengeId}`
}
