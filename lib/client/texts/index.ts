// The words of a step-up dialog in the browser's language (English, French, German, Spanish built
// in), each overridable by the app; a language or a word not built in falls back to English.
import type { StepUpErrorCode } from '../types.js'
import { de } from './de.js'
import { en } from './en.js'
import { es } from './es.js'
import { fr } from './fr.js'
import type { BrowserRefusal, DialogTexts, RefusalContext, Words } from './types.js'

export type { BrowserRefusal, DialogTexts, RefusalContext } from './types.js'

const BUILT_IN: Readonly<Record<string, Words>> = { en, fr, de, es }

/** The built-in language for the first of `preferred` (`navigator.languages`) that one has, by language (`fr` for `fr-CA`); else English. */
export function dialogLocale (preferred: string | readonly string[] | undefined): string {
  const list = typeof preferred === 'string' ? [preferred] : preferred ?? []
  for (const tag of list) {
    const language = String(tag).split('-')[0]!.toLowerCase()
    if (Object.hasOwn(BUILT_IN, language)) return language
  }
  return 'en'
}

/** The app's own words: any of them, and any one method, field or refusal of the tables. */
export type DialogWords = Partial<Omit<Words, 'method' | 'field' | 'refusals'>> & {
  method?: Partial<Words['method']>
  field?: Partial<Words['field']>
  refusals?: Partial<Words['refusals']>
}

/**
 * The dialog's words in a language (`dialogTexts(navigator.languages)`), with the app's own words
 * laid over them (a table's entries one by one). A wait in words comes from Intl in that language.
 */
export function dialogTexts (preferred?: string | readonly string[], overrides: DialogWords = {}): DialogTexts {
  const locale = dialogLocale(preferred)
  const base = BUILT_IN[locale]!
  const words = {
    ...base,
    ...overrides,
    method: { ...base.method, ...overrides.method },
    field: { ...base.field, ...overrides.field },
    refusals: { ...base.refusals, ...overrides.refusals }
  } as Words
  const unit = (name: 'second' | 'minute') => new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' })
  const seconds = unit('second')
  const minutes = unit('minute')
  const { refusals, joinDuration, ...rest } = words
  return {
    ...rest,
    locale,
    duration (total) {
      const s = Math.max(1, Math.ceil(total))
      if (s < 60) return seconds.format(s)
      // A long wait in whole minutes: "14 minutes 59 seconds" is noise.
      if (s >= 300) return minutes.format(Math.ceil(s / 60))
      const rest = s % 60
      return rest === 0 ? minutes.format(s / 60) : joinDuration(minutes.format(Math.floor(s / 60)), seconds.format(rest))
    },
    refusal (code: StepUpErrorCode | BrowserRefusal, context: RefusalContext = {}) {
      // A code this version does not know (a newer server's) is still a refusal, in words.
      const text = Object.hasOwn(refusals, code) ? refusals[code] : refusals.unexpected
      return text(context)
    }
  }
}
