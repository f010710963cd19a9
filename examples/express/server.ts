// fastify-step-up in an Express 5 app: the same demo as examples/basic (password login, then an
// emailed code before a sensitive document), with the Express adapter. `npm run example:express`.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { SignJWT, jwtVerify } from 'jose'
import { createStepUp } from 'fastify-step-up/express'
import { demoFactors, demoMethods, stepUpView } from '../basic/factors.js'
import { exitIfPortUnusable, portFromEnv } from '../basic/listen.js'
import { createMailer } from '../basic/mail.js'
import { checkLogin, findUserById } from '../basic/users.js'
import { walkThrough } from '../basic/walkthrough.js'

// Public dev defaults so the demo starts with no setup; set both variables anywhere else.
const DEV_STEP_UP_SECRET = 'DEV-ONLY step-up secret, public, never use in production'
const DEV_JWT_SECRET = 'DEV-ONLY access-token secret, public, never use in production'
const port = portFromEnv('PORT', 3000)
const host = process.env.HOST ?? '127.0.0.1'
const smtpUrl = process.env.SMTP_URL || undefined
for (const name of ['STEP_UP_SECRET', 'JWT_SECRET']) {
  if (!process.env[name]) console.log(`warning: ${name} is not set: using the public dev default. Set it outside development.`)
}
const jwtKey = new TextEncoder().encode(process.env.JWT_SECRET || DEV_JWT_SECRET)

const app = express()

// The app's own login: an access token naming the user (sub) and this login session (sid).
app.post('/login', express.json(), async (req, res) => {
  const { email, password } = req.body ?? {}
  const user = typeof email === 'string' && typeof password === 'string' ? await checkLogin(email, password) : undefined
  // One message for both a wrong password and an unknown email: it must not reveal who has an account.
  if (!user) {
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'Wrong email or password' })
    return
  }
  const accessToken = await new SignJWT({ sid: randomBytes(16).toString('base64url') })
    .setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setExpirationTime('1h').sign(jwtKey)
  res.json({ accessToken })
})

const mailer = createMailer(smtpUrl)
// Alice has every factor, so the demo can show every method; the managed ones are kept in a
// MemoryFactorStorage, changed through the factor routes (GET /step-up/factors lists them).
const { factors, sheet } = await demoFactors()
const stepUp = createStepUp({
  secret: process.env.STEP_UP_SECRET || DEV_STEP_UP_SECRET,
  // The adapter asks the app who is logged in; an absent or bad access token means nobody.
  async getUser (req) {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ')
    if (scheme !== 'Bearer' || !token) return null
    try {
      const { payload } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'] })
      const user = findUserById(String(payload.sub))
      return user && typeof payload.sid === 'string' ? stepUpView(user, payload.sid, factors) : null
    } catch {
      return null
    }
  },
  email: { from: 'Example Security <security@example.com>', transport: mailer },
  ...demoMethods(factors)
})
app.use(stepUp.router)

app.get('/documents/:id', stepUp.requireStepUp({ maxAge: '5m' }), (req, res) => {
  res.json({
    id: req.params.id,
    title: 'Quarterly payroll',
    text: 'Only people who proved themselves in the last 5 minutes can read this.',
    steppedUpAt: new Date(req.stepUp!.auth_time * 1000).toISOString()
  })
})

// Express 5 hands a listen error to this callback.
const server = app.listen(port, host, (err?: Error) => {
  if (err) exitIfPortUnusable(err, { port, variable: 'PORT', command: 'npm run example:express' })
  const { port: actualPort } = server.address() as AddressInfo
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const base = `http://${shownHost}:${actualPort}`
  const mailbox = smtpUrl ? `sent through ${new URL(smtpUrl).host}, look in that mailbox` : 'printed in this console'
  console.log(`\n${sheet.notes.join('\n')}\n`)
  console.log(`\n${walkThrough({ base, mailbox, backupCode: sheet.backupCodes[0]! })}\n`)
  console.log(`Listening on ${base} (Ctrl-C to stop).`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      // The plugin first lets security notifications in flight go out through the mailer.
      stepUp.close().then(() => mailer.close()).then(() => process.exit(0), () => process.exit(1))
    })
    server.closeAllConnections()
  })
}
