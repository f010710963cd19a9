// Which of the catalogs' languages a person reads: the one on their profile when the app gives it,
// else the best of what their browser asks for (Accept-Language, parsed by `negotiator`, the
// parser Express and `accepts` use), else the default.
import Negotiator from 'negotiator'

/** A header longer than this is cut before it is parsed: no real browser sends one near it. */
const MAX_HEADER = 512

/** `tag`'s language alone (`fr` of `fr-CA`), lower-cased. */
function language (tag: string): string {
  return tag.split('-')[0]!.toLowerCase()
}

/** The catalog for one preferred tag: the same tag (in any case), else the same language. */
function match (wanted: string, available: readonly string[]): string | undefined {
  const lower = wanted.toLowerCase()
  return available.find((tag) => tag.toLowerCase() === lower) ??
    available.find((tag) => tag.toLowerCase() === language(lower))
}

/**
 * The language to write in for a person: `userLocale` (from the profile) if a catalog has it or its
 * language, else the best match for `acceptLanguage`, else `fallback`. Any of them may be absent
 * or malformed; the answer is always one of `available` or `fallback`.
 */
export function pickLocale (available: readonly string[], fallback: string, userLocale?: unknown, acceptLanguage?: unknown): string {
  if (typeof userLocale === 'string' && userLocale.length <= 35) {
    const found = match(userLocale, available)
    if (found !== undefined) return found
  }
  if (typeof acceptLanguage === 'string' && acceptLanguage !== '') {
    const header = acceptLanguage.slice(0, MAX_HEADER)
    // negotiator matches a catalog's language against a tag's (`fr` for `fr-CA`) and weighs q-values.
    const [best] = new Negotiator({ headers: { 'accept-language': header } }).languages([...available])
    if (best !== undefined) return best
  }
  return fallback
}
