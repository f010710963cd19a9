// A destination is exactly one address. A profile entry that is an address list, has a display
// name or carries header text ("a@x.test\r\nBcc: b@y.test") is left out of the methods list, can
// not be sent to (by address or by id), and is reported as skipped without the entry itself; the
// mail that does go out names one recipient in its SMTP envelope. The same for SMS numbers.
// Seeds are fixed: a failure names its seed and counterexample, and runs again the same way.
import fc from 'fast-check'
import addressparser from 'nodemailer/lib/addressparser'
import t from 'tap'
import { deriveKeys, destinationId } from '../lib/core/secrets.js'
import { createTranslator } from '../lib/i18n/translator.js'
import type { StepUpEvent } from '../lib/index.js'
import { normalizeEmail, normalizePhone } from '../lib/mask.js'
import { createEmailChannel } from '../lib/methods/email/method.js'
import { createSmsChannel } from '../lib/methods/sms/method.js'
import { createEmailSender } from '../lib/senders/email.js'
import { SECRET, as, buildApp, frameworks, users, type TestApp } from './helpers/app.js'
import { codeIn } from './helpers/smtp.js'

const GOOD_EMAIL = 'victim@x.test'
const BAD_EMAILS = [
  'victim@x.test, attacker@y.test',
  'victim@x.test\r\nBcc: attacker@y.test',
  'Victim <victim@x.test>',
  'a@x.test;b@y.test'
]
const GOOD_PHONE = '+1 555 000 9999'
const BAD_PHONES = ['+15550001, +15550002', '+1555\n0001']

/** What no event or log line may contain: any part of a skipped entry that is not in the good one's mask. */
const SECRETS = ['victim', 'attacker', 'Bcc', 'y.test', 'a@x.test', '15550001', '15550002', '5550009999', '555 000']

// The test app's users are looked up on every request: Mallory joins them for this file.
users.mallory = {
  id: 'mallory',
  emails: [...BAD_EMAILS, GOOD_EMAIL],
  phones: [...BAD_PHONES, GOOD_PHONE]
}
t.teardown(() => { delete users.mallory })

/** The opaque id the methods list would give a profile entry (to show that knowing it does not help). */
const keys = deriveKeys(Buffer.from(SECRET))
const idOf = (normal: string) => destinationId(keys.destination, 'mallory', normal)

const skipped = (method: string) => ({ type: 'destination.skipped', userId: 'mallory', sessionId: 's1', method, reason: 'not-one-address' })

