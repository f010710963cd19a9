// LoginRadius clients send no challenge id: a code is verified by who sends it and where it went.
// So a compatible challenge gets an id derived from exactly that, and verifying recomputes it. A
// new code to the same place takes the same id and replaces the pending one: the latest code wins.
import { createHmac } from 'node:crypto'

/** The purpose of the challenge-id key the engine derives from the plugin secret, used for nothing else. */
export const CHALLENGE_KEY_PURPOSE = 'loginradius-challenge'

/**
 * The id of the pending challenge of one user, session, channel and normalized destination: 128+
 * bits of HMAC in 22 base64url characters, the form of the engine's own random ids. The parts are
 * encoded, so no choice of ids can make two different tuples collide.
 */
export function challengeId (key: Buffer, parts: { userId: string, sessionId: string, channel: string, destination: string }): string {
  const message = [parts.userId, parts.sessionId, parts.channel, parts.destination].map(encodeURIComponent).join(':')
  return createHmac('sha256', key).update(message).digest('base64url').slice(0, 22)
}
