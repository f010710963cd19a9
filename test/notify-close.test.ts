// Closing the plugin waits for the security notifications in flight (each bounded by
// `notifications.timeout`) before it releases what they may still use: a shutdown right after a
// failed step-up must not drop the owner's "someone is guessing" notice.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import t from 'tap'
import stepUp, { type StepUpEvent } from '../lib/index.js'
import { createStepUp } from '../lib/express/index.js'
import { SECRET, frameworks } from './helpers/app.js'

const alice = { id: 'alice', sessionId: 's1', emails: ['alice@example.com'] }

/** Options whose one notification channel is a callback that finishes only when `release` is called. */
function gatedOptions () {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const order: string[] = []
  const options = {
    secret: SECRET,
    getUser: () => alice,
    email: false as const,
    password: { verify: () => false },
    notifications: {
      channels: [],
      failures: { after: 1 },
      send: async () => { order.push('delivering'); await gate; order.push('delivered') }
    },
    onEvent: (event: StepUpEvent) => { if (event.type.startsWith('notification.')) order.push(event.type) }
  }
  return { options, order, release }
}

/** Lets every pending callback and I/O event run a few times over (no timers). */
async function drain (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

for (const framework of frameworks) {
  t.test(`${framework}: close() resolves only once the notifications in flight are delivered`, async (t) => {
    const { options, order, release } = gatedOptions()
    let wrong: { status: number, code: string }
    let close: () => Promise<void>
    if (framework === 'fastify') {
      const app = Fastify()
      await app.register(stepUp, options)
      // Registered after the plugin, so Fastify runs it before the plugin's own onClose: the app
      // closing its mail transport or store client there must not cut the notification off.
      app.addHook('onClose', async () => { order.push('app onClose') })
      const reply = await app.inject({ method: 'POST', url: '/step-up/password/verify', payload: { password: 'guess' } })
      wrong = { status: reply.statusCode, code: reply.json().code }
      close = () => app.close()
    } else {
      const adapter = createStepUp(options)
      const app = express()
      app.use(adapter.router)
      const server = app.listen(0, '127.0.0.1')
      await once(server, 'listening')
      t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
      const reply = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/step-up/password/verify`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'guess' })
      })
      wrong = { status: reply.status, code: (await reply.json() as { code: string }).code }
      close = () => adapter.close()
    }
    t.same(wrong, { status: 400, code: 'FST_STEP_UP_CREDENTIAL_INVALID' }, 'the wrong password is answered without waiting for the notification')
    await drain()
    t.same(order, ['delivering'], 'the failure notification is on its way')

    let closed = false
    const closing = close().then(() => { closed = true })
    await drain()
    t.equal(closed, false, 'close() waits while the notification is still being delivered')
    release()
    await closing
    const closedApp = framework === 'fastify' ? ['app onClose'] : []
    t.same(order, ['delivering', 'delivered', 'notification.sent', ...closedApp], 'it resolved after the delivery and its event, and before the app closed its own resources')
  })
}
