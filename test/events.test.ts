// Audit events: the onEvent option and the structured log lines, on both adapters, for a whole
// flow, with no code, secret or whole token in any of them.
import t from 'tap'
import type { StepUpEvent } from '../lib/index.js'
import { as, buildApp, frameworks, sendCode } from './helpers/app.js'

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('every step of a flow is an event, and a log line, and none carries a secret', async (t) => {
      const events: StepUpEvent[] = []
      const logs: string[] = []
      const testApp = await buildApp(t, {
        framework,
        logs,
        plugin: { onEvent: (event) => { events.push(event) }, lockout: { maxFailures: 3 }, codes: { resendCooldown: 1000 } },
        routes: [{ url: '/pay', requirement: { action: 'payment' } }]
      })
      const post = (url: string, payload: unknown) => testApp.app.inject({ method: 'POST', url, headers: as('alice'), payload })

      const sent = await post('/step-up/email/send', { email: 'alice@example.com', action: { name: 'payment', data: { amount: '9' } } })
      const code = (await testApp.mailbox.next()).text!.match(/code is (\d+)/)![1]!
      const wrong = code === '000000' ? '000001' : '000000'
      await post('/step-up/email/verify', { challengeId: sent.json().challengeId, code: wrong })
      const token = (await post('/step-up/email/verify', { challengeId: sent.json().challengeId, code })).json().token
      await testApp.app.inject({ url: '/pay', headers: { ...as('alice'), 'x-step-up-token': token } })
      await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
      await testApp.app.inject({ url: '/documents/1', headers: as('alice') })
      testApp.clock.advance(1000)
      const again = await sendCode(testApp, 'alice', 'alice@example.com')
      for (let i = 0; i < 4; i++) await post('/step-up/email/verify', { challengeId: again.challengeId, code: wrong })

      const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti
      const who = { userId: 'alice', sessionId: 's1' }
      t.same(events.slice(0, 6), [
        { type: 'challenge.sent', ...who, method: 'email', challengeId: sent.json().challengeId, destination: 'a***@example.com', action: 'payment' },
        { type: 'verification.failed', ...who, method: 'email', code: 'FST_STEP_UP_CODE_INVALID' },
        { type: 'verification.succeeded', ...who, method: 'email' },
        { type: 'token.issued', ...who, method: 'email', jti, action: 'payment' },
        { type: 'token.rejected', ...who, code: 'FST_STEP_UP_INSUFFICIENT', jti },
        { type: 'challenge.sent', ...who, method: 'email', challengeId: again.challengeId, destination: 'a***@example.com' }
      ], 'sent, failed, succeeded, issued, rejected elsewhere (a missing token is not an event), sent again')
      t.same(events.slice(6).map((event) => [event.type, 'code' in event ? event.code : undefined]), [
        ['verification.failed', 'FST_STEP_UP_CODE_INVALID'],
        ['verification.failed', 'FST_STEP_UP_LOCKED'],
        ['user.locked', undefined],
        ['verification.failed', 'FST_STEP_UP_LOCKED'],
        ['user.locked', undefined],
        ['verification.failed', 'FST_STEP_UP_LOCKED']
      ], 'the third failure locks (the one before the success still counts); a try while locked is reported as the lock')
      t.match(events.at(-2), { type: 'user.locked', userId: 'alice', method: 'email', retryAfter: 900 })

      const log = logs.join('\n')
      for (const type of ['challenge.sent', 'verification.failed', 'verification.succeeded', 'token.issued', 'token.rejected', 'user.locked']) {
        t.match(log, `step-up ${type}`, `a log line for ${type}`)
      }
      t.notOk(log.includes(code), 'no code in the logs')
      t.notOk(log.includes(token) || log.includes(token.split('.')[2]), 'no token, not even its signature')
      t.notOk(JSON.stringify(events).includes(code) || JSON.stringify(events).includes(token.split('.')[2]), 'nor in the events')
    })

    t.test('an onEvent that throws changes nothing', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { onEvent: () => { throw new Error('audit sink down') } } })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      const verified = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      t.equal(verified.statusCode, 200)
    })
  })
}

t.test('onEvent must be a function', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { default: stepUp } = await import('../lib/index.js')
  const app = Fastify()
  app.register(stepUp, { secret: 'x'.repeat(32), getUser: () => null, password: { verify: () => false }, onEvent: 'log' as never })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_STEP_UP_OPTION_INVALID', message: /The onEvent option must be a function/ })
  await app.close()
})
