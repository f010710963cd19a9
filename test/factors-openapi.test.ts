// The factor routes in the OpenAPI document @fastify/swagger builds: valid, each operation named and
// tagged, the path parameter of DELETE /factors/{id}, each change's 401 with the RFC 9470 challenge
// and hint, and no reply schema with room for a secret except the two replies that hand one out once.
import swagger from '@fastify/swagger'
import { Validator, type SpecData } from '@seriousme/openapi-schema-validator'
import Fastify from 'fastify'
import t from 'tap'
import stepUp, { MemoryFactorStorage } from '../lib/index.js'
import { stepUpSecuritySchemes } from '../lib/http/openapi.js'
import { SECRET } from './helpers/app.js'
import { RELYING_PARTY } from './helpers/factors.js'

t.test('the factor routes are documented', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'test', version: '1.0.0' }, components: { securitySchemes: { ...stepUpSecuritySchemes() } } }
  })
  await app.register(stepUp, {
    secret: SECRET,
    getUser: () => null,
    password: { verify: () => false },
    factors: { storage: new MemoryFactorStorage(), totp: true, passkey: RELYING_PARTY, backupCodes: true, pin: true }
  })
  await app.ready()
  const document = app.swagger() as Record<string, any>
  const result = await new Validator().validate(structuredClone(document) as SpecData)
  t.same(result.errors, undefined)
  t.ok(result.valid)

  const operations = Object.entries(document.paths as Record<string, Record<string, any>>)
    .filter(([path]) => path.startsWith('/step-up/factors'))
    .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })))
  t.same(operations.map(({ key, operation }) => [key, operation.operationId]).sort(), [
    ['DELETE /step-up/factors/{id}', 'stepUpRemoveFactor'],
    ['GET /step-up/factors', 'stepUpListFactors'],
    ['POST /step-up/factors/backup-codes', 'stepUpRenewBackupCodes'],
    ['POST /step-up/factors/passkeys/options', 'stepUpPasskeyRegistrationOptions'],
    ['POST /step-up/factors/passkeys/verify', 'stepUpRegisterPasskey'],
    ['POST /step-up/factors/totp', 'stepUpStartTotpEnrollment'],
    ['POST /step-up/factors/totp/confirm', 'stepUpConfirmTotpEnrollment'],
    ['PUT /step-up/factors/pin', 'stepUpSetPin']
  ])
  const changes = ['DELETE /step-up/factors/{id}', 'POST /step-up/factors/backup-codes', 'POST /step-up/factors/passkeys/verify', 'POST /step-up/factors/totp/confirm', 'PUT /step-up/factors/pin']
  for (const { key, operation } of operations) {
    t.same(operation.tags, ['step-up'], `${key}: tagged`)
    t.match(operation.summary, /\S/, `${key}: a summary`)
    const unauthorized = operation.responses['401']
    if (changes.includes(key)) {
      t.match(unauthorized.description, /RFC 9470/, `${key}: the change's 401`)
      t.ok(unauthorized.headers?.['www-authenticate'], `${key}: the challenge header`)
      t.ok(JSON.stringify(unauthorized).includes('"stepUp"'), `${key}: the hint`)
    } else {
      t.match(unauthorized.description, /FST_STEP_UP_UNAUTHENTICATED/, `${key}: a session only`)
    }
    const success = JSON.stringify(operation.responses['200'])
    const handsOut = key === 'POST /step-up/factors/totp' || key === 'POST /step-up/factors/backup-codes'
    t.equal(/"(secret|codes)"/.test(success), handsOut, `${key}: a secret only where one is handed out once`)
    t.notMatch(success, /"(hash|hashes|publicKey|credential)"/, `${key}: never a hash or key`)
  }
  const remove = document.paths['/step-up/factors/{id}'].delete
  t.match(remove.parameters, [{ name: 'id', in: 'path', required: true }], 'the id is a path parameter')
  t.match(remove.responses['404'].description, /FST_STEP_UP_FACTOR_NOT_FOUND/)
  t.match(remove.responses['409'].description, /FST_STEP_UP_FACTOR_BUSY/)
})