/** An entry as a test name: quoted, with anything but printable ASCII escaped (a U+2028 would end a TAP line). */
function show (entry: string): string {
  return JSON.stringify(entry).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function post (testApp: TestApp, url: string, payload: unknown) {
  return testApp.app.inject({ method: 'POST', url: `/step-up${url}`, headers: as('mallory'), payload })
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('email: only the one plain address is listed and sent to, and the mail has one recipient', async (t) => {
      const events: StepUpEvent[] = []
      const logs: string[] = []
      const testApp = await buildApp(t, { framework, logs, plugin: { onEvent: (event) => { events.push(event) } } })

      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('mallory') })
      t.equal(methods.statusCode, 200)
      const email = methods.json().methods.find((m: { method: string }) => m.method === 'email')
      t.same(email.destinations, [{ id: idOf(GOOD_EMAIL), masked: 'v***@x.test' }], 'only the plain address, masked as itself')
      t.same(events, BAD_EMAILS.map(() => skipped('email')), 'each entry left out is an event, without the entry')

      for (const entry of BAD_EMAILS) {
        for (const payload of [{ email: entry }, { destinationId: idOf(normalizeEmail(entry)) }]) {
          const refused = await post(testApp, '/email/send', payload)
          t.equal(refused.statusCode, 400, `${JSON.stringify(payload)} is refused`)
          t.equal(refused.json().code, 'FST_STEP_UP_DESTINATION_NOT_ALLOWED')
        }
      }
      t.same(testApp.mailbox.envelopes, [], 'no mail went out')

      const sent = await post(testApp, '/email/send', { email: GOOD_EMAIL })
      t.equal(sent.statusCode, 202)
      t.equal(sent.json().destination, 'v***@x.test')
      const mail = await testApp.mailbox.next()
      t.match(codeIn(mail), /^\d{6}$/)
      t.same(testApp.mailbox.envelopes, [{ from: 'security@example.com', to: [GOOD_EMAIL] }],
        'the server was asked to deliver to exactly one recipient, from the plain address of "Security <security@example.com>"')
      t.same(mail.to && !Array.isArray(mail.to) && mail.to.value, [{ address: GOOD_EMAIL, name: '' }], 'and the To header names only it')
      t.notOk(mail.bcc || mail.cc, 'no Cc or Bcc header')

      const reported = events.filter(({ type }) => type === 'destination.skipped')
      t.ok(reported.length >= BAD_EMAILS.length * (1 + 2 * BAD_EMAILS.length + 1), 'every look at the profile reports what it left out')
      t.same(new Set(reported.map((event) => JSON.stringify(event))), new Set([JSON.stringify(skipped('email'))]))
      const lines = logs.map((line) => JSON.parse(line)).filter(({ msg }) => msg === 'step-up destination.skipped')
      t.ok(lines.length > 0, 'skipped entries are logged')
      for (const line of lines) t.match(line, { level: 40, stepUp: skipped('email') }, 'at warn, with the event')
      const seen = JSON.stringify(events) + logs.join('\n')
      for (const part of SECRETS) t.notOk(seen.includes(part), `no "${part}" in an event or a log line`)
    })

    t.test('SMS: only the one number is listed and sent to; the gateway gets it as it is', async (t) => {
      const events: StepUpEvent[] = []
      const logs: string[] = []
      const testApp = await buildApp(t, { framework, allMethods: true, logs, plugin: { onEvent: (event) => { events.push(event) } } })

      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('mallory') })
      const sms = methods.json().methods.find((m: { method: string }) => m.method === 'sms')
      t.same(sms.destinations, [{ id: idOf('+15550009999'), masked: '+*********99' }])
      t.same(events.filter((event) => 'method' in event && event.method === 'sms'), BAD_PHONES.map(() => skipped('sms')))

      // Each refused number, by the digits it compares as (which the phone field's pattern lets
      // through) and by its id.
      for (const entry of BAD_PHONES) {
        for (const payload of [{ phone: normalizePhone(entry) }, { destinationId: idOf(normalizePhone(entry)) }]) {
          const refused = await post(testApp, '/sms/send', payload)
          t.equal(refused.statusCode, 400, `${JSON.stringify(payload)} is refused`)
          t.equal(refused.json().code, 'FST_STEP_UP_DESTINATION_NOT_ALLOWED')
        }
      }
      t.same(testApp.sms, [], 'nothing went to the gateway')

      const sent = await post(testApp, '/sms/send', { phone: '+15550009999' })
      t.equal(sent.statusCode, 202)
      t.equal(sent.json().destination, '+*********99')
      t.same(testApp.sms.map(({ to }) => to), [GOOD_PHONE], 'one message, to the one number')

      const lines = logs.map((line) => JSON.parse(line)).filter(({ msg }) => msg === 'step-up destination.skipped')
      t.ok(lines.some((line) => line.stepUp.method === 'sms'), 'logged')
      for (const line of lines) t.equal(line.level, 40)
      const seen = JSON.stringify(events) + logs.join('\n')
      for (const part of SECRETS) t.notOk(seen.includes(part), `no "${part}" in an event or a log line`)
    })

    t.test('a user whose only entries are lists cannot use the method at all', async (t) => {
      users.trudy = { id: 'trudy', emails: ['victim@x.test, attacker@y.test'], phones: ['+15550001;+15550002'] }
      t.teardown(() => { delete users.trudy })
      const testApp = await buildApp(t, { framework, allMethods: true, logs: [] })
      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('trudy') })
      t.same(methods.json().methods.map((m: { method: string }) => m.method), ['password'])
      const email = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('trudy'), payload: { email: 'victim@x.test, attacker@y.test' } })
      t.equal(email.statusCode, 403)
      t.equal(email.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      const sms = await testApp.app.inject({ method: 'POST', url: '/step-up/sms/send', headers: as('trudy'), payload: { phone: '+1555000115550002' } })
      t.equal(sms.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      t.same(testApp.mailbox.envelopes, [])
      t.same(testApp.sms, [])
    })
  })
}

t.test('Express: a skipped entry goes to logger.warn, console.warn by default, and info without warn', async (t) => {
  const list = (testApp: TestApp) => testApp.app.inject({ url: '/step-up/methods', headers: as('mallory') })

  const warned = t.capture(console, 'warn', () => {})
  await list(await buildApp(t, { framework: 'express' }))
  t.same(warned().map(({ args }) => args), BAD_EMAILS.map(() => ['step-up destination.skipped', { stepUp: skipped('email') }]))

  const info: unknown[] = []
  const logger = { info: (details: object, message: string) => { info.push([message, details]) }, error: () => {} }
  await list(await buildApp(t, { framework: 'express', plugin: { logger } as never }))
  t.same(info, BAD_EMAILS.map(() => ['step-up destination.skipped', { stepUp: skipped('email') }]))
})

