// Every store call goes through here: a store that throws or rejects becomes one clear 503, with
// the original error kept as `cause` for the log. Callers never treat an outage as "no record".
// A store that is full (StoreFullError) is refused the same way, and reported through `onFull`.
import { FST_STEP_UP_STORE_UNAVAILABLE } from '../errors.js'
import { StoreFullError, type StepUpStore } from '../stores/store.js'

const OPERATIONS = [
  'createChallenge', 'getChallenge', 'countAttempt', 'consumeChallenge', 'deleteChallenge',
  'logAdd', 'logRemove', 'markOnce', 'advance', 'ttl', 'delete'
] as const satisfies ReadonlyArray<keyof StepUpStore>

export function failClosed (store: StepUpStore, onFull: (operation: string) => void): StepUpStore {
  const safe: Record<string, unknown> = {}
  for (const operation of OPERATIONS) {
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

/** A store key for per-user state; parts are encoded so no user id can collide with another key. */
export function stateKey (kind: string, ...parts: string[]): string {
  return `${kind}:${parts.map(encodeURIComponent).join(':')}`
}
