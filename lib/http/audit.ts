import type { StepUpEvent } from '../types.js'

/**
 * The level an adapter logs an audit event at: `warn` for what the app should fix (a profile entry
 * that is not exactly one address or number was left out; a notification that could not be
 * delivered), `info` for the rest.
 */
export function auditLevel (event: StepUpEvent): 'info' | 'warn' {
  return event.type === 'destination.skipped' || event.type === 'notification.failed' ? 'warn' : 'info'
}
