// Security notifications (issue 21, OWASP ASVS 5.0 6.3.4 and 6.3.6), through a real SMTP server:
// each kind in each built-in language, at most as often as promised under a burst, never failing
// the request that caused it (a channel that throws or hangs), never carrying more than it should.
import { Clock } from '@tapjs/clock'
import nodemailer from 'nodemailer'
import t from 'tap'
import { createTranslator } from '../lib/i18n/translator.js'
import { factorChangeFact, type NotificationEvent } from '../lib/notify/kinds.js'
import { notificationChannels } from '../lib/notify/channels.js'
import { Notifier, type NotifierChannels } from '../lib/notify/notifier.js'
import { resolveNotifications, type NotificationOptions } from '../lib/notify/options.js'
import { createEmailChannel } from '../lib/methods/email/method.js'
import { createSmsChannel } from '../lib/methods/sms/method.js'
import { MemoryStore } from '../lib/stores/memory.js'
import { createEmailSender } from '../lib/senders/email.js'
import type { StepUpStore } from '../lib/stores/store.js'
import type { StepUpUser } from '../lib/types.js'
import { startMailbox, type Mailbox } from './helpers/smtp.js'
import { SAMPLE_FACTS as FACTS } from '../scripts/mail-samples.js'

const ALICE: StepUpUser = { id: 'alice', sessionId: 's1', emails: ['alice@example.com'], phones: ['+15550100123'] }

interface Rig {
  notifier: Notifier
  clock: Clock
  events: NotificationEvent[]
  texts: Array<{ to: string, text: string, kind: string, code: string }>
}

function rig (mailbox: Mailbox | undefined, options: NotificationOptions = {}, channels: Partial<NotifierChannels> = {}, store?: StepUpStore, realTimers = false): Rig {
  const clock = new Clock()
  clock.travel(Date.UTC(2026, 11, 6, 9, 0))
  const events: NotificationEvent[] = []
  const texts: Rig['texts'] = []
  const transport = mailbox && nodemailer.createTransport(mailbox.url)
  const catalogs = createTranslator()
  // The real channels: the email method's sender over SMTP, the SMS method over a gateway that keeps what it is asked to send.
  const email = transport && createEmailChannel({ from: 'security@example.com', transport }, createEmailSender({ from: 'security@example.com', transport }, catalogs))
  const sms = createSmsChannel({ send: async (message) => { texts.push({ to: message.to, text: message.text, kind: message.kind, code: message.code }) } }, catalogs)
  const notifier = new Notifier(resolveNotifications(options)!, {
    store: store ?? new MemoryStore({ clock }),
    clock,
    texts: catalogs,
    // As setup wires it: to onEvent (here, `events`) and to the request's audit when there is one.
    emit: (event, audit) => { events.push(event); audit?.(event) },
    ...(realTimers ? {} : { timers: clock }),
    channels: {
      ...(email ? { email: { destinations: (user) => user.emails ?? [], send: (message) => email.notify(message) } } : {}),
      sms: { destinations: (user) => user.phones ?? [], send: (message) => sms.notify(message) },
      ...channels
    }
  })
  return { notifier, clock, events, texts }
}

/** A phrase of each kind's text, in each language, that only that text has. */
const PHRASES: Record<string, Record<string, RegExp>> = {
  en: { failures: /failed 4 times to verify as you with an authenticator app/, locked: /locked for 15 minutes/, 'factor-added': /added to your account .*: a passkey\./, 'factor-removed': /removed from your account .*: an authenticator app\./, 'backup-codes-renewed': /10 new backup codes/, 'pin-changed': /Your PIN was changed/, 'new-device': /with a passkey on .*not seen/ },
  fr: { failures: /a échoué 4 fois .* avec une application d’authentification/, locked: /bloquée pendant 15 minutes/, 'factor-added': /ajoutée à votre compte .*: une clé d’accès\./, 'factor-removed': /retirée de votre compte .*: une application d’authentification\./, 'backup-codes-renewed': /10 nouveaux codes de secours/, 'pin-changed': /Votre code PIN a été modifié/, 'new-device': /avec une clé d’accès le .*inconnu/ },
  de: { failures: /4-mal erfolglos versucht, sich mit einer Authenticator-App/, locked: /für 15 Minuten gesperrt/, 'factor-added': /hinzugefügt: ein Passkey\./, 'factor-removed': /entfernt: eine Authenticator-App\./, 'backup-codes-renewed': /10 neue Backup-Codes/, 'pin-changed': /Ihre PIN wurde am .* geändert/, 'new-device': /mit einem Passkey bestätigt/ },
  es: { failures: /falló 4 veces al verificarse como usted con una aplicación de autenticación/, locked: /bloqueada durante 15 minutos/, 'factor-added': /se añadió a su cuenta .*: una llave de acceso\./, 'factor-removed': /se quitó de su cuenta .*: una aplicación de autenticación\./, 'backup-codes-renewed': /Se crearon 10 nuevos códigos/, 'pin-changed': /Su PIN se cambió/, 'new-device': /con una llave de acceso el .*no conocíamos/ }
}

