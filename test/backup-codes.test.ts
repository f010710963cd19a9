// Recovery codes: format, single sets, hashes that survive retyping, and the CSPRNG behind them.
import t from 'tap'
import { createHash } from 'node:crypto'
import { generateBackupCodes, hashBackupCode, normalizeBackupCode } from '../lib/methods/backup-code/enroll.js'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const FORMAT = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/

t.test('ten codes by default, XXXXX-XXXXX in Crockford base32', async (t) => {
  const { codes, hashes } = generateBackupCodes()
  t.equal(codes.length, 10)
  t.equal(hashes.length, 10)
  for (const code of codes) t.match(code, FORMAT, code)
  t.same(generateBackupCodes({}).codes.length, 10, 'an empty options object too')
  t.same(generateBackupCodes({ count: undefined }).codes.length, 10, 'undefined takes the default')
})

t.test('the hashes are SHA-256 of the normalized codes, in the same order', async (t) => {
  const { codes, hashes } = generateBackupCodes({ count: 20 })
  for (const [i, code] of codes.entries()) {
    t.equal(hashes[i], hashBackupCode(code))
    // Computed independently: SHA-256 hex of the code without its dash.
    t.equal(hashes[i], createHash('sha256').update(code.replace('-', '')).digest('hex'))
    t.match(hashes[i], /^[0-9a-f]{64}$/)
    t.notMatch(hashes[i], code.replace('-', ''), 'a hash never carries its code')
  }
  t.equal(new Set(hashes).size, 20)
})

t.test('a code typed from paper still matches its hash', async (t) => {
  const { codes, hashes } = generateBackupCodes({ count: 50 })
  for (const [i, code] of codes.entries()) {
    const stored = hashes[i]
    t.equal(hashBackupCode(code.toLowerCase()), stored, `${code} in lower case`)
    t.equal(hashBackupCode(code.replace('-', '')), stored, `${code} without the dash`)
    t.equal(hashBackupCode(` ${code.replace('-', ' ')} `), stored, `${code} with spaces`)
    t.equal(hashBackupCode(code.replace(/0/g, 'O').replace(/1/g, 'I')), stored, `${code} with O for 0 and I for 1`)
    t.equal(hashBackupCode(code.replace(/1/g, 'l').toLowerCase()), stored, `${code} with l for 1`)
  }
  const stored = hashBackupCode('0A1B2-C3D4E')
  for (const typed of ['oa1b2-c3d4e', 'OAIB2C3D4E', '0alb2 c3d4e', '0A1B2–C3D4E', '０Ａ１Ｂ２－Ｃ３Ｄ４Ｅ', '0A1B2\tC3D4E', '0A-1B-2C-3D-4E']) {
    t.equal(hashBackupCode(typed), stored, JSON.stringify(typed))
  }
  for (const other of ['0A1B2-C3D4F', '0A1B2-C3D4', '0A1B2-C3D4EE', '']) {
    t.not(hashBackupCode(other), stored, `${JSON.stringify(other)} is another code`)
  }
})

t.test('normalizeBackupCode', async (t) => {
  t.equal(normalizeBackupCode('abcde-fghjk'), 'ABCDEFGHJK')
  t.equal(normalizeBackupCode(' o0 iI lL - 23 '), '00111123')
  t.equal(normalizeBackupCode('AB\u2212CD\u2010EF\u00a0GH'), 'ABCDEFGH', 'minus sign, Unicode hyphen, no-break space')
  t.equal(normalizeBackupCode(''), '')
  t.equal(normalizeBackupCode('U'), 'U', 'U is not a look-alike of anything in the alphabet: it simply matches no code')
})

t.test('no two codes of a set alike', async (t) => {
  for (let i = 0; i < 100; i++) {
    const { codes, hashes } = generateBackupCodes({ count: 50 })
    if (new Set(codes).size !== 50 || new Set(hashes).size !== 50) t.fail('a duplicate in a set')
  }
  t.pass('100 sets of 50')
})

t.test('the count is a whole number from 1 to 50', async (t) => {
  t.equal(generateBackupCodes({ count: 1 }).codes.length, 1)
  t.equal(generateBackupCodes({ count: 50 }).codes.length, 50)
  for (const count of [0, -1, 51, 1.5, NaN, Infinity, '10', null]) {
    t.throws(() => generateBackupCodes({ count: count as never }), RangeError, String(count))
  }
})

t.test('every symbol is equally likely: 50 bits per code', async (t) => {
  const symbols = Array.from({ length: 40 }, () => generateBackupCodes({ count: 50 }).codes.join('').replace(/-/g, '')).join('')
  t.equal(symbols.length, 20_000)
  const counts = new Map<string, number>()
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1)
  t.same([...counts.keys()].sort(), [...CROCKFORD], 'the whole alphabet, and nothing else (no I, L, O, U)')
  // 625 expected per symbol, standard deviation ~25: 450..800 is about seven deviations each way,
  // so this fails by chance essentially never, but catches a biased or truncated draw.
  for (const [symbol, n] of counts) if (n < 450 || n > 800) t.fail(`${symbol} occurs ${n} times`)
  // Each of the 10 positions is also uniform: a stuck position would show as one symbol.
  const codes = Array.from({ length: 20 }, () => generateBackupCodes({ count: 50 }).codes).flat()
  for (const position of [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]) {
    t.ok(new Set(codes.map((code) => code[position])).size >= 28, `position ${position} varies`)
  }
})
