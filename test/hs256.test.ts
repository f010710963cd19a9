// The plugin's own HS256 signer and checker (node:crypto): interchangeable with jose for the tokens
// the plugin writes, and blind to every other spelling.
import { createHmac } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import t from 'tap'
import { Hs256 } from '../lib/core/hs256.js'

const KEY = new Uint8Array(32).fill(7)
const TYP = 'step-up+jwt'
const hs256 = new Hs256(KEY, TYP)
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const claims = { iss: 'i', aud: 'a', sub: 'alice', n: 1, list: ['x', 'é'] }

/** A compact JWS with any header and payload text, signed with the key. */
function signed (headerJson: string, payloadText: string, key: Uint8Array = KEY): string {
  const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

t.test('its tokens are standard: jose verifies them, and it reads what jose signs the same way', async (t) => {
  const token = hs256.sign(claims)
  const { payload, protectedHeader } = await jwtVerify(token, KEY, { algorithms: ['HS256'], typ: TYP })
  t.same(payload, claims)
  t.same(protectedHeader, { alg: 'HS256', typ: TYP })
  const byJose = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: TYP }).sign(KEY)
  t.equal(byJose, token, 'the same header and payload spelling, byte for byte')
  t.same(hs256.payload(byJose), claims)
})

t.test('only the spelling it writes passes: another header, key or encoding is nothing', async (t) => {
  const token = hs256.sign(claims)
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const json = JSON.stringify(claims)
  const refused: Record<string, string> = {
    'header fields reordered': signed(`{"typ":"${TYP}","alg":"HS256"}`, json),
    'an extra header field': signed(`{"alg":"HS256","typ":"${TYP}","kid":"k"}`, json),
    'whitespace in the header': signed(`{"alg": "HS256","typ":"${TYP}"}`, json),
    'another typ': signed('{"alg":"HS256","typ":"JWT"}', json),
    'another key': signed(`{"alg":"HS256","typ":"${TYP}"}`, json, new Uint8Array(32).fill(8)),
    'padding on the signature': `${token}=`,
    'padding on the payload': `${header}.${payload}=.${signature}`,
    'standard base64 alphabet': token.replace(/-/g, '+').replace(/_/g, '/'),
    'a set unused bit in the signature (the same bytes)': `${header}.${payload}.${signature.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(signature.at(-1)!) ^ 1]}`,
    'a truncated signature': token.slice(0, -2),
    'no signature': `${header}.${payload}`,
    'only the header': header,
    'the header glued to more text': `${header}x.${payload}.${signature}`,
    'an empty string': '',
    'four segments': `${token}.${signature}`
  }
  t.same(Buffer.from(refused['a set unused bit in the signature (the same bytes)']!.split('.')[2]!, 'base64url'), Buffer.from(signature, 'base64url'),
    'a lenient decoder reads the same signature there')
  for (const [name, forged] of Object.entries(refused)) t.equal(hs256.payload(forged), undefined, name)
  t.same(hs256.payload(token), claims, 'and the token itself passes')
})

t.test('a signed payload that is not a JSON object is nothing', async (t) => {
  const header = `{"alg":"HS256","typ":"${TYP}"}`
  for (const payload of ['not json', '[1,2]', '7', 'null', '"text"', '']) {
    t.equal(hs256.payload(signed(header, payload)), undefined, JSON.stringify(payload))
  }
  t.same(hs256.payload(signed(header, '{}')), {}, 'an object passes (its claims are checked elsewhere)')
})
