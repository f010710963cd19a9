// The factor routes, as entries of the plugin's route table (lib/http/routes.ts), which both
// adapters mount under the prefix: only the kinds turned on get theirs. A change reads its step-up
// token from the plugin's token header, as a guarded route does, so a browser client answers a 401
// the same way everywhere: step up, then retry with the token.
import type { Audit } from '../core/engine.js'
import { requestDetails } from '../http/request.js'
import type { RouteRequest, StepUpRoute } from '../http/routes.js'
import type { PasskeyRegistrationJSON } from '../methods/passkey/enroll.js'
import {
  confirmTotpSchema,
  listFactorsSchema,
  passkeyOptionsSchema,
  registerPasskeySchema,
  removeFactorSchema,
  renewBackupCodesSchema,
  setPinSchema,
  startTotpSchema
} from './schemas.js'
import type { FactorCall, FactorService } from './service.js'

/** A reply that hands out a secret must not be kept by a browser or a proxy. */
const NO_STORE = { 'cache-control': 'no-store' }

/** The factor ids the plugin makes are 22 characters; an app's own may be longer, never of other characters. */
const FACTOR_ID = /^[A-Za-z0-9_-]{1,128}$/

export function factorRoutes (service: FactorService): StepUpRoute[] {
  const tokenOf = (request: RouteRequest): string | undefined => {
    const value = request.headers[service.tokenHeader]
    return typeof value === 'string' ? value : undefined
  }
  // A change's log, and where it came from and its language, for the owner's notification.
  const callOf = (audit: Audit, request: RouteRequest): FactorCall => ({ audit, ...requestDetails(request) })
  const kinds = service.kinds
  const routes: StepUpRoute[] = [{
    method: 'GET',
    url: '/factors',
    schema: listFactorsSchema,
    status: 200,
    authenticated: true,
    async handle (user, _body, audit) {
      return service.list(user!, audit)
    }
  }]

  if (kinds.includes('totp')) {
    routes.push({
      method: 'POST',
      url: '/factors/totp',
      schema: startTotpSchema,
      status: 200,
      authenticated: true,
      headers: NO_STORE,
      async handle (user) {
        return service.startTotp(user!)
      }
    }, {
      method: 'POST',
      url: '/factors/totp/confirm',
      schema: confirmTotpSchema,
      status: 200,
      authenticated: true,
      async handle (user, body, audit, request) {
        return service.confirmTotp(user!, tokenOf(request), callOf(audit, request), { code: body.code, label: body.label })
      }
    })
  }

  if (kinds.includes('passkey')) {
    routes.push({
      method: 'POST',
      url: '/factors/passkeys/options',
      schema: passkeyOptionsSchema,
      status: 200,
      authenticated: true,
      async handle (user, body) {
        return service.passkeyOptions(user!, { authenticatorAttachment: body.authenticatorAttachment })
      }
    }, {
      method: 'POST',
      url: '/factors/passkeys/verify',
      schema: registerPasskeySchema,
      status: 200,
      authenticated: true,
      async handle (user, body, audit, request) {
        return service.registerPasskey(user!, tokenOf(request), callOf(audit, request), {
          challengeId: body.challengeId,
          response: body.response as PasskeyRegistrationJSON,
          label: body.label
        })
      }
    })
  }

  if (kinds.includes('backup-codes')) {
    routes.push({
      method: 'POST',
      url: '/factors/backup-codes',
      schema: renewBackupCodesSchema,
      status: 200,
      authenticated: true,
      headers: NO_STORE,
      async handle (user, _body, audit, request) {
        return service.renewBackupCodes(user!, tokenOf(request), callOf(audit, request))
      }
    })
  }

  if (kinds.includes('pin')) {
    routes.push({
      method: 'PUT',
      url: '/factors/pin',
      schema: setPinSchema,
      status: 200,
      authenticated: true,
      async handle (user, body, audit, request) {
        return service.setPin(user!, tokenOf(request), callOf(audit, request), { pin: body.pin })
      }
    })
  }

  routes.push({
    method: 'DELETE',
    url: '/factors/:id',
    schema: removeFactorSchema,
    status: 200,
    authenticated: true,
    async handle (user, _body, audit, request) {
      const { id } = request.params as { id?: unknown }
      return service.remove(user!, tokenOf(request), callOf(audit, request), typeof id === 'string' && FACTOR_ID.test(id) ? id : '')
    }
  })
  return routes
}
