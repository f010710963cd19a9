// The catalogs every text for a person comes from: each language words every key, picks plural
// forms and writes numbers through Intl, and an app's wording or language lays over them key by
// key, never leaving a key name where a text should be.
import t from 'tap'
import * as errors from '../lib/errors.js'
import { formattersFor } from '../lib/i18n/format.js'
import { createTranslator } from '../lib/i18n/translator.js'
import { MESSAGE_PARAMS, paramName, type MessageKey } from '../lib/i18n/messages.js'

const KEYS = Object.keys(MESSAGE_PARAMS) as MessageKey[]
const TIME = Date.UTC(2026, 11, 6, 10, 30)
/** Every parameter any text takes, with values that show up if a text prints them raw. */
const FULL = { action: 'payment', fields: 'amount "120.00"', code: '482913', minutes: 5, summary: 'Approve payment of 120.00 EUR to ACME Ltd', count: 3, method: 'METHOD', factor: 'FACTOR', time: TIME, ip: '192.0.2.7', userAgent: 'Firefox on Linux' }

t.test('every built-in language words every key, with every parameter and with the required ones only', async (t) => {
  const texts = createTranslator()
  t.same(texts.locales, ['en', 'fr', 'de', 'es'])
  for (const locale of texts.locales) {
    for (const key of KEYS) {
      // Every parameter, and only those a text must be given.
      const required = Object.fromEntries(MESSAGE_PARAMS[key].filter((name) => !name.endsWith('?')).map((name) => [name, FULL[paramName(name) as keyof typeof FULL]]))
      for (const params of [FULL, required]) {
        const text = texts.text(locale, key, params as never)
        t.ok(text.length > 0, `${locale} ${key}`)
        t.notMatch(text, /\{|\}|undefined|NaN|\[object/, `${locale} ${key} has no placeholder or broken value left`)
        t.notMatch(text, /^(error|code|notify|method|factor|action)\./, `${locale} ${key} is not a key name`)
      }
    }
  }
})

t.test('each language is its own: no text of another language is English unless it is a name', async (t) => {
  const texts = createTranslator()
  let same = 0
  for (const key of KEYS) {
    for (const locale of ['fr', 'de', 'es']) if (texts.text(locale, key, FULL) === texts.text('en', key, FULL)) same++
  }
  t.equal(same, 0, 'every key is translated in every built-in language')
})

t.test('a code text carries the code, its lifetime in words and plural form, and what it approves', async (t) => {
  const texts = createTranslator()
  t.match(texts.text('en', 'code.text', { code: '123456', minutes: 1 }), /123456[\s\S]*1 minute and works once/)
  t.match(texts.text('en', 'code.text', { code: '123456', minutes: 10 }), /10 minutes/)
  t.match(texts.text('fr', 'code.text', { code: '123456', minutes: 1 }), /1 minute et/)
  t.match(texts.text('de', 'code.text', { code: '123456', minutes: 1 }), /in 1 Minute ab/)
  t.match(texts.text('de', 'code.text', { code: '123456', minutes: 5 }), /in 5 Minuten ab/)
  t.equal(texts.text('es', 'code.sms', { code: '123456', minutes: 5, summary: 'Pagar 120,00 EUR' }), 'Pagar 120,00 EUR: su código es 123456. Caduca en 5 min. No lo comparta.', 'what the code approves, before the code')
  t.equal(texts.text('en', 'code.sms', { code: '123456', minutes: 5 }), 'Your verification code is 123456. It expires in 5 min. Do not share it.')
  t.notMatch(texts.text('en', 'code.text', { code: '123456', minutes: 5 }), /It is for/, 'no summary line without a summary')
})

t.test('plural forms and numbers come from Intl, per language', async (t) => {
  const texts = createTranslator()
  t.match(texts.text('en', 'notify.failures.text', { ...FULL, count: 1 }), /failed once/)
  t.match(texts.text('en', 'notify.failures.text', { ...FULL, count: 1234 }), /failed 1,234 times/)
  t.match(texts.text('de', 'notify.failures.text', { ...FULL, count: 1234 }), /1\.234-mal/)
  t.match(texts.text('fr', 'notify.backup-codes-renewed.text', { count: 1, time: TIME }), /^Un nouveau code de secours a été créé/)
  t.match(texts.text('fr', 'notify.backup-codes-renewed.text', { count: 10, time: TIME }), /^10 nouveaux codes/)
  t.match(texts.text('es', 'notify.backup-codes-renewed.text', { count: 10, time: TIME }), /^Se crearon 10 nuevos/)
  t.match(texts.text('de', 'notify.locked.text', { minutes: 15, time: TIME }), /für 15 Minuten gesperrt \(seit 6\. Dezember 2026/)
  t.match(texts.text('en', 'notify.locked.text', { minutes: 15, time: TIME }), /December 6, 2026 at 10:30:00 AM UTC/)
  const french = formattersFor('fr')
  t.equal(french, formattersFor('fr'), 'made once per language')
  t.equal(french.plural(1_000_000, { one: 'un', other: 'beaucoup' }), 'beaucoup', 'a plural form a text does not give (French "many"): its "other"')
  t.equal(french.plural(0, { one: 'un', other: 'beaucoup' }), 'un', 'French says "0 minute", singular')
})

t.test('a notification says where from only as far as it is told', async (t) => {
  const texts = createTranslator()
  t.notMatch(texts.text('en', 'notify.failures.text', { count: 2, method: 'a passkey', time: TIME }), /From/)
  t.match(texts.text('en', 'notify.failures.text', { count: 2, method: 'a passkey', time: TIME, ip: '192.0.2.7' }), /\nFrom: 192\.0\.2\.7\n/)
  t.match(texts.text('fr', 'notify.new-device.text', { method: 'une clé', time: TIME, userAgent: 'Safari' }), /\nDepuis: \(Safari\)\n/)
})

t.test('every error a person can see has a text', async (t) => {
  const requestErrors = Object.entries(errors)
    .filter(([name, value]) => name.startsWith('FST_STEP_UP_') && typeof value === 'function')
    .map(([, make]) => new (make as unknown as new (...args: string[]) => Error & { code: string, statusCode?: number })('x', 'y'))
    .filter((err) => err.statusCode !== undefined)
  t.ok(requestErrors.length > 20)
  for (const err of requestErrors) {
    t.ok(KEYS.includes(`error.${err.code}` as MessageKey), `${err.code} has a key`)
  }
  t.equal(KEYS.filter((key) => key.startsWith('error.')).length, requestErrors.length, 'and no key is for an error that does not exist')
})

t.test('the language for a person: profile first, then the browser, then the default', async (t) => {
  const texts = createTranslator()
  t.equal(texts.pick('de', 'fr'), 'de', 'the profile wins')
  t.equal(texts.pick('de-AT', undefined), 'de', 'a region falls to its language')
  t.equal(texts.pick('FR', undefined), 'fr', 'tags are case-insensitive')
  t.equal(texts.pick('pt-BR', 'es-MX,es;q=0.9,en;q=0.5'), 'es', 'a profile language without a catalog: the browser decides')
  t.equal(texts.pick(undefined, 'fr-CA,fr;q=0.9,en;q=0.8'), 'fr')
  t.equal(texts.pick(undefined, 'en;q=0.1, de;q=0.9'), 'de', 'q-values weigh')
  t.equal(texts.pick(undefined, 'de;q=0, es'), 'es', 'q=0 refuses')
  t.equal(texts.pick(undefined, 'zz, *;q=0.1'), 'en', 'a wildcard takes the first catalog')
  t.equal(texts.pick(undefined, ''), 'en')
  t.equal(texts.pick(undefined, ';;;,,,=q=;'), 'en', 'a malformed header is no language')
  t.equal(texts.pick(undefined, `${'x-'.repeat(600)}, fr`), 'en', 'only the first 512 characters of a header are read')
  t.equal(texts.pick({ toString: () => 'fr' }, ['de']), 'en', 'only strings are read')
  t.equal(texts.pick('f'.repeat(36), undefined), 'en', 'an overlong profile tag is ignored')
  t.equal(createTranslator({ default: 'es' }).pick(undefined, undefined), 'es')
})

t.test('an app rewords keys and adds languages; a key it leaves out falls back, never to a key name', async (t) => {
  const texts = createTranslator({
    messages: {
      fr: { 'code.subject': 'Votre code', 'code.sms': 'Code {code}, {minutes} min' },
      it: { 'code.subject': () => 'Il tuo codice', 'code.text': 'Codice {code}.{summary}' },
      'fr-CA': { 'method.sms': 'un code par texto' }
    }
  })
  t.same(texts.locales, ['en', 'fr', 'de', 'es', 'it', 'fr-CA'])
  t.equal(texts.text('fr', 'code.sms', { code: '123456', minutes: 1234 }), 'Code 123456, 1\u202f234 min', 'numbers in the language\'s way')
  t.equal(texts.text('it', 'code.subject', {}), 'Il tuo codice')
  t.equal(texts.text('it', 'code.text', { code: '123456', minutes: 5 }), 'Codice 123456.', 'an absent optional parameter is nothing')
  t.equal(texts.text('it', 'code.text', { code: '123456', minutes: 5, summary: ' Pagare' }), 'Codice 123456. Pagare')
  t.equal(texts.text('it', 'code.sms', { code: '123456', minutes: 5 }), 'Your verification code is 123456. It expires in 5 min. Do not share it.', 'a key the language lacks: English')
  t.equal(texts.text('fr-CA', 'method.sms', {}), 'un code par texto')
  t.equal(texts.text('fr-CA', 'method.email', {}), 'un code par e-mail', 'a key a regional language lacks: its language')
  t.equal(texts.pick('it-IT', undefined), 'it')
  t.equal(texts.pick('fr-CA', undefined), 'fr-CA')
  t.equal(texts.text('xx', 'method.pin', {}), 'your PIN', 'an unknown language: English')
  t.equal(texts.text('de', 'code.sms', { code: '1', minutes: 5 }), 'Ihr Bestätigungscode lautet 1. Er läuft in 5 Min. ab. Geben Sie ihn nicht weiter.', 'other languages keep their built-in texts')
})

t.test('reworded: whether the app worded a key itself, for a language or its region', async (t) => {
  const texts = createTranslator({ messages: { en: { 'error.FST_STEP_UP_LOCKED': 'Locked, sorry.' }, 'fr-CA': { 'method.sms': 'un texto' } } })
  t.ok(texts.reworded('en', 'error.FST_STEP_UP_LOCKED'))
  t.ok(texts.reworded('en-GB', 'error.FST_STEP_UP_LOCKED'), 'a region of a language the app worded')
  t.notOk(texts.reworded('en', 'error.FST_STEP_UP_CODE_USED'))
  t.notOk(texts.reworded('fr', 'method.sms'), 'a region\'s wording is not its language\'s')
  t.ok(texts.reworded('fr-CA', 'method.sms'))
  t.notOk(createTranslator().reworded('en', 'code.subject'), 'the built-in texts are not the app\'s')
})

t.test('an app\'s texts are checked at registration', async (t) => {
  const bad = (locales: unknown, pattern: RegExp, why: string) => t.throws(() => createTranslator(locales as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: pattern }, why)
  bad({ mesages: {} }, /The locales\.mesages option is unknown; did you mean "locales\.messages"/, 'a misspelled key')
  bad(null, /locales option must be an object/, 'not an object')
  bad({ messages: 'fr' }, /locales\.messages option must be an object/, 'messages not an object')
  bad({ messages: { French: {} } }, /language tag "French"/, 'a tag that is not one')
  bad({ messages: { fr: [] } }, /locales\.messages\.fr option must be an object/, 'a language that is not an object')
  bad({ messages: { fr: { 'code.subjct': 'x' } } }, /code\.subjct/, 'an unknown key')
  bad({ messages: { fr: { 'code.subject': 42 } } }, /must be a function or a string/, 'neither text nor function')
  bad({ messages: { fr: { 'code.subject': 'x'.repeat(4001) } } }, /at most 4000/, 'an overlong template')
  bad({ messages: { fr: { 'notify.locked.text': 'Bloqué: {code}' } } }, /uses \{code\}, which it is not given \(it is given: minutes, time, ip, userAgent\)/, 'a code in a notification')
  bad({ messages: { fr: { 'code.subject': 'Le code {code}' } } }, /it is given: nothing/, 'a subject is given nothing')
  bad({ default: 'it' }, /locales\.default option must be one of the languages: en, fr, de, es/, 'a default without a catalog')
})
