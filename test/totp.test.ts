// Authenticator apps: the RFC vectors, the drift window, enrollment, the URI and the QR code.
import t from 'tap'
import { generate } from 'otplib'
import { confirmTotpEnrollment, generateTotpSecret, totpQrCode, totpUri } from '../lib/methods/totp/enroll.js'
import { DEFAULT_TOTP, hotp, matchTotp, type TotpAlgorithm } from '../lib/methods/totp/otp.js'

/** RFC 4648 base32 without padding, written here so the vectors do not depend on otplib's encoder. */
function base32 (ascii: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bits = [...Buffer.from(ascii)].map((byte) => byte.toString(2).padStart(8, '0')).join('')
  return (bits.match(/.{1,5}/g) ?? []).map((group) => alphabet[parseInt(group.padEnd(5, '0'), 2)]).join('')
}

// The keys of RFC 4226 appendix D and RFC 6238 appendix B (one per hash, as long as its output).
const SHA1_KEY = base32('12345678901234567890')
const SHA256_KEY = base32('12345678901234567890123456789012')
const SHA512_KEY = base32('1234567890'.repeat(7).slice(0, 64))

/** The code of `step`, computed by otplib's TOTP (not HOTP) so matchTotp is checked against another path. */
async function codeAt (secret: string, step: number, algorithm: TotpAlgorithm = 'SHA1', digits: 6 | 8 = 6, period = 30): Promise<string> {
  return await generate({ secret, epoch: step * period, period, digits, algorithm: algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'sha512' })
}

t.test('the test encoder gives the well-known base32 of the RFC key', async (t) => {
  t.equal(SHA1_KEY, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
  t.equal(Buffer.from('1234567890'.repeat(7).slice(0, 64)).length, 64)
})

t.test('every RFC 4226 HOTP vector', async (t) => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
  for (const [counter, code] of expected.entries()) {
    t.equal(await hotp(SHA1_KEY, counter), code, `counter ${counter}`)
  }
  // Appendix D's decimal values, taken to 8 digits.
  const decimals = [1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583, 673399871, 645520489]
  for (const [counter, value] of decimals.entries()) {
    t.equal(await hotp(SHA1_KEY, counter, 8), String(value % 1e8).padStart(8, '0'), `counter ${counter}, 8 digits`)
  }
})

t.test('every RFC 6238 TOTP vector matches at exactly its time step', async (t) => {
  const table: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826']
  ]
  for (const [seconds, sha1, sha256, sha512] of table) {
    const step = Math.floor(seconds / 30)
    t.equal(await matchTotp(SHA1_KEY, sha1, seconds * 1000, { algorithm: 'SHA1', digits: 8 }), step, `SHA1 T=${seconds}`)
    t.equal(await matchTotp(SHA256_KEY, sha256, seconds * 1000, { algorithm: 'SHA256', digits: 8 }), step, `SHA256 T=${seconds}`)
    t.equal(await matchTotp(SHA512_KEY, sha512, seconds * 1000, { algorithm: 'SHA512', digits: 8 }), step, `SHA512 T=${seconds}`)
  }
})

t.test('the defaults are what every authenticator app supports', async (t) => {
  t.same(DEFAULT_TOTP, { algorithm: 'SHA1', digits: 6, period: 30 })
  t.ok(Object.isFrozen(DEFAULT_TOTP), 'nobody can weaken them for everyone')
})

t.test('one step of drift either way, never two', async (t) => {
  const step = 56_789_012
  const codes = new Map<number, string>()
  for (let offset = -2; offset <= 2; offset++) codes.set(offset, await codeAt(SHA1_KEY, step + offset))
  t.equal(new Set(codes.values()).size, 5, 'the five codes differ, so each check below is meaningful')
  // The first, a middle and the last millisecond of the step: the window never depends on where now falls.
  for (const nowMs of [step * 30_000, step * 30_000 + 12_345, (step + 1) * 30_000 - 1]) {
    t.equal(await matchTotp(SHA1_KEY, codes.get(0) as string, nowMs), step, `current step at ${nowMs}`)
    t.equal(await matchTotp(SHA1_KEY, codes.get(-1) as string, nowMs), step - 1, `previous step at ${nowMs}`)
    t.equal(await matchTotp(SHA1_KEY, codes.get(1) as string, nowMs), step + 1, `next step at ${nowMs}`)
    t.equal(await matchTotp(SHA1_KEY, codes.get(-2) as string, nowMs), null, `two steps back at ${nowMs}`)
    t.equal(await matchTotp(SHA1_KEY, codes.get(2) as string, nowMs), null, `two steps ahead at ${nowMs}`)
  }
})

