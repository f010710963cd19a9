// The formatters a catalog writes with: Intl does numbers, plural rules, units and dates for every
// language Node knows, so no catalog hand-writes "1 minute" against "2 minutes".
import type { Formatters, PluralForms } from './messages.js'

const cache = new Map<string, Formatters>()

/** The formatters of one language tag, made once per tag. */
export function formattersFor (locale: string): Formatters {
  let made = cache.get(locale)
  if (made === undefined) {
    made = create(locale)
    cache.set(locale, made)
  }
  return made
}

function create (locale: string): Formatters {
  const number = new Intl.NumberFormat(locale)
  const minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' })
  const plural = new Intl.PluralRules(locale)
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC' })
  return {
    locale,
    number: (value) => number.format(value),
    minutes: (value) => minutes.format(value),
    plural: (count: number, forms: PluralForms) => forms[plural.select(count)] ?? forms.other,
    time: (value) => time.format(value)
  }
}
