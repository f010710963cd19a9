// The handle the Express adapter lends to routes from another entry (see lib/mount.ts).
import type { Request } from 'express'
import type { Audit } from '../core/engine.js'
import type { AdapterLog } from '../http/reply.js'
import type { StepUpMount } from '../mount.js'

export interface ExpressStepUpMount extends StepUpMount<Request> {
  audit: Audit
  logger: AdapterLog
  /** The adapter's body reader (JSON only, 16 KiB, or what the app's express.json() parsed). */
  readBody (req: Request): Promise<unknown>
}