t.test('the first step of all time has no previous step to look at', async (t) => {
  t.equal(await matchTotp(SHA1_KEY, await hotp(SHA1_KEY, 0), 0), 0)
  t.equal(await matchTotp(SHA1_KEY, await hotp(SHA1_KEY, 1), 29_999), 1)
  t.equal(await matchTotp(SHA1_KEY, await hotp(SHA1_KEY, 2), 29_999), null)
})

t.test('a wrong code is refused', async (t) => {
  const nowMs = 1_700_000_000_000
  const right = await codeAt(SHA1_KEY, Math.floor(nowMs / 30_000))
  const wrong = right.slice(0, 5) + String((Number(right[5]) + 1) % 10)
  t.equal(await matchTotp(SHA1_KEY, right, nowMs), Math.floor(nowMs / 30_000))
  t.equal(await matchTotp(SHA1_KEY, wrong, nowMs), null)
  t.equal(await matchTotp(SHA256_KEY, right, nowMs), null, 'the right code for another secret')
})

t.test('6 and 8 digits, other hashes and periods', async (t) => {
  const nowMs = 1_700_000_000_000
  const step30 = Math.floor(nowMs / 30_000)
  const six = await codeAt(SHA1_KEY, step30)
  const eight = await codeAt(SHA1_KEY, step30, 'SHA1', 8)
  t.match(six, /^\d{6}$/)
  t.match(eight, /^\d{8}$/)
  t.equal(await matchTotp(SHA1_KEY, six, nowMs, { digits: 6 }), step30)
  t.equal(await matchTotp(SHA1_KEY, eight, nowMs, { digits: 8 }), step30)
  t.equal(await matchTotp(SHA1_KEY, eight, nowMs), null, 'an 8-digit code when 6 are expected')
  t.equal(await matchTotp(SHA1_KEY, six, nowMs, { digits: 8 }), null, 'a 6-digit code when 8 are expected')
  t.equal(eight.slice(2), six, 'HOTP truncation: the 6-digit code is the tail of the 8-digit one')

  const step60 = Math.floor(nowMs / 60_000)
  const sha256 = await codeAt(SHA256_KEY, step60, 'SHA256', 6, 60)
  t.equal(await matchTotp(SHA256_KEY, sha256, nowMs, { algorithm: 'SHA256', period: 60 }), step60, 'the step counts periods of 60 s')
  t.equal(await matchTotp(SHA256_KEY, sha256, nowMs, { algorithm: 'SHA1', period: 60 }), null, 'another hash gives another code')
})

t.test('a malformed code is a wrong code, not an error', async (t) => {
  const nowMs = 1_700_000_000_000
  const right = await codeAt(SHA1_KEY, Math.floor(nowMs / 30_000))
  const malformed = [
    '', '12345', '1234567', '12345a', `${right} `, ` ${right}`, `${right}\n`, `${right.slice(0, 3)} ${right.slice(3)}`,
    '+12345', '1234.5', '１２３４５６', '٠١٢٣٤٥', 'x'.repeat(10_000)
  ]
  for (const code of malformed) t.equal(await matchTotp(SHA1_KEY, code, nowMs), null, JSON.stringify(code.slice(0, 20)))
  for (const code of [123456, null, undefined, ['123456']]) {
    t.equal(await matchTotp(SHA1_KEY, code as never, nowMs), null, `not a string: ${String(code)}`)
  }
})

t.test('a broken secret throws an Error that does not quote it', async (t) => {
  const broken = [
    'not base32!', '', `${SHA1_KEY.slice(0, -1)}1`, `${SHA1_KEY.slice(0, -1)}8`, `${SHA1_KEY.slice(0, 16)} ${SHA1_KEY.slice(16)}`,
    base32('123456789012345'), base32('x'.repeat(65))
  ]
  for (const secret of broken) {
    const err = await matchTotp(secret, '123456', 0).then(() => null, (err: unknown) => err)
    t.ok(err instanceof Error, `${JSON.stringify(secret)} throws`)
    t.equal((err as Error).constructor, Error, 'a plain Error')
    if (secret !== '') t.notMatch((err as Error).message, secret)
  }
  await t.rejects(matchTotp(base32('123456789012345'), '123456', 0), /16 to 64 bytes/, '15 bytes: too short')
  await t.rejects(matchTotp(`${SHA1_KEY}!`, 'abc', 0), /not valid base32/, 'the secret is checked before the code')
})