t.test('the email sender refuses anything but one plain address, before the transport sees it', async (t) => {
  const sent: unknown[] = []
  const transport = { sendMail: async (mail: unknown) => { sent.push(mail) }, close () {} }
  const sender = createEmailSender({ from: 'Security <security@example.com>', transport: transport as never }, createTranslator())
  const ctx = { code: '123456', expiresInMinutes: 5, user: { id: 'u', sessionId: 's' }, locale: 'en' }
  for (const to of [...BAD_EMAILS, '', 'a@x.test\n']) {
    await t.rejects(sender.send(to, ctx), TypeError, JSON.stringify(to))
  }
  t.same(sent, [])
  await sender.send('  Bob@Example.com ', ctx)
  t.match(sent, [{ to: { name: '', address: 'Bob@Example.com' }, envelope: { from: 'Security <security@example.com>', to: 'Bob@Example.com' } }],
    'the address without its surrounding spaces, in the header and the envelope')
})

t.test('a display-name sender is MAIL FROM as its plain address, and the mail goes to one RCPT TO (real SMTP)', async (t) => {
  const testApp = await buildApp(t, { email: { from: '"Security, Inc." <security@example.com>' } })
  const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
  t.equal(sent.statusCode, 202)
  const mail = await testApp.mailbox.next()
  t.same(testApp.mailbox.envelopes, [{ from: 'security@example.com', to: ['alice@example.com'] }])
  t.match(mail.from, { value: [{ address: 'security@example.com', name: 'Security, Inc.' }] }, 'the From header keeps its display name')
})

// accepts() needs neither a transport nor a sender.
const email = createEmailChannel({ from: 'a@x.test', transport: {} as never }, {} as never)
const sms = createSmsChannel({ send: async () => {} }, createTranslator())

t.test('email accepts exactly one plain address', async (t) => {
  const yes = [
    'alice@example.com',
    'Alice.Work@Example.org',
    " o'brien+tag@mail.example.co.uk  ",
    'a@b',
    'x@localhost',
    "!#$%&'*+/=?^_`{|}~-@x.test",
    'first.last@sub-domain.x-y.test',
    'jörg@bücher.example',
    '用户@例子.广告',
    'a@1.2.3.4',
    `${'l'.repeat(64)}@x.test`,
    `a@${`${'d'.repeat(63)}.`.repeat(3)}${'d'.repeat(60)}` // 254 characters
  ]
  const no = [
    ...BAD_EMAILS,
    '',
    ' ',
    'victim@x.test,',
    'victim@x.test ,attacker@y.test',
    'victim@x.test attacker@y.test',
    'victim@x.test\nattacker@y.test',
    'victim@x.test\r\n',
    'victim@x.test\t',
    'vic\ttim@x.test',
    'victim@x.test\0',
    '<victim@x.test>',
    'victim@x.test <attacker@y.test>',
    '"victim"@x.test',
    '"victim@x.test"@y.test',
    'victim@x.test (attacker@y.test)',
    'victim(comment)@x.test',
    'undisclosed-recipients:;',
    'group: victim@x.test, attacker@y.test;',
    'victim@[127.0.0.1]',
    'vic\\tim@x.test',
    'victim',
    '@x.test',
    'victim@',
    'a@b@c.test',
    '.victim@x.test',
    'victim.@x.test',
    'vic..tim@x.test',
    'victim@.x.test',
    'victim@x.test.',
    'victim@x..test',
    'victim@-x.test',
    'victim@x-.test',
    'victim@x_y.test',
    'vic tim@x.test',
    'victim@x.test\u00a0',
    'victim@x.test\u2028attacker@y.test',
    'vic\u200btim@x.test',
    'victim@x\u202e.test',
    'victim@x\uff0etest',
    'victim@x.test\uff0cattacker@y.test',
    `${'l'.repeat(65)}@x.test`,
    `a@${'d'.repeat(64)}.test`,
    `a@${`${'d'.repeat(63)}.`.repeat(3)}${'d'.repeat(61)}` // 255 characters
  ]
  t.same([yes.at(-1)!.length, no.at(-1)!.length], [254, 255])
  for (const entry of yes) t.ok(email.accepts(entry), `accepts ${show(entry)}`)
  for (const entry of no) t.notOk(email.accepts(entry), `refuses ${show(entry)}`)
})

