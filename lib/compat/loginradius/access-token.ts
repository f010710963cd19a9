// The access token of a LoginRadius client, for the app's getUser: these clients send it as
// `Authorization: Bearer <token>` or as the `access_token` query parameter (some SDKs send both).
import type { IncomingHttpHeaders } from 'node:http'
import { parseQuery, splitUrl } from './shapes.js'

/** What a Fastify or an Express request has, and all this helper reads. */
export interface RequestWithToken {
  headers: IncomingHttpHeaders
  url?: string
}

/**
 * The access token of a request from a LoginRadius client: the Bearer token of the Authorization
 * header, else the `access_token` query parameter (its name in any case); undefined when neither.
 * Resolve it to your user in `getUser`, as your login does.
 */
export function loginRadiusAccessToken (request: RequestWithToken): string | undefined {
  const bearer = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  if (bearer) return bearer[1]
  const values = parseQuery(splitUrl(request.url ?? '').search).get('access_token')
  return values?.[0] || undefined
}
