// The WWW-Authenticate header as RFC 9110 (section 11.6.1) writes it: one or more challenges, each a
// scheme followed by a token68 or by comma-separated auth-params whose values are tokens or quoted
// strings. Servers and proxies vary in spacing, case and order, and may put several challenges in
// one header (or in several headers, which fetch joins with ", "), so this reads the grammar
// rather than matching one server's output.

export interface AuthChallenge {
  /** The scheme, lower-cased (`'bearer'`, `'basic'`, ...): schemes are case-insensitive. */
  scheme: string
  /** The auth-params: names lower-cased (they are case-insensitive), values unquoted. The first of a repeated name wins. */
  params: Record<string, string>
  /** The token68 some schemes carry instead of params (`Negotiate <token>`). */
  token68?: string
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y
const SPACE = /[ \t]*/y
const SEPARATORS = /[ \t,]*/y
const GARBAGE = /[^,]*/y

/** Every challenge in a WWW-Authenticate header, in order. Input that breaks the grammar is skipped up to the next comma. */
export function parseWwwAuthenticate (header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  let current: AuthChallenge | undefined
  let at = 0

  const match = (pattern: RegExp): string => {
    pattern.lastIndex = at
    const found = pattern.exec(header)
    if (!found) return ''
    at = pattern.lastIndex
    return found[0]
  }
  /** A token68 right after a scheme: it must run to the end of the challenge, or it is the first param's name. */
  const token68 = (): string | undefined => {
    const start = at
    const found = match(TOKEN68)
    match(SPACE)
    if (found !== '' && (at === header.length || header[at] === ',')) return found
    at = start
    return undefined
  }
  const quoted = (): string => {
    let value = ''
    at++ // the opening quote
    while (at < header.length && header[at] !== '"') {
      // A quoted-pair: the backslash escapes the next character, whatever it is.
      if (header[at] === '\\' && at + 1 < header.length) at++
      value += header[at++]
    }
    at++ // the closing quote (or past the end of an unterminated string)
    return value
  }

  for (;;) {
    match(SEPARATORS)
    if (at >= header.length) break
    const name = match(TOKEN)
    if (name === '') {
      match(GARBAGE)
      continue
    }
    match(SPACE)
    if (header[at] !== '=') {
      // A token not followed by "=" starts a new challenge.
      // No prototype, so a param named like an Object property (`constructor`) is an ordinary key.
      current = { scheme: name.toLowerCase(), params: Object.create(null) as Record<string, string> }
      challenges.push(current)
      match(SPACE)
      const found = token68()
      if (found !== undefined) current.token68 = found
      continue
    }
    at++ // "="
    match(SPACE)
    const value = header[at] === '"' ? quoted() : match(TOKEN)
    const key = name.toLowerCase()
    if (current && !(key in current.params)) current.params[key] = value
    match(GARBAGE) // whatever else before the next comma does not belong to the grammar
  }
  return challenges
}
