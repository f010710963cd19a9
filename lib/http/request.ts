// What the plugin's routes pass on of a request besides its body, read once for every route (the
// step-up routes, the factor routes and the LoginRadius-compatible ones alike).
import type { IncomingHttpHeaders } from 'node:http'
import type { CallOptions } from '../core/engine.js'

/** What is read of a request here; Fastify's request and Express's both fit. */
export interface RequestOrigin {
  headers: IncomingHttpHeaders
  /** The client's address, as the framework sees it (behind a proxy: as its trust settings say). */
  ip?: string | undefined
}

/** The request's language, and where it came from (for notifications and what is sent). */
export function requestDetails (request: RequestOrigin): Pick<CallOptions, 'acceptLanguage' | 'client'> {
  const userAgent = request.headers['user-agent']
  return { acceptLanguage: request.headers['accept-language'], client: { ip: request.ip, userAgent } }
}
