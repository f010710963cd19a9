// fastify-step-up in a small app: password login with @fastify/jwt access tokens, then a step-up
// (every method is on for the demo user) before a sensitive document can be read. Start it with `npm run example`.
import { buildApp, reachableBase } from './app.js'
import { exitIfPortUnusable, portFromEnv } from './listen.js'
import { createMailer } from './mail.js'
import { walkThrough } from './walkthrough.js'

const port = portFromEnv('PORT', 3000)
const host = process.env.HOST ?? '127.0.0.1'
const smtpUrl = process.env.SMTP_URL || undefined

const mailer = createMailer(smtpUrl)
const app = await buildApp({ mailer })
// The plugin closes only transports it made; this one is ours.
app.addHook('onClose', async () => mailer.close())

await app.listen({ port, host }).catch((err: unknown) => exitIfPortUnusable(err, { port, variable: 'PORT', command: 'npm run example' }))

const base = reachableBase(app, host)
const mailbox = smtpUrl ? `sent through ${new URL(smtpUrl).host}, look in that mailbox` : 'printed in this console'
console.log(`\n${app.demo.notes.join('\n')}\n`)
console.log(`\n${walkThrough({ base, mailbox, backupCode: app.demo.backupCodes[0]! })}\n`)
console.log(`Listening on ${base} (Ctrl-C to stop).`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}
