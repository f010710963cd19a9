// Small pieces with one job each.
import t from 'tap'
import { toMilliseconds } from '../lib/duration.js'
import { challengeHeader } from '../lib/http/challenge.js'
import { maskEmail } from '../lib/index.js'
import { codeMatches, deriveKeys, generateCode, hashCode, randomChallenge, randomId } from '../lib/core/secrets.js'
import { isStepUpError, FST_STEP_UP_CODE_INVALID, FST_STEP_UP_OPTION_SECRET } from '../lib/errors.js'

t.test('maskEmail keeps the first character and the domain', async (t) => {
  t.equal(maskEmail('alice@example.com'), 'a***@example.com')
  t.equal(maskEmail('a@example.com'), 'a***@example.com')
  t.equal(maskEmail('odd"name@x@example.com'), 'o***@example.com', 'the last @ starts the domain')
  t.equal(maskEmail('no-at-sign'), 'n***')
  t.equal(maskEmail(''), '***')
})

t.test('maskPhone keeps the last two digits and a leading +', async (t) => {
  const { maskPhone } = await import('../lib/index.js')
  const { normalizePhone } = await import('../lib/mask.js')
  t.equal(maskPhone('+1 (555) 010-0123'), '+*********23')
  t.equal(maskPhone('020 7946 0958'), '*********58')
  t.equal(maskPhone('7'), '7')
  t.equal(normalizePhone(' +44 20-7946.0958 '), '+442079460958')
  t.equal(normalizePhone('(020) 7946 0958'), '02079460958')
})

t.test('canonical JSON: keys sorted at every depth, undefined members left out, arrays kept in order', async (t) => {
  const { canonicalJson, actionHash } = await import('../lib/index.js')
  t.equal(canonicalJson({ b: 1, a: { d: [3, undefined, { z: 1, y: 2 }], c: 'x' }, e: undefined }), '{"a":{"c":"x","d":[3,null,{"y":2,"z":1}]},"b":1}')
  t.equal(canonicalJson(undefined), 'null')
  t.equal(canonicalJson('s'), '"s"')
  t.equal(actionHash({ amount: '10', payee: 'bob' }), actionHash({ payee: 'bob', amount: '10' }), 'order does not matter')
  t.not(actionHash({ amount: '10', payee: 'bob' }), actionHash({ amount: '100', payee: 'bob' }), 'data does')
  t.match(actionHash({}), /^[A-Za-z0-9_-]{43}$/)
})

t.test('durations', async (t) => {
  t.equal(toMilliseconds('x', 1500), 1500)
  t.equal(toMilliseconds('x', '30s'), 30_000)
  t.equal(toMilliseconds('x', ' 5m '), 300_000)
  t.equal(toMilliseconds('x', '1h'), 3_600_000)
  t.equal(toMilliseconds('x', 1.6), 2)
  for (const bad of ['', 'soon', '-5m', 0, -1, NaN, Infinity, null, undefined, {}, '5'.repeat(40)]) {
    t.throws(() => toMilliseconds('x', bad as never), { code: 'FST_STEP_UP_OPTION_DURATION' }, String(bad))
  }
})

t.test('the RFC 9470 header keeps its description inside the quotes', async (t) => {
  t.equal(challengeHeader('plain words', 300), 'Bearer error="insufficient_user_authentication", error_description="plain words", max_age="300"')
  t.equal(challengeHeader('a "quoted"\\ line\r\nnext', 60), 'Bearer error="insufficient_user_authentication", error_description="a quoted linenext", max_age="60"')
})

t.test('codes are digits of the asked length, from the whole range', async (t) => {
  const codes = Array.from({ length: 2000 }, () => generateCode(6))
  t.ok(codes.every((code) => /^\d{6}$/.test(code)), 'always six digits')
  t.equal(new Set(codes.map((code) => code[0])).size, 10, 'leading zeros and every first digit occur')
  t.match(generateCode(10), /^\d{10}$/)
  t.match(randomId(), /^[A-Za-z0-9_-]{22}$/)
  t.not(randomId(), randomId())
})

