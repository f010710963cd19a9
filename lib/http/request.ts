// What the plugin's routes pass on of a request besides its body, read once for every route (the
// step-up routes and the factor routes alike).
import type { CallOptions } from '../core/engine.js'
import type { RouteRequest } from './routes.js'

/** The request's language, and where it came from (for notifications and what is sent). */
export function requestDetails (request: RouteRequest): Pick<CallOptions, 'acceptLanguage' | 'client'> {
  const userAgent = request.headers['user-agent']
  return { acceptLanguage: request.headers['accept-language'], client: { ip: request.ip, userAgent } }
}
