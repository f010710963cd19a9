// Security notifications in a running app (issue 21, OWASP ASVS 5.0 6.3.4 and 6.3.6), on both
// frameworks, through a real SMTP server: repeated failed step-ups, a lockout, factor changes;
// in the user's language; never the code, a guess or a token; never changing the request's outcome.
import type { ParsedMail } from 'mailparser'
import t from 'tap'
import type { StepUpEvent } from '../lib/index.js'
import { as, buildApp, frameworks, users, type TestApp } from './helpers/app.js'
import { buildFactorApp, headers, passwordToken } from './helpers/factors.js'

const AGENT = 'NotifyTest/1.0 (X11; Linux)'

function getUser (request: { headers: Record<string, string | string[] | undefined> }) {
  const id = String(request.headers['x-user'])
  const locale = request.headers['x-locale']
  return { ...users[id]!, sessionId: 's1', ...(typeof locale === 'string' ? { locale } : {}) }
}

/** The code in a code mail, in whatever language. */
function codeIn (mail: ParsedMail): string {
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1]
  if (code === undefined) throw new Error(`no code in message: ${mail.text}`)
  return code
}

/** The adapter's log lines that report a step-up event, parsed. */
function stepUpLines (lines: string[]): Array<{ level: number, msg: string, reqId?: string, stepUp: StepUpEvent }> {
  return lines.map((line) => JSON.parse(line)).filter((line) => typeof line.stepUp?.type === 'string')
}

/** Mails until one whose subject is `subject`; the others (codes) are handed back. */
async function mailWithSubject (testApp: TestApp, subject: string): Promise<{ mail: ParsedMail, others: ParsedMail[] }> {
  const others: ParsedMail[] = []
  for (;;) {
    const mail = await testApp.mailbox.next()
    if (mail.subject === subject) return { mail, others }
    others.push(mail)
  }
}

