// What every method's options check shares. A method is off when its option is undefined or false;
// otherwise the option is an object of the keys its type documents, whose callbacks are functions.
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { checkKeys } from '../option-keys.js'

/** A method's options: off (undefined or false), or an object of known keys whose callbacks are functions. */
export function checkMethod<T extends object> (name: string, value: T | false | undefined, keys: readonly string[], callbacks: ReadonlyArray<keyof T>): T | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object or false')
  checkKeys(name, value, keys)
  for (const callback of callbacks) {
    if (typeof value[callback] !== 'function') throw new FST_STEP_UP_OPTION_INVALID(`${name}.${String(callback)}`, 'must be a function')
  }
  return value
}

/** An optional callback: absent, or a function. */
export function optionalFunction (name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new FST_STEP_UP_OPTION_INVALID(name, 'must be a function')
}

export function oneOf<T> (name: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  }
}

/** Who may get codes: `'profile'` (default), any verified entry on the profile; `'mfa'`, only users who enrolled the factor. */
export type CodeMode = 'profile' | 'mfa'

/** The `mode` of a code method, defaulted. */
export function codeMode (name: string, mode: CodeMode | undefined): CodeMode {
  oneOf(`${name}.mode`, mode, ['profile', 'mfa'])
  return mode ?? 'profile'
}