t.test('each notification reaches a real mailbox in each built-in language, as text and as HTML', async (t) => {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  for (const locale of ['en', 'fr', 'de', 'es']) {
    const { notifier, events } = rig(mailbox, { newDevice: true })
    const user = { ...ALICE, locale }
    // The first device a user is seen on is not news; a second one is.
    notifier.notify(user, { kind: 'new-device', method: 'passkey' }, { client: { ip: '192.0.2.1', userAgent: 'Firefox' } })
    await notifier.settled()
    for (const fact of FACTS) notifier.notify(user, fact, { client: { ip: '192.0.2.99', userAgent: 'Curl/8' } })
    await notifier.settled()
    t.equal(events.filter((e) => e.type === 'notification.sent' && e.channel === 'email').length, FACTS.length, `${locale}: one mail per fact`)
    const mails = await Promise.all(FACTS.map(() => mailbox.next()))
    for (const fact of FACTS) {
      const mail = mails.find((m) => PHRASES[locale]![fact.kind]!.test(m.text ?? ''))
      t.ok(mail, `${locale} ${fact.kind}: its text arrived`)
      if (!mail) continue
      t.equal(mail.subject, createTranslator().text(locale, `notify.${fact.kind}.subject`, {}), `${locale} ${fact.kind}: its subject`)
      t.match(String(mail.html), new RegExp(`<html lang="${locale}">`), 'the HTML says its language')
      t.notMatch(String(mail.html), /<img|https?:|<link|<script/i, 'no image, nothing remote')
      t.same(mail.to && !Array.isArray(mail.to) && mail.to.value.map((a) => a.address), ['alice@example.com'], 'to the user\'s own address only')
    }
    const located = mails.find((m) => PHRASES[locale]!.failures!.test(m.text ?? ''))!
    t.match(located.text, /192\.0\.2\.99 \(Curl\/8\)/, 'where from, as the app passed it on')
  }
})

t.test('what the app passes on of the client cannot shape the mail', async (t) => {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const { notifier } = rig(mailbox)
  notifier.notify(ALICE, { kind: 'failures', method: 'pin', count: 3 }, { client: { ip: '<b>1.2.3.4</b>', userAgent: `<script>alert(1)</script>\r\nBcc: eve@example.com\u202e${'x'.repeat(500)}` } })
  await notifier.settled()
  const mail = await mailbox.next()
  t.notMatch(String(mail.html), /<script>|<b>1/, 'escaped in HTML')
  t.match(String(mail.html), /&lt;script&gt;alert\(1\)&lt;\/script&gt; Bcc: eve@example\.com/, 'shown as text on one line: a line break is a space, so no header can be injected')
  t.notMatch(mail.text!, /\u202e|\r/, 'no bidi override, no carriage return')
  t.notOk(mail.bcc, 'no header injected')
  t.same(mailbox.envelopes.at(-1)!.to, ['alice@example.com'], 'one recipient in the envelope')
  t.match(mail.text!, /x{100}/)
  t.notMatch(mail.text!, /x{200}/, 'the user agent is cut to 200 characters')
})

