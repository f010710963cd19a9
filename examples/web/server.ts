// The example app with a web page: sign in, open a protected document, step up in a dialog with
// fastify-step-up/client, read the document; a "Send money" page whose payments need a step-up for
// exactly that payment (transaction signing, payments.ts); and a "Security settings" page where the user adds and
// removes factors (an authenticator app, a passkey, backup codes, a PIN), each change behind a fresh
// step-up. The factors are kept in memory (MemoryFactorStorage) and work for a step-up at once. `npm run example:web` builds the package and the page
// and starts this with --dev, which catches the app's mail in a mailbox shown on the page.
//
//   --dev               developer tools: the mailbox panel (a local SMTP server) and a step-up
//                       clock the page can move forward. Loopback only.
//   --lockout-after N   lock step-up after N failed verifications (default 10), to try the lockout.
//
// Passkeys are on when the server listens on loopback at a fixed port: their RP ID is `localhost`, so
// open the page at http://localhost:PORT/ (not 127.0.0.1: browsers refuse an RP ID that is not the
// page's domain).
//
// Without --dev, mail goes to SMTP_URL, or is printed to the console, as in examples/basic.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { FastifyStepUpOptions } from 'fastify-step-up'
import { buildApp, reachableBase } from '../basic/app.js'
import { exitIfPortUnusable, portFromEnv } from '../basic/listen.js'
import { createMailer } from '../basic/mail.js'
import { DevClock, DevInbox, registerDevTools, startDevSmtp } from './dev-tools.js'
import { paymentActions, registerPayments } from './payments.js'
import { serveStatic } from './static.js'

const { values: args } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    'lockout-after': { type: 'string' }
  }
})
const port = portFromEnv('PORT', 3000)
const host = process.env.HOST ?? '127.0.0.1'
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

function fail (message: string): never {
  console.error(message)
  process.exit(1)
}

const built = { page: here('dist/'), client: here('../../dist/client/'), clientTexts: here('../../dist/client/texts/') }
if (!existsSync(`${built.page}app.js`) || !existsSync(`${built.client}index.js`)) {
  fail('The page is not built: run `npm run example:web`, which builds the package and the page first.')
}
if (args.dev && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
  fail('--dev shows every code sent to anyone who opens the page, so it runs on loopback only: leave HOST unset or set it to 127.0.0.1.')
}
const lockoutAfter = args['lockout-after'] === undefined ? undefined : Number(args['lockout-after'])
if (lockoutAfter !== undefined && !(Number.isInteger(lockoutAfter) && lockoutAfter >= 1 && lockoutAfter <= 100)) {
  fail('--lockout-after takes a whole number from 1 to 100.')
}

const dev = args.dev ? { inbox: new DevInbox(), clock: new DevClock() } : undefined
const smtp = dev ? await startDevSmtp(dev.inbox) : undefined
const mailer = createMailer(smtp?.url ?? (process.env.SMTP_URL || undefined))

const overrides: Partial<FastifyStepUpOptions> = {
  actions: paymentActions,
  ...(dev ? { clock: dev.clock, sms: { send: dev.inbox.sendSms } } : {}),
  ...(lockoutAfter === undefined ? {} : { lockout: { maxFailures: lockoutAfter } })
}
const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host)
const passkey = loopback && port !== 0 ? { rpID: 'localhost', rpName: 'fastify-step-up demo', origin: `http://localhost:${port}` } : undefined
const app = await buildApp({ mailer, stepUp: overrides, ...(passkey ? { passkey } : {}) })
app.addHook('onClose', async () => {
  mailer.close()
  await smtp?.close()
})
if (dev) registerDevTools(app, dev)
registerPayments(app)

await serveStatic(app, [
  { dir: here('page/'), prefix: '/', extensions: ['.html', '.css', '.svg'] },
  { dir: built.page, prefix: '/', extensions: ['.js'] },
  { dir: built.client, prefix: '/client/', extensions: ['.js'] },
  { dir: built.clientTexts, prefix: '/client/texts/', extensions: ['.js'] }
], 'index.html')

await app.listen({ port, host }).catch((err: unknown) => exitIfPortUnusable(err, { port, variable: 'PORT', command: 'npm run example:web' }))

// On loopback, the page's address is localhost: the passkeys' RP ID.
const base = loopback ? `http://localhost:${(app.server.address() as { port: number }).port}` : reachableBase(app, host)
// In dev mode, text messages go to the mailbox on the page, not to this console.
const notes = dev ? app.demo.notes.map((line) => line.includes('SMS codes') ? '  SMS codes appear in the developer mailbox on the page.' : line) : app.demo.notes
console.log(`\n${notes.join('\n')}\n`)
console.log(dev
  ? 'Dev mode: mail and text messages appear in the developer mailbox on the page (caught on this machine, never sent).'
  : `Mail goes ${process.env.SMTP_URL ? `through ${new URL(process.env.SMTP_URL).host}` : 'to this console'}. Start with --dev for the developer mailbox.`)
console.log(passkey
  ? 'Passkeys: sign in, then "Security settings" and "Add a passkey"; the page must be opened at localhost (the RP ID), as below.'
  : 'Passkeys are off: they need HOST on loopback and a fixed PORT.')
console.log(`\nWeb demo: ${base}/  (sign in as alice@example.com / wonderland)\n`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}
