import type { StepUpEvent } from '../types.js'

/**
 * The level an adapter logs an audit event at: `warn` for what the app should fix (a profile entry
 * that is not exactly one address or number was left out), `info` for the rest.
 */
export function auditLevel (event: StepUpEvent): 'info' | 'warn' {
  return event.type === 'destination.skipped' ? 'warn' : 'info'
}