t.test('repeated failures: nothing below the threshold, then at most one notification per window, under a burst', async (t) => {
  const { notifier, clock, texts } = rig(undefined, { channels: ['sms'], failures: { after: 3, window: '1h' } })
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 1 })
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 2 })
  await notifier.settled()
  t.equal(texts.length, 0, 'below the threshold: no notification')
  for (let count = 3; count <= 60; count++) notifier.notify(ALICE, { kind: 'failures', method: 'totp', count })
  await notifier.settled()
  t.equal(texts.length, 1, 'a burst of 58 failures past the threshold: one notification')
  t.equal(texts[0]!.to, '+15550100123')
  t.notMatch(texts[0]!.text, /\n/, 'a text message on one line')
  t.match(texts[0], { kind: 'notification', code: '', text: /^Failed attempts to verify your identity: Someone failed 3 times/ }, 'the gateway is told it carries no code')
  clock.advance(59 * 60_000)
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 61 })
  await notifier.settled()
  t.equal(texts.length, 1, 'still within the window')
  clock.advance(60_001)
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 5 })
  notifier.notify({ ...ALICE, id: 'bob' }, { kind: 'failures', method: 'totp', count: 5 })
  await notifier.settled()
  t.equal(texts.length, 3, 'a new window, and another user, are told again')
})

t.test('a lockout is told once per lock; factor changes every time; a new device once, never the first one', async (t) => {
  const { notifier, clock, events } = rig(undefined, { channels: ['sms'], newDevice: true })
  const sent = () => events.filter((e) => e.type === 'notification.sent').map((e) => e.kind)
  notifier.notify(ALICE, { kind: 'locked', method: 'email', minutes: 15 })
  notifier.notify(ALICE, { kind: 'locked', method: 'email', minutes: 15 })
  await notifier.settled()
  t.same(sent(), ['locked'])
  clock.advance(15 * 60_000 + 1)
  notifier.notify(ALICE, { kind: 'locked', method: 'email', minutes: 15 })
  notifier.notify(ALICE, { kind: 'pin-changed' })
  notifier.notify(ALICE, { kind: 'pin-changed' })
  await notifier.settled()
  t.same(sent().sort(), ['locked', 'locked', 'pin-changed', 'pin-changed'])
  const device = { ip: '192.0.2.1', userAgent: 'Firefox' }
  for (const client of [device, device, {}, { ip: ' \t' }, { userAgent: 'Chrome' }, { userAgent: 'Chrome' }, { ip: '192.0.2.1' }]) {
    notifier.notify(ALICE, { kind: 'new-device', method: 'passkey' }, { client })
    await notifier.settled()
  }
  t.same(sent().filter((kind) => kind === 'new-device'), ['new-device', 'new-device'], 'each device after the first, once; without client details (a blank IP is none) nothing is known')
})

t.test('with the real timers, a delivery that answers in time is sent and its timer cleared', async (t) => {
  const { notifier, events } = rig(undefined, { channels: ['sms'] }, {}, undefined, true)
  notifier.notify(ALICE, { kind: 'pin-changed' }, { client: { ip: '', userAgent: 42 as never } })
  await notifier.settled()
  t.same(events, [{ type: 'notification.sent', userId: 'alice', kind: 'pin-changed', channel: 'sms' }])
})

t.test('client: false leaves where a request came from out of the text, and still tells new devices apart', async (t) => {
  const got: Array<{ text: string }> = []
  const { notifier } = rig(undefined, { channels: [], client: false, newDevice: true, send: (n) => { got.push(n) } })
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 3 }, { client: { ip: '192.0.2.1', userAgent: 'Firefox' } })
  notifier.notify(ALICE, { kind: 'new-device', method: 'passkey' }, { client: { ip: '192.0.2.1', userAgent: 'Firefox' } })
  await notifier.settled()
  notifier.notify(ALICE, { kind: 'new-device', method: 'passkey' }, { client: { ip: '192.0.2.2', userAgent: 'Chrome' } })
  await notifier.settled()
  t.equal(got.length, 2, 'the failures, and the second device')
  for (const { text } of got) t.notMatch(text, /From|192\.0\.2|Firefox|Chrome/)
})

t.test('what is switched off is not sent', async (t) => {
  const { notifier, events } = rig(undefined, { channels: ['sms'], failures: false, lockout: false, factorChanges: false })
  for (const fact of FACTS) notifier.notify(ALICE, fact, { client: { ip: '192.0.2.1' } })
  await notifier.settled()
  t.same(events, [], 'newDevice is off by default too')
})