t.test('ids and challenges cut from the random pool are never handed out twice, across refills', async (t) => {
  // Mixed sizes, so the pool runs out at an offset that is not a multiple of either.
  const drawn = Array.from({ length: 3000 }, (_, i) => i % 3 === 0 ? randomChallenge() : randomId())
  t.ok(drawn.every((value, i) => (i % 3 === 0 ? /^[A-Za-z0-9_-]{43}$/ : /^[A-Za-z0-9_-]{22}$/).test(value)), '43 and 22 characters')
  t.equal(new Set(drawn).size, drawn.length, 'all distinct')
  const bytes = Buffer.concat(drawn.map((value) => Buffer.from(value, 'base64url')))
  const ones = [...bytes].reduce((sum, byte) => sum + byte.toString(2).replaceAll('0', '').length, 0)
  // 512,000 random bits: the share of ones is 0.5 within 0.005 (over 7 standard deviations).
  t.ok(Math.abs(ones / (bytes.length * 8) - 0.5) < 0.005, `about half the bits are set: ${ones} of ${bytes.length * 8}`)
})

t.test('a code is stored as an HMAC bound to its challenge', async (t) => {
  const keys = deriveKeys(Buffer.alloc(32, 7))
  const stored = hashCode(keys.code, 'c1', '123456')
  t.notMatch(stored, '123456')
  t.ok(codeMatches(keys.code, 'c1', '123456', stored))
  t.notOk(codeMatches(keys.code, 'c1', '123457', stored))
  t.notOk(codeMatches(keys.code, 'c2', '123456', stored), 'the same code for another challenge does not match')
  t.notOk(codeMatches(keys.code, 'c1', '123456', stored.slice(0, 10)), 'a damaged stored value never matches')
  t.notOk(codeMatches(deriveKeys(Buffer.alloc(32, 8)).code, 'c1', '123456', stored), 'another secret does not match')
  t.not(Buffer.from(keys.token).toString('hex'), keys.code.toString('hex'), 'each purpose has its own key')
})

t.test('isStepUpError tells request errors from everything else', async (t) => {
  t.ok(isStepUpError(new FST_STEP_UP_CODE_INVALID()))
  t.notOk(isStepUpError(new FST_STEP_UP_OPTION_SECRET()), 'configuration errors carry no status')
  t.notOk(isStepUpError(Object.assign(new Error('x'), { code: 'FST_ERR_VALIDATION', statusCode: 400 })))
  t.notOk(isStepUpError({ code: 'FST_STEP_UP_CODE_INVALID', statusCode: 400 }), 'only Error instances')
  t.notOk(isStepUpError(null))
})

t.test('failClosed turns a store that throws, at once or later, into a rejected 503 with the cause', async (t) => {
  const { failClosed } = await import('../lib/core/fail-closed.js')
  const { MemoryStore, StoreFullError } = await import('../lib/index.js')
  const broken = new Error('connection lost')
  const store = new MemoryStore()
  const full: string[] = []
  const onFull = (operation: string) => { full.push(operation) }
  const syncThrow = failClosed(Object.assign(Object.create(store), { markOnce: () => { throw broken } }), onFull)
  const asyncThrow = failClosed(Object.assign(Object.create(store), { markOnce: async () => { throw broken } }), onFull)
  for (const [name, wrapped] of [['throws', syncThrow], ['rejects', asyncThrow]] as const) {
    let pending: Promise<unknown> | undefined
    t.doesNotThrow(() => { pending = wrapped.markOnce('k', 1000) }, `${name}: never a synchronous throw`)
    await t.rejects(pending!, { code: 'FST_STEP_UP_STORE_UNAVAILABLE', statusCode: 503, cause: broken }, name)
  }
  t.same(full, [], 'an outage is not reported as a full store')
  const fullStore = failClosed(Object.assign(Object.create(store), { logAdd: async () => { throw new StoreFullError('Test store') } }), onFull)
  await t.rejects(fullStore.logAdd('k', 'e', 1, 1000), { code: 'FST_STEP_UP_STORE_UNAVAILABLE', statusCode: 503 })
  t.same(full, ['logAdd'], 'a full store is refused the same way, and reported with the operation')
  t.equal(await failClosed(store, onFull).markOnce('k', 1000), true, 'a working store answers as it is')
  t.equal(await failClosed(store, onFull).markOnce('k', 1000), false)
})