t.test('the secret is forgiven its case and padding', async (t) => {
  t.equal(await matchTotp(SHA1_KEY.toLowerCase(), await hotp(SHA1_KEY, 1), 30_000), 1, 'lower case')
  const key = base32('12345678901234567890123') // 23 bytes: 37 characters, padded to 40
  t.equal(await matchTotp(`${key}===`, await hotp(key, 1), 30_000), 1, 'with padding')
})

t.test('invalid settings and clocks are the caller\'s bug and throw', async (t) => {
  const code = await hotp(SHA1_KEY, 0)
  await t.rejects(matchTotp(SHA1_KEY, code, 0, { algorithm: 'MD5' as never }), TypeError)
  await t.rejects(matchTotp(SHA1_KEY, code, 0, { algorithm: 'sha1' as never }), TypeError, 'names are upper case, as in the URI')
  for (const digits of [5, 7, 9, '6']) await t.rejects(matchTotp(SHA1_KEY, code, 0, { digits: digits as never }), RangeError, `digits ${String(digits)}`)
  for (const period of [0, -30, 1.5, 3601, NaN]) await t.rejects(matchTotp(SHA1_KEY, code, 0, { period }), RangeError, `period ${period}`)
  for (const nowMs of [-1, NaN, Infinity]) await t.rejects(matchTotp(SHA1_KEY, code, nowMs), RangeError, `now ${nowMs}`)
  t.equal(await matchTotp(SHA1_KEY, code, 0, { algorithm: undefined, digits: undefined, period: undefined }), 0, 'undefined takes the default')
  await t.rejects(matchTotp(SHA1_KEY, code, 0, { algorithm: null as never }), TypeError, 'null does not')
  await t.rejects(matchTotp(SHA1_KEY, code, 0, { period: null as never }), RangeError, 'null does not')
  t.equal(await matchTotp(SHA1_KEY, await codeAt(SHA1_KEY, 1_000, 'SHA1', 6, 1), 1_000_000, { period: 1 }), 1_000, 'a period of 1 s is allowed')
})

t.test('generateTotpSecret', async (t) => {
  const secrets = Array.from({ length: 200 }, () => generateTotpSecret())
  t.ok(secrets.every((secret) => /^[A-Z2-7]{32}$/.test(secret)), '20 bytes: 32 base32 characters, no padding')
  t.equal(new Set(secrets).size, secrets.length, 'no two alike')
  // 160 bits fill exactly 32 characters, so every position is uniform over the 32 symbols:
  // 6400 symbols, 200 expected of each, ~14 standard deviation; 100..300 fails by chance almost never.
  const counts = new Map<string, number>()
  for (const char of secrets.join('')) counts.set(char, (counts.get(char) ?? 0) + 1)
  t.equal(counts.size, 32, 'every symbol occurs')
  t.ok([...counts.values()].every((n) => n > 100 && n < 300), 'symbols are about equally frequent')

  t.match(generateTotpSecret(32), /^[A-Z2-7]{52}$/, '32 bytes for SHA256')
  t.match(generateTotpSecret(16), /^[A-Z2-7]{26}$/)
  t.match(generateTotpSecret(64), /^[A-Z2-7]{103}$/)
  for (const bytes of [0, 15, 65, 20.5, NaN]) t.throws(() => generateTotpSecret(bytes), RangeError, `${bytes} bytes`)

  const secret = generateTotpSecret()
  const nowMs = 1_700_000_000_000
  t.equal(await matchTotp(secret, await codeAt(secret, Math.floor(nowMs / 30_000)), nowMs), Math.floor(nowMs / 30_000), 'usable as is')
})

