// RFC 9470: the 401 a resource server sends when the user's authentication is not enough.

/** Keeps a value inside an RFC 9110 quoted-string: no quotes, backslashes or control characters. */
function quoted (value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`
}

export function challengeHeader (description: string, maxAgeSeconds: number): string {
  return [
    'Bearer error="insufficient_user_authentication"',
    `error_description=${quoted(description)}`,
    `max_age="${maxAgeSeconds}"`
  ].join(', ')
}
