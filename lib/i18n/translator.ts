// The texts of one plugin instance: the built-in catalogs, with the app's own wording laid over
// them key by key (and languages of its own added). A key a language lacks is taken from the same
// language without its region (`fr` for `fr-CA`), then from English: never a key name.
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { checkKeys, keysOf } from '../option-keys.js'
import { formattersFor } from './format.js'
import { de } from './locales/de.js'
import { en } from './locales/en.js'
import { es } from './locales/es.js'
import { fr } from './locales/fr.js'
import { MESSAGE_PARAMS, paramName, type Catalog, type Message, type MessageKey, type MessageParams } from './messages.js'
import { pickLocale } from './negotiate.js'

const BUILT_IN: Readonly<Record<string, Catalog>> = { en, fr, de, es }

/** An app's wording of one text: a template with `{name}` placeholders, or a function like a catalog's. */
export type MessageOverride<Key extends MessageKey> = string | Message<Key>

export interface LocaleOptions {
  /** The language for a person whose profile and browser name none the catalogs have. Default `'en'`. */
  default?: string
  /**
   * Texts by language tag (`fr`, `pt-BR`): reword built-in keys, or add a language; each key it
   * leaves out comes from the built-in catalog of its language, then from English.
   */
  messages?: Record<string, { [Key in MessageKey]?: MessageOverride<Key> }>
}

export interface Translator {
  /** Every language a person can be written to in, the built-in ones first. */
  readonly locales: readonly string[]
  /** The language for a person: their profile's `locale`, else their browser's Accept-Language, else the default. */
  pick (userLocale?: unknown, acceptLanguage?: unknown): string
  /** The text of `key` in `locale`, made from `params`. */
  text<Key extends MessageKey> (locale: string, key: Key, params: MessageParams<Key>): string
  /** True when the app worded `key` itself for `locale` or its language (`locales.messages`). */
  reworded (locale: string, key: MessageKey): boolean
}

const LOCALE_KEYS = keysOf<LocaleOptions>({ default: true, messages: true })
/** A BCP 47 tag of the common shape: a language, then a script, region or variant or two. */
const TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/
const PLACEHOLDER = /\{([A-Za-z]+)\}/g
const MAX_TEMPLATE = 4000

/** `{name}` placeholders filled with the parameters; a number as the language writes it, an absent one as nothing. */
function fromTemplate (template: string): Message<MessageKey> {
  return (params, format) => template.replace(PLACEHOLDER, (_, name: string) => {
    const value = (params as Record<string, string | number | undefined>)[name]
    return typeof value === 'number' ? format.number(value) : value ?? ''
  })
}

/** Checks an app's texts for one language once, at registration: known keys, and only their own placeholders. */
function checkMessages (tag: string, given: unknown): Partial<Record<MessageKey, Message<MessageKey>>> {
  const name = `locales.messages.${tag}`
  if (!TAG.test(tag)) throw new FST_STEP_UP_OPTION_INVALID('locales.messages', `has a language tag "${tag.slice(0, 40)}" that is not one like "fr" or "pt-BR"`)
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object of texts by key')
  checkKeys(name, given, Object.keys(MESSAGE_PARAMS))
  const checked: Partial<Record<MessageKey, Message<MessageKey>>> = {}
  for (const [key, value] of Object.entries(given) as Array<[MessageKey, unknown]>) {
    if (typeof value === 'function') {
      checked[key] = value as Message<MessageKey>
      continue
    }
    if (typeof value !== 'string' || value.length > MAX_TEMPLATE) {
      throw new FST_STEP_UP_OPTION_INVALID(`${name}.${key}`, `must be a function or a string of at most ${MAX_TEMPLATE} characters`)
    }
    const allowed = MESSAGE_PARAMS[key].map(paramName)
    for (const [, placeholder] of value.matchAll(PLACEHOLDER)) {
      // A placeholder the text is never given (a `{code}` in a notification) is a mistake, not a blank.
      if (!allowed.includes(placeholder!)) {
        throw new FST_STEP_UP_OPTION_INVALID(`${name}.${key}`, `uses {${placeholder}}, which it is not given (it is given: ${allowed.join(', ') || 'nothing'})`)
      }
    }
    checked[key] = fromTemplate(value)
  }
  return checked
}

export function createTranslator (options: LocaleOptions = {}): Translator {
  if (typeof options !== 'object' || options === null) throw new FST_STEP_UP_OPTION_INVALID('locales', 'must be an object')
  checkKeys('locales', options, LOCALE_KEYS)
  const own = new Map<string, Partial<Record<MessageKey, Message<MessageKey>>>>()
  if (options.messages !== undefined) {
    if (typeof options.messages !== 'object' || options.messages === null) throw new FST_STEP_UP_OPTION_INVALID('locales.messages', 'must be an object of texts by language')
    for (const [tag, given] of Object.entries(options.messages)) own.set(tag, checkMessages(tag, given))
  }
  const locales = [...new Set([...Object.keys(BUILT_IN), ...own.keys()])]
  const fallback = options.default ?? 'en'
  if (!locales.includes(fallback)) throw new FST_STEP_UP_OPTION_INVALID('locales.default', `must be one of the languages: ${locales.join(', ')}`)

  const lookup = (tag: string, key: MessageKey): Message<MessageKey> | undefined =>
    own.get(tag)?.[key] ?? (BUILT_IN[tag]?.[key] as Message<MessageKey> | undefined)

  return {
    locales,
    pick: (userLocale, acceptLanguage) => pickLocale(locales, fallback, userLocale, acceptLanguage),
    reworded (locale, key) {
      return own.get(locale)?.[key] !== undefined || own.get(locale.split('-')[0]!)?.[key] !== undefined
    },
    text (locale, key, params) {
      const language = locale.split('-')[0]!
      // English has every key (its catalog's type says so), so the search always ends there.
      const tag = [locale, language].find((candidate) => lookup(candidate, key) !== undefined) ?? 'en'
      // Formatted in the language the text is written in, so an English fall-back reads "5 minutes".
      return lookup(tag, key)!(params as MessageParams<MessageKey>, formattersFor(tag))
    }
  }
}
