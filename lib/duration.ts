import { parse } from '@lukeed/ms'
import { FST_STEP_UP_OPTION_DURATION } from './errors.js'

/** Milliseconds, or a string such as `'30s'`, `'5m'`, `'1h'`. */
export type Duration = number | string

/** Turns a duration into whole milliseconds; throws FST_STEP_UP_OPTION_DURATION naming the option. */
export function toMilliseconds (name: string, value: Duration): number {
  const ms = typeof value === 'number'
    ? value
    : typeof value === 'string' && value.length <= 32 ? parse(value.trim()) : undefined
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 1) {
    throw new FST_STEP_UP_OPTION_DURATION(name, JSON.stringify(value) ?? String(value))
  }
  return Math.round(ms)
}