t.test('totpUri writes every parameter', async (t) => {
  const uri = totpUri({ secret: SHA1_KEY, accountName: 'alice@example.com', issuer: 'ACME Co' })
  t.equal(uri, `otpauth://totp/ACME%20Co:alice%40example.com?secret=${SHA1_KEY}&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30`)

  const custom = new URL(totpUri({ secret: SHA256_KEY, accountName: 'bob', issuer: 'Bank & Co', algorithm: 'SHA256', digits: 8, period: 60 }))
  t.equal(custom.protocol, 'otpauth:')
  t.equal(custom.host, 'totp')
  t.equal(decodeURIComponent(custom.pathname), '/Bank & Co:bob')
  t.same(Object.fromEntries(custom.searchParams), { secret: SHA256_KEY, issuer: 'Bank & Co', algorithm: 'SHA256', digits: '8', period: '60' })

  t.match(totpUri({ secret: SHA1_KEY.toLowerCase(), accountName: 'a', issuer: 'b' }), `secret=${SHA1_KEY}&`, 'the secret is written canonically')
  t.match(totpUri({ secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDG===', accountName: 'a', issuer: 'b' }), /secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDG&/, 'without padding')
  t.match(totpUri({ secret: SHA1_KEY, accountName: 'ü ñ', issuer: 'b' }), 'otpauth://totp/b:%C3%BC%20%C3%B1?', 'UTF-8, spaces as %20 not +')

  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: 'a:b', issuer: 'ACME' }), TypeError, 'a colon in the account')
  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: 'a', issuer: 'AC:ME' }), TypeError, 'a colon in the issuer')
  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: ' ', issuer: 'ACME' }), TypeError, 'an empty account')
  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: 'a', issuer: '' }), TypeError, 'an empty issuer')
  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: 'a', issuer: undefined as never }), TypeError, 'no issuer')
  t.throws(() => totpUri({ secret: 'not base32!', accountName: 'a', issuer: 'b' }), Error, 'a broken secret is never enrolled')
  t.throws(() => totpUri({ secret: SHA1_KEY, accountName: 'a', issuer: 'b', digits: 7 as never }), RangeError)
})

t.test('totpQrCode gives a PNG data URL', async (t) => {
  const url = await totpQrCode(totpUri({ secret: generateTotpSecret(), accountName: 'alice@example.com', issuer: 'ACME' }))
  const prefix = 'data:image/png;base64,'
  t.ok(url.startsWith(prefix))
  const png = Buffer.from(url.slice(prefix.length), 'base64')
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature')
  t.equal(png.subarray(12, 16).toString('latin1'), 'IHDR', 'the first chunk is the header')
  t.equal(png.subarray(png.length - 8, png.length - 4).toString('latin1'), 'IEND', 'and the last one ends the image')
  t.not(await totpQrCode('otpauth://totp/A:b?secret=AAAA'), url, 'another URI, another image')
})

t.test('confirmTotpEnrollment', async (t) => {
  // A fixed secret keeps every refusal below deterministic (a random one collides once in ~10^6 runs).
  const secret = base32('an enrollment secret')
  const now = 1_700_000_000_000
  const code = await codeAt(secret, Math.floor(now / 30_000))
  t.equal(await confirmTotpEnrollment({ secret, code, now }), true)
  t.equal(await confirmTotpEnrollment({ secret, code, now: now + 30_000 }), true, 'one step late is drift')
  t.equal(await confirmTotpEnrollment({ secret, code, now: now + 90_000 }), false, 'three steps late is not')
  t.equal(await confirmTotpEnrollment({ secret, code: code === '000000' ? '111111' : '000000', now }), false)
  t.equal(await confirmTotpEnrollment({ secret, code: 'abc', now }), false, 'a malformed code')
  const eight = await codeAt(secret, Math.floor(now / 30_000), 'SHA512', 8)
  t.equal(await confirmTotpEnrollment({ secret, code: eight, now, algorithm: 'SHA512', digits: 8 }), true, 'settings apply')
  t.equal(await confirmTotpEnrollment({ secret, code: eight, now }), false, 'and are not assumed')
  // Without `now` the system clock is used: a code made from it now is accepted (drift covers a step change).
  t.equal(await confirmTotpEnrollment({ secret, code: await generate({ secret }) }), true, 'the system clock by default')
  await t.rejects(confirmTotpEnrollment({ secret: 'broken!', code, now }), Error)
})
