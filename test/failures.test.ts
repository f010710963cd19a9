// Dependencies fail: the mail server refuses, the store goes away. Fail closed, leave nothing
// half made, keep running, recover. Last, failClosed, the wrapper that makes any store fail closed.
import t from 'tap'
import { failClosed } from '../lib/core/fail-closed.js'
import { MemoryStore, StoreFullError } from '../lib/index.js'
import { as, buildApp, frameworks, sendCode, stepUpToken } from './helpers/app.js'
import { switchableStore, wrapStore } from './helpers/stores.js'

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('the SMTP server refuses the message: 502, and no usable challenge or cooldown is left', async (t) => {
      const { store, inner, created } = switchableStore()
      const testApp = await buildApp(t, { framework, plugin: { store } })
      testApp.mailbox.refuse = true
      const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
      t.equal(reply.statusCode, 502)
      t.equal(reply.json().code, 'FST_STEP_UP_SEND_FAILED')
      t.notOk(reply.json().challengeId)
      t.equal(created.length, 1, 'a challenge was made before sending')
      t.equal(await inner.getChallenge(created[0]!), undefined, 'and removed when the send failed')

      testApp.mailbox.refuse = false
      const again = await sendCode(testApp, 'alice', 'alice@example.com')
      t.ok(again.challengeId, 'the user can ask again at once: the cooldown was released')
    })

    t.test('an unreachable SMTP server: 502, the process keeps serving', async (t) => {
      const testApp = await buildApp(t, { framework, email: { transport: { host: '127.0.0.1', port: 1, connectionTimeout: 2000 } } })
      const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
      t.equal(reply.statusCode, 502)
      t.equal(reply.json().code, 'FST_STEP_UP_SEND_FAILED')
      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('alice') })
      t.equal(methods.statusCode, 200)
    })

    t.test('store outage: 503 with a stable code, nothing issued, and recovery without restart', async (t) => {
      const { store, state } = switchableStore()
      const testApp = await buildApp(t, { framework, plugin: { store } })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')

      state.down = true
      const send = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice.work@example.org' } })
      t.equal(send.statusCode, 503)
      t.equal(send.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
      t.notMatch(send.body, /ECONNREFUSED/, 'the cause is logged, not shown')
      const verify = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      t.equal(verify.statusCode, 503)
      t.equal(verify.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
      t.notOk(verify.json().token)
      t.equal(testApp.mailbox.messages.length, 1, 'no mail went out during the outage')

      state.down = false
      const after = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      t.equal(after.statusCode, 200, 'the same challenge works once the store is back')
    })

    t.test('a store that fails halfway through a send leaves no challenge behind', async (t) => {
      let failLog = false
      const { store } = wrapStore(async (name, _args, call) => {
        if (name === 'logAdd' && failLog) throw new Error('timeout')
        return call()
      })
      const testApp = await buildApp(t, { framework, plugin: { store } })
      failLog = true
      const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
      t.equal(reply.statusCode, 503)
      t.equal(testApp.mailbox.messages.length, 0, 'the failed send sent nothing')
      failLog = false
      const again = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
      t.equal(again.statusCode, 202, 'the cooldown set before the failure was released')
    })

    t.test('a store that fails after a code was spent still gives the token: the user proved themselves', async (t) => {
      let failReset = false
      const { store } = wrapStore(async (name, args, call) => {
        if (name === 'logRemove' && failReset && String(args[0]).startsWith('failures:')) throw new Error('timeout')
        return call()
      })
      const testApp = await buildApp(t, { framework, plugin: { store } })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      failReset = true
      const verify = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      t.equal(verify.statusCode, 200, 'not a 503 with the code already spent')
      const guarded = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': verify.json().token } })
      t.equal(guarded.statusCode, 200, 'and the token works')
      const again = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      t.equal(again.json().code, 'FST_STEP_UP_CODE_USED', 'the code is still single use')
    })

    t.test('no code, token or secret appears in any log line of a whole flow', async (t) => {
      const lines: string[] = []
      const { store, state } = switchableStore()
      const testApp = await buildApp(t, { framework, plugin: { store }, logs: lines })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code: code === '000000' ? '000001' : '000000' } })
      const token = await stepUpToken(testApp, 'alice', 'alice.work@example.org')
      await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
      await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token + 'x' } })
      await testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token } })
      state.down = true
      await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
      testApp.mailbox.refuse = true
      state.down = false
      await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })

      const log = lines.join('')
      t.ok(lines.length >= 4, 'the refusals and failures were logged')
      t.match(log, /step-up refused/)
      t.match(log, /step-up failed/)
      t.match(log, /FST_STEP_UP_STORE_UNAVAILABLE/)
      t.notOk(log.includes(code), 'no one-time code')
      t.notOk(log.includes(token), 'no whole token')
      t.notOk(log.includes(token.split('.')[2]!), 'no token signature')
      t.notOk(log.includes('a-test-secret'), 'no secret')
    })
  })
}

t.test('failClosed turns a store that throws, at once or later, into a rejected 503 with the cause', async (t) => {
  const broken = new Error('connection lost')
  const store = new MemoryStore()
  const full: string[] = []
  const onFull = (operation: string) => { full.push(operation) }
  const syncThrow = failClosed(Object.assign(Object.create(store), { markOnce: () => { throw broken } }), onFull)
  const asyncThrow = failClosed(Object.assign(Object.create(store), { markOnce: async () => { throw broken } }), onFull)
  for (const [name, wrapped] of [['throws', syncThrow], ['rejects', asyncThrow]] as const) {
    let pending: Promise<unknown> | undefined
    t.doesNotThrow(() => { pending = wrapped.markOnce('k', 1000) }, `${name}: never a synchronous throw`)
    await t.rejects(pending!, { code: 'FST_STEP_UP_STORE_UNAVAILABLE', statusCode: 503, cause: broken }, name)
  }
  t.same(full, [], 'an outage is not reported as a full store')
  const fullStore = failClosed(Object.assign(Object.create(store), { logAdd: async () => { throw new StoreFullError('Test store') } }), onFull)
  await t.rejects(fullStore.logAdd('k', 'e', 1, 1000), { code: 'FST_STEP_UP_STORE_UNAVAILABLE', statusCode: 503 })
  t.same(full, ['logAdd'], 'a full store is refused the same way, and reported with the operation')
  t.equal(await failClosed(store, onFull).markOnce('k', 1000), true, 'a working store answers as it is')
  t.equal(await failClosed(store, onFull).markOnce('k', 1000), false)
})
