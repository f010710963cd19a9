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
