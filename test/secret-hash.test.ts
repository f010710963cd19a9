// PINs and security answers: scrypt strings that carry their parameters, and never a throw on bad data.
import t from 'tap'
import { randomBytes, scryptSync } from 'node:crypto'
import { hashPin, verifyPin } from '../lib/methods/pin/enroll.js'
import { hashAnswer, normalizeAnswer, verifyAnswer } from '../lib/methods/security-questions/enroll.js'

const FORMAT = /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/

/** A stored string made by hand, as an older or newer version of the code would have made it. */
function handMade (value: string, N: number, r: number, p: number, keylen = 32, salt = randomBytes(16)): string {
  const hash = scryptSync(value, salt, keylen, { N, r, p, maxmem: 256 * 1024 * 1024 })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

t.test('a PIN round trip', async (t) => {
  const stored = await hashPin('4821')
  t.match(stored, FORMAT)
  t.notMatch(stored, '4821')
  t.equal(await verifyPin('4821', stored), true)
  t.equal(await verifyPin('4822', stored), false)
  t.equal(await verifyPin('48210', stored), false)
  t.equal(await verifyPin(' 4821', stored), false, 'a PIN is hashed exactly as given')
  t.equal(await verifyPin('', stored), false)
})

t.test('the string says what it is: scrypt of the value with its salt and parameters', async (t) => {
  const stored = await hashPin('2468')
  const [, N, r, p, salt, hash] = stored.split('$')
  const expected = scryptSync('2468', Buffer.from(salt, 'base64url'), 32, { N: Number(N), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 })
  t.equal(hash, expected.toString('base64url'))
  t.equal(Buffer.from(salt, 'base64url').length, 16)
})

t.test('every hash has its own salt', async (t) => {
  const [a, b] = await Promise.all([hashPin('1234'), hashPin('1234')])
  t.not(a, b)
  t.not(a.split('$')[4], b.split('$')[4], 'different salts')
  t.equal(await verifyPin('1234', a), true)
  t.equal(await verifyPin('1234', b), true)
  const [x, y] = await Promise.all([hashAnswer('Fluffy'), hashAnswer('fluffy')])
  t.not(x.split('$')[4], y.split('$')[4], 'answers too')
})

t.test('parameters are read from the stored string', async (t) => {
  t.equal(await verifyPin('1357', handMade('1357', 2 ** 14, 8, 1)), true, 'N = 2^14')
  t.equal(await verifyPin('1357', handMade('1357', 2 ** 10, 4, 2)), true, 'other r and p')
  t.equal(await verifyPin('1357', handMade('1357', 2 ** 12, 8, 1, 32, randomBytes(32))), true, 'a longer salt')
  // The output length is not a parameter: scrypt's shorter outputs are prefixes of longer ones.
  t.equal(await verifyPin('1357', handMade('1357', 2 ** 12, 8, 1, 64)), false, 'a 64-byte hash')
  t.equal(await verifyPin('1357', handMade('1357', 2 ** 12, 8, 1, 16)), false, 'a 16-byte hash')
  t.equal(await verifyPin('1358', handMade('1357', 2 ** 14, 8, 1)), false)
  t.equal(await verifyAnswer(' Paris ', handMade('paris', 2 ** 14, 8, 1)), true, 'answers too')
})

t.test('a malformed stored value is false, never a throw', async (t) => {
  const good = handMade('1357', 2 ** 10, 8, 1)
  const [, , , , salt, hash] = good.split('$')
  const malformed: Record<string, unknown> = {
    empty: '',
    'not a string': null,
    'a number': 42,
    'wrong prefix': good.replace(/^scrypt/, 'bcrypt'),
    'upper-case prefix': good.replace(/^scrypt/, 'SCRYPT'),
    'a part missing': good.split('$').slice(0, 5).join('$'),
    'a part too many': `${good}$x`,
    'an empty part': good.replace('$8$', '$$'),
    'N not a number': good.replace('$1024$', '$abc$'),
    'N zero': good.replace('$1024$', '$0$'),
    'N one': good.replace('$1024$', '$1$'),
    'N not a power of two': good.replace('$1024$', '$1000$'),
    'N with a leading zero': good.replace('$1024$', '$01024$'),
    'N negative': good.replace('$1024$', '$-1024$'),
    'N in hex': good.replace('$1024$', '$0x400$'),
    'N beyond 2^20': good.replace('$1024$', `$${2 ** 21}$`),
    'N enormous': good.replace('$1024$', '$99999999999999999999$'),
    'r zero': good.replace('$1024$8$', '$1024$0$'),
    'r beyond 32': good.replace('$1024$8$', '$1024$33$'),
    'p beyond 16': good.replace('$8$1$', '$8$17$'),
    'p fractional': good.replace('$8$1$', '$8$1.5$'),
    'salt not base64url': good.replace(salt, `${salt.slice(0, -1)}+`),
    'salt too short': good.replace(salt, randomBytes(8).toString('base64url')),
    'salt truncated': good.replace(salt, salt.slice(0, 20)),
    'hash not base64url': good.replace(hash, `${hash.slice(0, -1)}=`),
    'hash too short': good.replace(hash, hash.slice(0, 20)),
    'hash too long': good.replace(hash, randomBytes(65).toString('base64url')),
    truncated: good.slice(0, 40),
    'truncated hash (still a prefix of the right one)': good.slice(0, -5),
    'more memory than a verify may take': good.replace('$1024$8$', `$${2 ** 20}$32$`),
    overlong: `${good}${'A'.repeat(600)}`
  }
  for (const [name, stored] of Object.entries(malformed)) {
    t.equal(await verifyPin('1357', stored as string), false, name)
    t.equal(await verifyAnswer('1357', stored as string), false, `${name} (answer)`)
  }
  t.equal(await verifyPin('1357', good), true, 'the value they were made from is fine')
})

t.test('inputs over 1024 characters are refused unhashed', async (t) => {
  const long = '7'.repeat(1025)
  // Even a stored value that really is the hash of it: the cap, not a mismatch, says no.
  t.equal(await verifyPin(long, handMade(long, 2 ** 10, 8, 1)), false)
  t.equal(await verifyAnswer(long, handMade(long, 2 ** 10, 8, 1)), false)
  await t.rejects(hashPin(long), RangeError)
  await t.rejects(hashAnswer(long), RangeError)
  const longest = '7'.repeat(1024)
  t.equal(await verifyPin(longest, handMade(longest, 2 ** 10, 8, 1)), true, '1024 is still fine')
  t.equal(await verifyPin(123 as never, handMade('123', 2 ** 10, 8, 1)), false, 'not a string')
})

t.test('nothing to hash is refused', async (t) => {
  await t.rejects(hashPin(''), RangeError)
  await t.rejects(hashPin(undefined as never), RangeError)
  await t.rejects(hashAnswer(''), RangeError)
  await t.rejects(hashAnswer(' \t\u3000 '), RangeError, 'an answer of only spaces')
  t.equal(await verifyAnswer('   ', handMade('', 2 ** 10, 8, 1)), false, 'blank never matches, even a hash of nothing')
})

t.test('normalizeAnswer', async (t) => {
  t.equal(normalizeAnswer('  Fluffy  '), 'fluffy')
  t.equal(normalizeAnswer('New   York\tCity\n'), 'new york city')
  t.equal(normalizeAnswer('ＦＬＵＦＦＹ'), 'fluffy', 'full-width letters (NFKC)')
  t.equal(normalizeAnswer('new\u3000york\u00a0city'), 'new york city', 'ideographic and no-break spaces')
  t.equal(normalizeAnswer('ﬁsh'), 'fish', 'the fi ligature')
  t.equal(normalizeAnswer('Cafe\u0301'), 'café', 'composed')
  t.equal(normalizeAnswer('Straße'), 'straße', 'lower case only, no case folding beyond it')
})

t.test('answers match across case, spaces and width', async (t) => {
  const stored = await hashAnswer('  New York ')
  t.match(stored, FORMAT)
  for (const typed of ['new york', 'NEW YORK', ' new   york ', 'New\tYork', 'ｎｅｗ　ｙｏｒｋ']) {
    t.equal(await verifyAnswer(typed, stored), true, JSON.stringify(typed))
  }
  for (const typed of ['newyork', 'new york city', 'new-york', '']) {
    t.equal(await verifyAnswer(typed, stored), false, JSON.stringify(typed))
  }
  t.equal(await verifyPin('new york', stored), true, 'what is stored is the normalized answer')
})