t.test('a channel that throws or hangs never fails the request, and is reported', async (t) => {
  let resolveHang: (() => void) | undefined
  const { notifier, clock, events } = rig(undefined, { channels: ['email', 'sms'], send: () => { throw new Error('app down') }, timeout: '5s' }, {
    email: { destinations: () => ['alice@example.com'], send: () => new Promise<void>((resolve) => { resolveHang = resolve }) },
    sms: { destinations: () => ['+15550100123'], send: async () => { throw new Error('gateway refused') } }
  })
  t.doesNotThrow(() => notifier.notify(ALICE, { kind: 'pin-changed' }), 'the caller goes on at once')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(events.map((e) => e.type === 'notification.failed' ? `${e.channel}:${e.reason}` : e.type).sort(), ['app:error', 'sms:error'])
  clock.advance(5000)
  await notifier.settled()
  t.same(events.at(-1), { type: 'notification.failed', userId: 'alice', kind: 'pin-changed', channel: 'email', reason: 'timeout' })
  resolveHang!()
  t.equal(events.length, 3, 'a late answer changes nothing')
})

t.test('each outcome reaches the audit of the request that caused it, not only onEvent', async (t) => {
  const { notifier, clock, events } = rig(undefined, { channels: ['email', 'sms'], send: () => {}, timeout: '5s' }, {
    email: { destinations: () => ['alice@example.com'], send: () => new Promise<void>(() => {}) },
    sms: { destinations: () => ['+15550100123'], send: async () => { throw new Error('gateway refused') } }
  })
  const heard: NotificationEvent[] = []
  notifier.notify(ALICE, { kind: 'pin-changed' }, { audit: (event) => { heard.push(event as NotificationEvent) } })
  notifier.notify(ALICE, { kind: 'factor-added', factor: 'pin' })
  await new Promise((resolve) => setImmediate(resolve))
  clock.advance(5000)
  await notifier.settled()
  const outcome = (e: NotificationEvent) => `${e.kind} ${e.channel} ${e.type === 'notification.failed' ? e.reason : 'sent'}`
  t.same(heard.map(outcome).sort(), ['pin-changed app sent', 'pin-changed email timeout', 'pin-changed sms error'], 'delivered, refused and timed out: each in the audit')
  t.same(events.map(outcome).sort(), ['factor-added app sent', 'factor-added email timeout', 'factor-added sms error', ...heard.map(outcome)].sort(), 'and every one to onEvent, with or without an audit')

  const store = new MemoryStore()
  store.markOnce = async () => { throw new Error('store down') }
  const failing = rig(undefined, { channels: ['sms'] }, {}, store)
  const told: unknown[] = []
  failing.notifier.notify(ALICE, { kind: 'locked', method: 'pin', minutes: 15 }, { audit: (event) => { told.push(event) } })
  await failing.notifier.settled()
  t.same(told, [{ type: 'notification.failed', userId: 'alice', kind: 'locked', channel: 'store', reason: 'error' }], 'a store that cannot say whether it is due: in the audit too')
})

t.test('a store that fails leaves the notification out, and says so', async (t) => {
  const store = new MemoryStore()
  store.markOnce = async () => { throw new Error('store down') }
  const { notifier, events, texts } = rig(undefined, { channels: ['sms'] }, {}, store)
  notifier.notify(ALICE, { kind: 'failures', method: 'totp', count: 9 })
  await notifier.settled()
  t.same(events, [{ type: 'notification.failed', userId: 'alice', kind: 'failures', channel: 'store', reason: 'error' }])
  t.same(texts, [])
})

t.test('the app callback gets the rendered notification, in the language of the browser when the profile has none', async (t) => {
  const got: unknown[] = []
  const { notifier } = rig(undefined, { channels: [], send: (n) => { got.push(n) } })
  notifier.notify(ALICE, { kind: 'factor-added', factor: 'totp' }, { acceptLanguage: 'de-CH,de;q=0.9' })
  await notifier.settled()
  t.match(got, [{ kind: 'factor-added', userId: 'alice', locale: 'de', time: Date.UTC(2026, 11, 6, 9, 0), subject: 'Ihrem Konto wurde eine Anmeldemethode hinzugefügt', text: /eine Authenticator-App/, html: /<html lang="de">/ }])
})

