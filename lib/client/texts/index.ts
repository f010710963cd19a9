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

/**
 * The dialog's words in a language (`dialogTexts(navigator.languages)`), with the app's own words
 * laid over them. A wait in words and a countdown come from Intl in that language.
 */
export function dialogTexts (preferred?: string | readonly string[], overrides: Partial<Words> = {}): DialogTexts {
  const locale = dialogLocale(preferred)
  const words: Words = { ...BUILT_IN[locale]!, ...overrides }
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
