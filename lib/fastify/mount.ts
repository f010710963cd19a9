// The handle the Fastify plugin lends to routes from another entry (see lib/mount.ts).
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { Audit } from '../core/engine.js'
import type { StepUpMount } from '../mount.js'

export interface FastifyStepUpMount extends StepUpMount<FastifyRequest> {
  /** Where a request's events go: its logger. */
  audit (request: FastifyRequest): Audit
  /** Bodies as the plugin reads them (JSON only, 16 KiB) in an encapsulated context. */
  useJsonBodies (instance: FastifyInstance): void
  /** A Fastify body error (too large, not JSON) as the plugin's own error. */
  bodyError (err: FastifyError): Error
}
