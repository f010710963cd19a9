// The dialog's words in the browser's language: every word in every built-in language, waits in
// words through Intl, a refusal for every code (and for one this version does not know).
import t from 'tap'
import { dialogLocale, dialogTexts } from '../lib/client/index.js'
import type { StepUpErrorCode } from '../lib/client/types.js'
import * as errors from '../lib/errors.js'

/** Every string a language's words give, by path, with its functions called on sample arguments. */
function leaves (locale: string): Map<string, string> {
  const texts = dialogTexts(locale)
  const out = new Map<string, string>()
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') out.set(path, value)
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`)
  }
  const { locale: _, duration, refusal, sendTo, codeSent, newCodeSent, tryAgainIn, newCodeIn, ...plain } = texts
  walk(plain, '')
  walk({ sendTo: [sendTo('email'), sendTo('sms')], codeSent: [codeSent('email', 'D'), codeSent('sms', 'D')], newCodeSent: newCodeSent('a***@x'), tryAgainIn: tryAgainIn('0:42'), newCodeIn: newCodeIn('0:42') }, '')
  const codes = Object.keys(errors).filter((name) => name.startsWith('FST_STEP_UP_') && (errors as Record<string, unknown>)[name] !== undefined)
  // Each refusal with nothing, with everything, and for each method: every wording a language has.
  const contexts = [{}, { wait: 'W', status: 500, reason: 'R' }, ...['email', 'sms', 'totp', 'password', 'pin', 'security-questions', 'passkey'].map((method) => ({ method }))]
  for (const code of [...codes, 'network', 'passkey-cancelled', 'passkey-insecure', 'passkey-unsupported', 'unexpected']) {
    contexts.forEach((context, i) => out.set(`refusal.${code}.${i}`, refusal(code as StepUpErrorCode, context as never)))
  }
  out.set('duration', duration(90))
  return out
}

t.test('every word in every built-in language, none left in English', async (t) => {
  const english = leaves('en')
  t.ok(english.size > 60)
  for (const locale of ['fr', 'de', 'es']) {
    const words = leaves(locale)
    t.same([...words.keys()], [...english.keys()], `${locale} has every word`)
    const same = [...words].filter(([path, text]) => text === english.get(path) && !/^\.(method\.(passkey|pin|sms)\.label|field\.pin)$/.test(path))
    t.same(same, [], `${locale}: nothing is English but names that are the same in both`)
    for (const [path, text] of words) t.notMatch(text, /undefined|\$\{|NaN/, `${locale} ${path}`)
  }
})

t.test('waits in words, in the language, through Intl', async (t) => {
  const en = dialogTexts('en-GB')
  t.equal(en.duration(1), '1 second')
  t.equal(en.duration(0.2), '1 second', 'never "0 seconds"')
  t.equal(en.duration(30), '30 seconds')
  t.equal(en.duration(60), '1 minute')
  t.equal(en.duration(90), '1 minute 30 seconds')
  t.equal(en.duration(299), '4 minutes 59 seconds')
  t.equal(en.duration(899), '15 minutes', 'long waits in whole minutes')
  t.equal(dialogTexts('de').duration(90), '1 Minute und 30 Sekunden')
  t.match(dialogTexts('fr').duration(125), /^2\sminutes et 5\ssecondes$/, 'French puts a no-break space before the unit')
  t.equal(dialogTexts('es').duration(1), '1 segundo')
})

t.test('refusals: the wait, the method, the browser\'s own, and a code this version does not know', async (t) => {
  const fr = dialogTexts(['fr-CA'])
  t.equal(fr.refusal('FST_STEP_UP_LOCKED', { wait: fr.duration(900) }), 'Trop de tentatives échouées : la vérification est bloquée pour votre compte pour le moment. Réessayez dans 15 minutes.')
  t.equal(fr.refusal('FST_STEP_UP_LOCKED'), 'Trop de tentatives échouées : la vérification est bloquée pour votre compte pour le moment.')
  t.equal(fr.refusal('FST_STEP_UP_CREDENTIAL_INVALID', { method: 'pin' }), 'Ce code PIN n’est pas correct.')
  t.equal(fr.refusal('FST_STEP_UP_CODE_INVALID', { method: 'sms' }), 'Ce code n’est pas correct. Vérifiez le dernier message et réessayez.')
  t.equal(fr.refusal('FST_STEP_UP_SOMETHING_NEW' as StepUpErrorCode, { status: 418 }), 'Une erreur s’est produite (HTTP 418). Réessayez.')
  t.equal(fr.refusal('toString' as StepUpErrorCode), 'Une erreur s’est produite. Réessayez.', 'an inherited name is no refusal of its own')
  const en = dialogTexts()
  t.equal(en.refusal('FST_STEP_UP_PASSKEY_INVALID', { reason: 'it was made on another origin' }), 'That passkey was not accepted: it was made on another origin.')
  t.equal(en.refusal('FST_STEP_UP_PASSKEY_INVALID'), 'That passkey was not accepted.')
  t.equal(en.refusal('FST_STEP_UP_RESEND_TOO_SOON', { wait: '30 seconds' }), 'A code was sent moments ago. You can ask for another in 30 seconds.')
})

t.test('the language: the first of the browser\'s that is built in; the app\'s own words over it', async (t) => {
  t.equal(dialogLocale(['pt-BR', 'de-AT', 'fr']), 'de')
  t.equal(dialogLocale('ES'), 'es')
  t.equal(dialogLocale(['pt', 'ja']), 'en')
  t.equal(dialogLocale(undefined), 'en')
  const texts = dialogTexts(['fr'], { title: 'Confirmez votre identité', method: { pin: { label: 'NIP', hint: 'Votre NIP' } }, refusals: { unexpected: () => 'Oups.' } })
  t.equal(texts.locale, 'fr')
  t.equal(texts.title, 'Confirmez votre identité')
  t.equal(texts.verify, 'Vérifier', 'the rest stays the language\'s')
  t.equal(texts.refusal('FST_STEP_UP_WHATEVER' as StepUpErrorCode), 'Oups.')
  t.equal(texts.refusal('FST_STEP_UP_CODE_INVALID'), 'Ce code n’est pas correct. Réessayez.', 'one refusal reworded, the others kept')
  t.same([texts.method.pin.label, texts.method.totp.label], ['NIP', 'Application d’authentification'], 'one method reworded, the others kept')
})