t.test('SMS accepts exactly one number', async (t) => {
  const yes = ['+1 (555) 010-0123', '020 7946 0958', '+15550100123', ' +44 20.7946.0958 ', '1234', '+123456789012345', '(555) 010-0123']
  const no = [
    ...BAD_PHONES,
    '',
    '+',
    '123',
    '+1234567890123456',
    '+15550001;+15550002',
    '+15550001\r\n+15550002',
    '+15550001\t',
    '+15550001\0',
    '+1 555 0001 ext 2',
    '+1-555-CALL-NOW',
    '1+5550001',
    '++15550001',
    '+1/555/0001',
    '+1 555 0001#',
    '\u0661\u0662\u0663\u0664\u0665',
    '+1' + ' '.repeat(31) + '5550001'
  ]
  for (const entry of yes) t.ok(sms.accepts(entry), `accepts ${show(entry)}`)
  for (const entry of no) t.notOk(sms.accepts(entry), `refuses ${show(entry)}`)
})

// Strings made mostly of what separates, quotes or comments addresses, so accepted ones come up too.
const addressPart = fc.constantFrom('a', 'B', '7', 'ü', '用', '.', '-', '+', "'", '@', '@', ',', ';', ':', ' ', '\r', '\n', '\t', '\0', '<', '>', '"', '(', ')', '[', ']', '\\', '\u00a0', '\u2028', '\u200b', '=?')
const addressLike = fc.array(addressPart, { maxLength: 24 }).map((parts) => parts.join(''))
const anyText = fc.string({ unit: 'grapheme', maxLength: 40 })

t.test('property: an accepted email entry is one address to nodemailer, with no list, quote, comment or line break', async (t) => {
  let accepted = 0
  fc.assert(fc.property(fc.oneof(addressLike, anyText, fc.emailAddress()), (entry) => {
    if (!email.accepts(entry)) return true
    accepted++
    const address = entry.trim()
    const parsed = addressparser(entry)
    return !/[,;:<>"()[\]\\\s\p{Cc}\p{Cf}]/u.test(address) &&
      address.split('@').length === 2 &&
      parsed.length === 1 && !('group' in parsed[0]!) && parsed[0]!.address === address
  }), { seed: 20260101, numRuns: 5000 })
  t.ok(accepted > 300, `the property saw accepted entries (${accepted})`)
})

t.test('property: every plain address is accepted, and two of them however joined are not', async (t) => {
  fc.assert(fc.property(fc.emailAddress(), (address) => email.accepts(address)), { seed: 20260101, numRuns: 2000 })
  const separator = fc.constantFrom(',', ', ', ';', ' ', '\n', '\r\n', '\r\nBcc: ', '\r\nCc:', '\t', ' <')
  fc.assert(fc.property(fc.emailAddress(), separator, fc.emailAddress(), (a, sep, b) => !email.accepts(a + sep + b)), { seed: 20260101, numRuns: 2000 })
  fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.emailAddress(), (name, address) => !email.accepts(`${name} <${address}>`) && !email.accepts(`"${name}" <${address}>`)),
    { seed: 20260101, numRuns: 2000 })
  t.pass()
})

t.test('property: an accepted phone entry is one number: + and digits and separators, 4 to 15 digits', async (t) => {
  // Mostly what a number may hold, with now and then what it may not.
  const phonePart = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('1', '5', '0', '9', ' ', '(', ')', '.', '-') },
    { weight: 1, arbitrary: fc.constantFrom('+', ',', ';', '\n', '\r', '\t', '\0', 'x', '#', '/', '\u0661', '\uff11') }
  )
  const phoneLike = fc.tuple(fc.constantFrom('', '+', ' +'), fc.array(phonePart, { maxLength: 24 })).map(([plus, parts]) => plus + parts.join(''))
  let accepted = 0
  fc.assert(fc.property(fc.oneof(phoneLike, anyText), (entry) => {
    if (!sms.accepts(entry)) return true
    accepted++
    const digits = entry.replace(/\D/g, '').length
    return /^ *\+?[0-9 ().-]+$/.test(entry) && digits >= 4 && digits <= 15 && entry.length <= 32
  }), { seed: 20260101, numRuns: 5000 })
  t.ok(accepted > 300, `the property saw accepted entries (${accepted})`)
  const number = fc.stringMatching(/^\+?[0-9]{4,15}$/)
  fc.assert(fc.property(number, (phone) => sms.accepts(phone)), { seed: 20260101, numRuns: 1000 })
  fc.assert(fc.property(number, fc.constantFrom(',', ', ', ';', '\n', '\r\n', '\t', '/'), number, (a, sep, b) => !sms.accepts(a + sep + b)),
    { seed: 20260101, numRuns: 1000 })
})
