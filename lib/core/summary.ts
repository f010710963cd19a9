// What the user sees of an action before approving it (OWASP transaction authorization: what you
// see is what you sign). The app words each action's summary from its key fields; without a
// wording, the summary lists them, in words from the catalogs (`action.summary`) in the user's
// language around a list that is the same in every language. Either way the text is made safe to
// show anywhere: control characters, bidi overrides and other invisible characters are taken out
// (a payee that reads "ACME" but holds U+202E could show another name), and it is cut to a fixed
// length.
import { FST_STEP_UP_INVALID_REQUEST, FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import type { Translator } from '../i18n/translator.js'
import { checkKeys, keysOf } from '../option-keys.js'
import { NAME } from './names.js'

/** An action's key fields, as a client sends them (the route schema bounds them). */
export type StepUpActionData = Record<string, string | number | boolean | null>

/** How one action is shown to the user: the `actions.<name>` option. */
export interface StepUpActionOptions {
  /**
   * Words the summary the user approves ("Approve payment of 120.00 EUR to ACME Ltd"), from the
   * action's key fields (`{}` when the client sent none). Throw to refuse data the action does not
   * take: the client gets `400 FST_STEP_UP_INVALID_REQUEST` and nothing is sent. The text is cleaned
   * and cut to `SUMMARY_MAX_LENGTH` characters afterwards; escape nothing here.
   */
  summary: (data: StepUpActionData) => string
}

/** The `actions` option: one entry per action name. */
export type StepUpActionsOption = Record<string, StepUpActionOptions>

/** The longest summary, in characters: enough for an amount, a currency and a payee, short enough for a text message. */
export const SUMMARY_MAX_LENGTH = 200

const ACTION_KEYS = keysOf<StepUpActionOptions>({ summary: true })

/** Checks the `actions` option once, at registration. */
export function resolveActions (value: StepUpActionsOption | undefined): ReadonlyMap<string, StepUpActionOptions> {
  if (value === undefined) return new Map()
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FST_STEP_UP_OPTION_INVALID('actions', 'must be an object of action names')
  return new Map(Object.entries(value).map(([name, action]) => {
    if (!NAME.test(name)) throw new FST_STEP_UP_OPTION_INVALID('actions', `has a bad action name "${name.slice(0, 64)}"`)
    if (typeof action !== 'object' || action === null) throw new FST_STEP_UP_OPTION_INVALID(`actions.${name}`, 'must be an object')
    checkKeys(`actions.${name}`, action, ACTION_KEYS)
    if (typeof action.summary !== 'function') throw new FST_STEP_UP_OPTION_INVALID(`actions.${name}.summary`, 'must be a function')
    return [name, { summary: action.summary }]
  }))
}

// Control characters (C0, DEL, C1) and line or paragraph separators become spaces; format
// characters (bidi embeddings, overrides, isolates and marks, zero-width characters, the BOM) and
// lone surrogates are dropped.
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]/gu
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu

/** Text safe to show as one line: no control or invisible characters, at most `max` characters (cut with "…"). */
export function cleanText (text: string, max: number): string {
  const clean = text.replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim()
  const characters = Array.from(clean)
  return characters.length <= max ? clean : `${characters.slice(0, max - 1).join('').trimEnd()}…`
}

/** A summary safe to show as text: no control or invisible characters, one line, at most SUMMARY_MAX_LENGTH characters. */
export function cleanSummary (text: string): string {
  return cleanText(text, SUMMARY_MAX_LENGTH)
}

/** A field name as the default summary shows it: plain when it is a plain word, quoted otherwise, so no name can pass for two fields. */
const fieldName = (key: string): string => NAME.test(key) ? key : JSON.stringify(key)

/** The language a summary is worded in, and the texts to word it from. */
export interface SummaryWords {
  texts: Translator
  locale: string
}

/**
 * "Approve payment: amount 120.00, currency "EUR"": the catalog's `action.summary` around the
 * fields, which are listed in canonical (sorted) order, values as JSON, whatever the language.
 */
function defaultSummary ({ texts, locale }: SummaryWords, name: string, data: StepUpActionData): string {
  const fields = Object.keys(data).sort().map((key) => `${fieldName(key)} ${JSON.stringify(data[key])}`)
  return texts.text(locale, 'action.summary', { action: name, ...(fields.length === 0 ? {} : { fields: fields.join(', ') }) })
}

/**
 * The summary of an action, from the app's wording or the default in `words`' language; a wording
 * that throws refuses the data (400). The app's wording is its own, in whatever language it writes.
 */
export function summarize (actions: ReadonlyMap<string, StepUpActionOptions>, action: { name: string, data?: unknown }, words: SummaryWords): string {
  const data = (action.data ?? {}) as StepUpActionData
  const wording = actions.get(action.name)
  if (!wording) return cleanSummary(defaultSummary(words, action.name, data))
  let text: unknown
  try {
    text = wording.summary(data)
  } catch (cause) {
    throw Object.assign(new FST_STEP_UP_INVALID_REQUEST(`action.data does not fit the action "${action.name}"`), { cause })
  }
  if (typeof text !== 'string') throw new FST_STEP_UP_INVALID_REQUEST(`action.data does not fit the action "${action.name}"`)
  return cleanSummary(text)
}