t.test('the notifications option is checked at registration', async (t) => {
  t.same(resolveNotifications(undefined), { failures: { after: 3, windowMs: 3_600_000 }, lockout: true, factorChanges: true, newDevice: false, channels: ['email'], send: undefined, timeoutMs: 10_000, client: true })
  t.equal(resolveNotifications(false), undefined)
  t.equal(resolveNotifications({ failures: false })!.failures, undefined)
  t.same(resolveNotifications({ channels: ['sms', 'sms', 'email'] })!.channels, ['sms', 'email'])
  const bad = (options: unknown, pattern: RegExp) => t.throws(() => resolveNotifications(options as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: pattern })
  bad('yes', /notifications option must be an object or false/)
  bad([], /notifications option must be an object or false/)
  bad({ lockuot: true }, /notifications\.lockuot option is unknown/)
  bad({ failures: { afer: 2 } }, /notifications\.failures\.afer option is unknown/)
  bad({ failures: { after: 0 } }, /after option must be a whole number from 1 to 100/)
  bad({ lockout: 'yes' }, /notifications\.lockout option must be true or false/)
  bad({ client: 'no' }, /notifications\.client option must be true or false/)
  bad({ channels: ['pigeon'] }, /notifications\.channels option must be an array of "email", "sms"/)
  bad({ channels: 'email' }, /notifications\.channels option must be an array/)
  bad({ send: 'https://hook' }, /notifications\.send option must be a function/)
  t.throws(() => resolveNotifications({ timeout: 0 }), { code: 'FST_STEP_UP_OPTION_DURATION', message: /notifications\.timeout/ })
})

t.test('the channels: the code methods\' transports, to each of the user\'s own addresses, one address each, once, at most five', async (t) => {
  const catalogs = createTranslator()
  const transport = { sendMail: async () => {}, close () {} }
  const email = createEmailChannel({ from: 'security@example.com', transport: transport as never }, createEmailSender({ from: 'security@example.com', transport: transport as never }, catalogs))
  const sms = createSmsChannel({ send: async () => {} }, catalogs)
  const channels = notificationChannels([email, sms])
  const user: StepUpUser = {
    id: 'u',
    sessionId: 's',
    emails: ['a@x.test', ' A@X.test ', 'a@x.test, eve@x.test', 'Eve <eve@x.test>', 'c@x.test', 'd@x.test', 'e@x.test', 'f@x.test', 'g@x.test'],
    phones: ['+1 555 0100', '+15550100', '+1 555 0100\n+1 555 0199']
  }
  t.same(channels.email!.destinations(user), ['a@x.test', 'c@x.test', 'd@x.test', 'e@x.test', 'f@x.test'], 'no list, no display name, no duplicate however spelled, five at most')
  t.same(channels.sms!.destinations(user), ['+1 555 0100'])
  t.same(channels.email!.destinations({ id: 'u', sessionId: 's' }), [], 'a profile without addresses')
  t.same(channels.sms!.destinations({ id: 'u', sessionId: 's' }), [])
  t.same(notificationChannels([]), { email: undefined, sms: undefined }, 'no code method on: no channel but the app\'s callback')
})

t.test('factor changes become the facts the user is told', async (t) => {
  const base = { userId: 'u', sessionId: 's', factorId: 'f', method: 'totp', jti: 'j' } as const
  t.same(factorChangeFact({ ...base, type: 'factor.added', kind: 'passkey' }), { kind: 'factor-added', factor: 'passkey' })
  t.same(factorChangeFact({ ...base, type: 'factor.removed', kind: 'totp' }), { kind: 'factor-removed', factor: 'totp' })
  t.same(factorChangeFact({ ...base, type: 'backup-codes.renewed', kind: 'backup-codes', count: 10 }), { kind: 'backup-codes-renewed', count: 10 })
  t.same(factorChangeFact({ ...base, type: 'backup-codes.renewed', kind: 'backup-codes' }), { kind: 'backup-codes-renewed', count: 0 })
  t.same(factorChangeFact({ ...base, type: 'pin.changed', kind: 'pin' }), { kind: 'pin-changed' })
})

t.test('a channel named in the options whose method is off sends nothing, and fails nothing', async (t) => {
  const { notifier, events } = rig(undefined, { channels: ['email'] })
  notifier.notify(ALICE, { kind: 'pin-changed' })
  await notifier.settled()
  t.same(events, [], 'email codes are off: no mail channel, nothing sent, nothing failed')
})
