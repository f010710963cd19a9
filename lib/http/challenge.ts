// RFC 9470: the 401 a resource server sends when the user's authentication is not enough.

/** Keeps a value inside an RFC 9110 quoted-string: no quotes, backslashes or control characters. */
function quoted (value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`
}

/** `acr_values` lists the acceptable levels in order of preference, space separated. */
export function challengeHeader (description: string, maxAgeSeconds: number, acrValues?: readonly string[]): string {
  return [
    'Bearer error="insufficient_user_authentication"',
    `error_description=${quoted(description)}`,
    ...(acrValues ? [`acr_values=${quoted(acrValues.join(' '))}`] : []),
    `max_age="${maxAgeSeconds}"`
  ].join(', ')
}