for (const framework of frameworks) {
  t.test(`${framework}: failed step-ups, then the lock: each told once, in the user's language, with nothing secret`, async (t) => {
    const events: StepUpEvent[] = []
    const testApp = await buildApp(t, {
      framework,
      plugin: { getUser, notifications: undefined, lockout: { maxFailures: 6 }, onEvent: (event) => { events.push(event) } }
    })
    const who = { ...as('bob'), 'x-locale': 'fr', 'user-agent': AGENT }
    const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: who, payload: { email: 'bob@example.com' } })
    const code = codeIn(await testApp.mailbox.next())
    const guesses: string[] = []
    const guess = async () => {
      const wrong = String((Number(code) + 1 + guesses.length) % 1_000_000).padStart(6, '0')
      guesses.push(wrong)
      return testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: who, payload: { challengeId: sent.json().challengeId, code: wrong } })
    }
    for (let i = 0; i < 2; i++) t.equal((await guess()).json().code, 'FST_STEP_UP_CODE_INVALID')
    t.equal(testApp.mailbox.messages.length, 1, 'two failures: no notification yet (the default is after 3)')
    t.equal((await guess()).json().code, 'FST_STEP_UP_CODE_INVALID', 'the third failure answers as before')
    const { mail: failures } = await mailWithSubject(testApp, 'Tentatives de vérification échouées')
    t.match(failures.text, /^Quelqu’un a échoué 3 fois à se vérifier en votre nom avec un code par e-mail ; la dernière le 1 janvier 2026/)
    t.match(failures.text, new RegExp(`Depuis: \\S+ \\(${AGENT.replace(/[()/.]/g, '\\$&')}\\)`), 'where from: the address and the user agent')
    t.match(String(failures.html), /<html lang="fr">/)

    // Two more failures in the window: no second notification; the next new challenge's failures neither.
    testApp.clock.advance(31_000)
    const again = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: who, payload: { email: 'bob@example.com' } })
    const code2 = codeIn(await testApp.mailbox.next())
    const wrong2 = code2 === '111111' ? '222222' : '111111'
    guesses.push(wrong2)
    t.equal((await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: who, payload: { challengeId: again.json().challengeId, code: wrong2 } })).json().code, 'FST_STEP_UP_CODE_INVALID')
    t.equal((await guess()).json().code, 'FST_STEP_UP_CODE_INVALID', 'the fifth failure')
    t.equal((await guess()).json().code, 'FST_STEP_UP_LOCKED', 'the sixth failure locks')
    const { mail: locked, others } = await mailWithSubject(testApp, 'La vérification est bloquée sur votre compte')
    t.same(others, [], 'no second failure notification within the hour')
    t.match(locked.text, /bloquée pendant 15 minutes/)
    t.equal((await guess()).json().code, 'FST_STEP_UP_LOCKED')

    await new Promise((resolve) => setImmediate(resolve))
    const notifications = events.filter((event) => event.type.startsWith('notification.'))
    t.same(notifications, [
      { type: 'notification.sent', userId: 'bob', kind: 'failures', channel: 'email' },
      { type: 'notification.sent', userId: 'bob', kind: 'locked', channel: 'email' }
    ], 'each reported as an event')
    for (const mail of [failures, locked]) {
      for (const secret of [code, code2, ...guesses]) {
        t.notOk(`${mail.subject}\n${mail.text}\n${String(mail.html)}`.includes(secret), 'no code and no guess in a notification')
      }
      t.same(mail.to && !Array.isArray(mail.to) && mail.to.value.map((a) => a.address), ['bob@example.com'], 'to the user\'s own address')
    }
  })

  t.test(`${framework}: a mail server that refuses the notification changes no answer, and is reported`, async (t) => {
    const events: StepUpEvent[] = []
    let reported: () => void
    const failed = new Promise<void>((resolve) => { reported = resolve })
    const onEvent = (event: StepUpEvent) => {
      events.push(event)
      if (event.type === 'notification.failed') reported()
    }
    const testApp = await buildApp(t, { framework, plugin: { notifications: { failures: { after: 1 } }, onEvent } })
    const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
    const code = codeIn(await testApp.mailbox.next())
    testApp.mailbox.refuse = true
    const wrong = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('bob'), payload: { challengeId: sent.json().challengeId, code: code === '000000' ? '999999' : '000000' } })
    t.equal(wrong.json().code, 'FST_STEP_UP_CODE_INVALID', 'the failure answers as ever while its notification is refused')
    await failed
    testApp.mailbox.refuse = false
    const right = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('bob'), payload: { challengeId: sent.json().challengeId, code } })
    t.equal(right.statusCode, 200, 'the right code still works')
    t.match(events.filter((event) => event.type.startsWith('notification.')), [{ type: 'notification.failed', userId: 'bob', kind: 'failures', channel: 'email', reason: 'error' }])
  })

  t.test(`${framework}: each notification's outcome is a line in the log of the request that caused it, a refused one at warn, with nothing secret`, async (t) => {
    const lines: string[] = []
    let heard: (() => void) | undefined
    const onEvent = (event: StepUpEvent) => { if (event.type.startsWith('notification.')) heard?.() }
    const testApp = await buildApp(t, { framework, logs: lines, plugin: { notifications: { failures: { after: 1 } }, onEvent } })
    const secrets: string[] = []
    /** A code, then a wrong guess at it (its notification refused by the mail server when `refuse`); resolves once the notification's outcome is known. */
    const wrongGuess = async (refuse: boolean) => {
      const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
      const code = codeIn(await testApp.mailbox.next())
      const wrong = code === '000000' ? '999999' : '000000'
      secrets.push(code, wrong, sent.json().challengeId)
      testApp.mailbox.refuse = refuse
      const outcome = new Promise<void>((resolve) => { heard = resolve })
      const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('bob'), payload: { challengeId: sent.json().challengeId, code: wrong } })
      t.equal(reply.json().code, 'FST_STEP_UP_CODE_INVALID')
      await outcome
      testApp.mailbox.refuse = false
    }
    await wrongGuess(false)
    t.equal((await testApp.mailbox.next()).subject, 'Failed attempts to verify your identity', 'the first one delivered')
    testApp.clock.advance(3_600_001) // the next failure is news again (failures.window)
    await wrongGuess(true)

    const logged = stepUpLines(lines)
    const told = logged.filter((line) => line.stepUp.type.startsWith('notification.'))
    t.match(told, [
      { level: 30, msg: 'step-up notification.sent', stepUp: { type: 'notification.sent', userId: 'bob', kind: 'failures', channel: 'email' } },
      { level: 40, msg: 'step-up notification.failed', stepUp: { type: 'notification.failed', userId: 'bob', kind: 'failures', channel: 'email', reason: 'error' } }
    ], 'delivered at info, refused at warn')
    t.equal(told.length, 2)
    if (framework === 'fastify') {
      // The request's own logger: the line carries the id of the request whose failure it tells of.
      const failures = logged.filter((line) => line.stepUp.type === 'verification.failed')
      t.equal(failures.length, 2)
      t.same(told.map((line) => line.reqId), failures.map((line) => line.reqId), 'each in the log of its verify request')
      t.ok(told.every((line) => typeof line.reqId === 'string'))
    }
    for (const line of lines.filter((line) => line.includes('notification.'))) {
      for (const secret of secrets) t.notOk(line.includes(secret), 'no code, guess or challenge id in a notification\'s log line')
    }
  })

  t.test(`${framework}: a factor change is told with the client's IP and user agent, in the language of Accept-Language when the profile has none, and logged with its request`, async (t) => {
    const lines: string[] = []
    let outcomes = 0
    let bothOut: () => void
    const delivered = new Promise<void>((resolve) => { bothOut = resolve })
    const onEvent = (event: StepUpEvent) => { if (event.type.startsWith('notification.') && ++outcomes === 2) bothOut() }
    const testApp = await buildFactorApp(t, { framework, logs: lines, plugin: { notifications: undefined, onEvent } })
    const token = await passwordToken(testApp)
    const made = await testApp.app.inject({
      method: 'PUT',
      url: '/step-up/factors/pin',
      headers: { ...headers('alice', 's1', token), 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5', 'user-agent': AGENT },
      payload: { pin: '135790' }
    })
    t.equal(made.statusCode, 200)
    const mail = await testApp.mailbox.next()
    await testApp.mailbox.next() // the same, at her other address
    t.equal(mail.subject, 'Une méthode de connexion a été ajoutée à votre compte')
    t.match(mail.text, /^Cette méthode de connexion a été ajoutée à votre compte le 1 janvier 2026 .*: un code PIN\./)
    t.match(mail.text, `\nDepuis: 127.0.0.1 (${AGENT})\n`, 'where the change came from: the IP and the user agent')
    t.match(String(mail.html), /<html lang="fr">/)
    t.match(String(mail.html), '127.0.0.1 (NotifyTest/1.0 (X11; Linux))')
    await delivered
    const told = stepUpLines(lines).filter((line) => line.stepUp.type.startsWith('notification.'))
    t.match(told, [{ level: 30, stepUp: { kind: 'factor-added', channel: 'email' } }, { level: 30, stepUp: { kind: 'factor-added', channel: 'email' } }], 'each delivery in the log')
    t.equal(told.length, 2)
    if (framework === 'fastify') {
      const change = stepUpLines(lines).find((line) => line.stepUp.type === 'factor.added')
      t.ok(change?.reqId)
      t.ok(told.every((line) => line.reqId === change!.reqId), 'in the log of the request that made the change')
    }
  })

  t.test(`${framework}: factor changes are told to the owner, at each of her verified addresses: added, renewed, changed, removed`, async (t) => {
    const testApp = await buildFactorApp(t, { framework, plugin: { notifications: undefined } })
    /** One notification: the same mail at each of Alice's two addresses (her profile spells the second in capitals). */
    const told = async () => {
      const [one, two] = [await testApp.mailbox.next(), await testApp.mailbox.next()]
      const to = [one, two].map((mail) => mail.to && !Array.isArray(mail.to) && mail.to.value[0]!.address).sort()
      t.same(to, ['Alice.Work@example.org', 'alice@example.com'], 'each verified address, once')
      t.equal(one.text, two.text)
      return one
    }
    const token = await passwordToken(testApp)
    const made = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('alice', 's1', token), payload: {} })
    t.equal(made.statusCode, 200)
    const added = await told()
    t.equal(added.subject, 'A sign-in method was added to your account')
    t.match(added.text, /: backup codes\./)
    for (const backup of made.json().codes as string[]) t.notOk(added.text!.includes(backup), 'no backup code in the notification')
    const renewed = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('alice', 's1', await passwordToken(testApp)), payload: {} })
    t.equal(renewed.statusCode, 200)
    t.match(await told(), { subject: 'New backup codes were made for your account', text: /^10 new backup codes were made/ })
    const pin = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('alice', 's1', await passwordToken(testApp)), payload: { pin: '135790' } })
    t.equal(pin.statusCode, 200)
    t.match(await told(), { subject: 'A sign-in method was added to your account', text: /: a PIN\./ })
    const again = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('alice', 's1', await passwordToken(testApp)), payload: { pin: '246801' } })
    t.equal(again.statusCode, 200)
    t.match(await told(), { subject: 'Your PIN was changed' })
    const removed = await testApp.app.inject({ method: 'DELETE', url: `/step-up/factors/${renewed.json().factor.id as string}`, headers: headers('alice', 's1', await passwordToken(testApp)) })
    t.equal(removed.statusCode, 200)
    t.match(await told(), { subject: 'A sign-in method was removed from your account', text: /: backup codes\./ })
  })
}
