// Stores that misbehave on purpose, wrapped around a real MemoryStore.
import type { Clock, StepUpStore } from '../../lib/index.js'
import { MemoryStore } from '../../lib/index.js'
import { COMPOSITE_OPERATIONS } from '../../lib/stores/composite.js'

type Operation = (...args: unknown[]) => Promise<unknown>

/** Whether a property is one of the optional composite operations (startSend, beginGuess, endGuess). */
export function isComposite (name: string | symbol): boolean {
  return (COMPOSITE_OPERATIONS as readonly unknown[]).includes(name)
}

/**
 * Wraps every primitive operation of a MemoryStore; `around` decides what each call does. The
 * composite operations are hidden (so the plugin composes them from the wrapped primitives, and
 * `around` sees every step), unless `composites` is true: then they are wrapped too.
 */
export function wrapStore (around: (name: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>, clock?: Clock, composites = false) {
  const inner = new MemoryStore({ clock })
  const store = new Proxy(inner, {
    get (target, name) {
      if (!composites && isComposite(name)) return undefined
      const value = Reflect.get(target, name)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => around(String(name), args, () => (value as Operation).apply(target, args))
    }
  }) as StepUpStore
  return { store, inner }
}

/**
 * A store that answers each call a turn of the event loop later, like a remote one: concurrent
 * requests interleave between every step, which is where races live.
 */
export function slowStore (clock?: Clock) {
  return wrapStore(async (_name, _args, call) => {
    await new Promise((resolve) => setImmediate(resolve))
    return call()
  }, clock)
}

/** A store that can be switched off, and that remembers the challenges it was given. */
export function switchableStore () {
  const created: string[] = []
  const state = { down: false }
  const { store, inner } = wrapStore(async (name, args, call) => {
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379')
    if (name === 'createChallenge') created.push(args[0] as string)
    return call()
  })
  return { store, inner, created, state }
}
