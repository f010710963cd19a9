// RedisStore beyond the shared contract (test/store-conformance.test.ts): its options, its key
// layout, expiry on the app's clock, the client it leaves alone, Redis errors, Redis Cluster.
import { once } from 'node:events'
import { Clock } from '@tapjs/clock'
import { Cluster, Redis } from 'ioredis'
import t from 'tap'
import Fastify from 'fastify'
import stepUp, { RedisStore, type ChallengeRecord } from '../lib/index.js'
import { SECRET } from './helpers/app.js'
import { connect, redisSkipReason, sharedRedisUrl, startRedisServer, uniquePrefix } from './helpers/redis.js'

const record: ChallengeRecord = {
  userId: 'alice',
  sessionId: 's1',
  method: 'email',
  destination: 'alice@example.com',
  codeHash: 'h',
  attempts: 0,
  expiresAt: 0,
  consumed: false
}

t.test('options are checked when the store is made', async (t) => {
  // Never connected: lazyConnect and no command.
  const client = new Redis({ lazyConnect: true })
  const invalid = { code: 'FST_STEP_UP_OPTION_INVALID' }
  t.throws(() => new RedisStore(undefined as never), invalid)
  t.throws(() => new RedisStore({ client: {} as never }), { ...invalid, message: /client/ })
  t.throws(() => new RedisStore({ client: { evalsha () {} } as never }), { ...invalid, message: /client/ })
  t.throws(() => new RedisStore({ client, prefix: 'app:{step-up}:' }), { ...invalid, message: /prefix/ })
  t.throws(() => new RedisStore({ client, prefix: 'a'.repeat(201) }), { ...invalid, message: /prefix/ })
  t.throws(() => new RedisStore({ client, prefix: 7 as never }), { ...invalid, message: /prefix/ })
  t.throws(() => new RedisStore({ client, timeout: 0 }), { code: 'FST_STEP_UP_OPTION_DURATION', message: /timeout/ })
  t.throws(() => new RedisStore({ client, timeout: 'soon' }), { code: 'FST_STEP_UP_OPTION_DURATION' })
  t.ok(new RedisStore({ client, prefix: '', timeout: '250ms' }), 'an empty prefix and a duration string are fine')
  t.equal(client.status, 'wait', 'making a store does not connect the client')
})

t.test('waitForReplicas is checked when the store is made', async (t) => {
  const client = new Redis({ lazyConnect: true })
  const invalid = { code: 'FST_STEP_UP_OPTION_INVALID' }
  for (const value of [true, null, 1, 'one']) {
    t.throws(() => new RedisStore({ client, waitForReplicas: value as never }), { ...invalid, message: /waitForReplicas/ }, JSON.stringify(value))
  }
  t.throws(() => new RedisStore({ client, waitForReplicas: { replicas: 1, timeout: 50, replica: 2 } as never }),
    { ...invalid, message: /RedisStore\.waitForReplicas\.replica option is unknown; did you mean "RedisStore\.waitForReplicas\.replicas"/ })
  for (const replicas of [0, -1, 1.5, '1', Number.NaN, undefined]) {
    t.throws(() => new RedisStore({ client, waitForReplicas: { replicas, timeout: 50 } as never }), { ...invalid, message: /waitForReplicas\.replicas/ }, String(replicas))
  }
  t.throws(() => new RedisStore({ client, waitForReplicas: { replicas: 1 } as never }), { code: 'FST_STEP_UP_OPTION_DURATION', message: /waitForReplicas\.timeout/ })
  t.throws(() => new RedisStore({ client, waitForReplicas: { replicas: 1, timeout: 0 } }), { code: 'FST_STEP_UP_OPTION_DURATION', message: /waitForReplicas\.timeout/ })
  t.throws(() => new RedisStore({ client, waitForReplicas: { replicas: 1, timeout: '1s' } }),
    { ...invalid, message: /waitForReplicas\.timeout.*shorter than timeout \(1000 ms\)/ }, 'WAIT must give up before the operation does')
  t.throws(() => new RedisStore({ client, timeout: 200, waitForReplicas: { replicas: 1, timeout: 300 } }), { ...invalid, message: /200 ms/ })
  const fn = async () => 1
  t.throws(() => new RedisStore({ client: { evalsha: fn, eval: fn }, waitForReplicas: { replicas: 1, timeout: 50 } }),
    { ...invalid, message: /client.*pipeline/ }, 'WAIT needs a pipeline')
  t.ok(new RedisStore({ client, waitForReplicas: { replicas: 2, timeout: '50ms' } }))
  t.ok(new RedisStore({ client: { evalsha: fn, eval: fn } }), 'without waitForReplicas, no pipeline is needed')
})

t.test('every script names one key, KEYS[1]: one hash slot on a Cluster', async (t) => {
  const scripts = await import('../lib/stores/redis-scripts.js')
  for (const [name, script] of Object.entries(scripts)) {
    t.same([...new Set([...script.source.matchAll(/KEYS\[(\w+)\]/g)].map((match) => match[1]))], ['1'], name)
  }
})

t.test('with Redis', { skip: redisSkipReason() }, async (t) => {
  const url = await sharedRedisUrl(t)
  const client = await connect(t, url)

  t.test('key layout: the prefix, a namespace, and the whole key in a Cluster hash tag', async (t) => {
    const prefix = uniquePrefix()
    const store = new RedisStore({ client, prefix })
    await store.createChallenge('Ab-9_x', record, 60_000)
    await store.markOnce('lock:alice', 60_000)
    await store.logAdd('sends:alice', 'e1', 10, 60_000)
    t.same((await client.keys(`${prefix}*`)).sort(), [
      `${prefix}challenge:{Ab-9_x}`,
      `${prefix}log:{sends:alice}`,
      `${prefix}state:{lock:alice}`
    ])
    t.equal(await client.type(`${prefix}log:{sends:alice}`), 'zset', 'a log is a sorted set: member the entry, score its expiry')
    t.same(await client.zrange(`${prefix}log:{sends:alice}`, '0', '-1'), ['e1'])
    const { expires, ...fields } = await client.hgetall(`${prefix}challenge:{Ab-9_x}`)
    t.same(fields, { record: JSON.stringify(record), attempts: '0', consumed: '0' })
    t.match(expires, /^\d+$/)
    t.equal(await client.type(`${prefix}state:{lock:alice}`), 'hash')
  })

  t.test('the default prefix is "step-up:"', async (t) => {
    const store = new RedisStore({ client })
    const id = uniquePrefix()
    t.teardown(() => store.deleteChallenge(id))
    await store.createChallenge(id, record, 60_000)
    t.equal(await client.exists(`step-up:challenge:{${id}}`), 1)
  })

  t.test('expiry follows the given clock; Redis drops the key a minute after it', async (t) => {
    const clock = new Clock()
    clock.travel(Date.UTC(2030, 0, 1))
    const prefix = uniquePrefix()
    const store = new RedisStore({ client, prefix, clock })
    await store.markOnce('lock:alice', 900_000)
    const pttl = await client.pttl(`${prefix}state:{lock:alice}`)
    t.ok(pttl > 900_000 && pttl <= 960_000, `Redis TTL ${pttl} is the lock plus the cleanup margin`)
    t.equal(await client.hget(`${prefix}state:{lock:alice}`, 'expires'), String(Date.UTC(2030, 0, 1) + 900_000), 'expiry in epoch ms, every digit')
    clock.advance(900_000)
    t.equal(await store.ttl('lock:alice'), 0, 'gone for the store at once')
    t.equal(await client.exists(`${prefix}state:{lock:alice}`), 1, 'while Redis still holds it')
    t.equal(await store.markOnce('lock:alice', 1000), true)
  })

  t.test('with the default clock, the real time', async (t) => {
    const store = new RedisStore({ client, prefix: uniquePrefix() })
    await store.markOnce('m', 60_000)
    const left = await store.ttl('m')
    t.ok(left > 0 && left <= 60_000, `${left} ms left`)
  })

  t.test("keys under the client's own keyPrefix", async (t) => {
    const prefixed = await connect(t, url, { keyPrefix: 'app:' })
    const prefix = uniquePrefix()
    const store = new RedisStore({ client: prefixed, prefix })
    await store.markOnce('k', 60_000)
    t.equal(await client.exists(`app:${prefix}state:{k}`), 1)
  })

  t.test('a Redis error rejects the operation with that error', async (t) => {
    const prefix = uniquePrefix()
    const store = new RedisStore({ client, prefix })
    await client.set(`${prefix}state:{k}`, 'not a hash', 'PX', 60_000)
    await t.rejects(store.markOnce('k', 1000), /WRONGTYPE/)
  })

  t.test('the store never closes the client: the app closes, the client stays open', async (t) => {
    const own = await connect(t, url)
    const app = Fastify()
    await app.register(stepUp, {
      secret: SECRET,
      getUser: () => null,
      email: { from: 'security@example.com', transport: 'smtp://127.0.0.1:1' },
      store: new RedisStore({ client: own, prefix: uniquePrefix() })
    })
    await app.ready()
    await app.close()
    t.equal(own.status, 'ready')
    t.equal(await own.ping(), 'PONG')
  })
})

// A one-node Redis Cluster (all 16384 slots on one server) through ioredis's Cluster client. Even
// with one node, Redis refuses a command whose keys span slots (CROSSSLOT): none of ours does.
// Three masters with replicas, and their fail-over: test/redis-cluster.test.ts, test/redis-failover.test.ts.
t.test('Redis Cluster', { skip: redisSkipReason(true) }, async (t) => {
  const server = await startRedisServer(t, ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1'])
  const admin = await connect(t, server.url)
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  const cluster = new Cluster([{ host: '127.0.0.1', port: server.port }])
  cluster.on('error', () => {})
  t.teardown(() => cluster.disconnect())
  // The client retries until the node reports the cluster ok (Redis waits about 2 s after start).
  await once(cluster, 'ready')
  await t.rejects(cluster.eval('return 1', 2, 'a', 'b'), /CROSSSLOT/, 'a real cluster: keys in two slots are refused')
  const store = new RedisStore({ client: cluster, prefix: uniquePrefix() })
  await store.createChallenge('c1', record, 60_000)
  t.same(await store.countAttempt('c1'), { ...record, attempts: 1 })
  t.equal(await store.consumeChallenge('c1'), true)
  t.same(await store.logAdd('failures:alice', 'g1', 10, 60_000), { count: 1, retryMs: 0 })
  await store.logRemove('failures:alice', 'g1')
  t.equal(await store.markOnce('lock:alice', 60_000), true)
  t.ok(await store.ttl('lock:alice') > 0)
  await store.delete('lock:alice')
  await store.deleteChallenge('c1')
  t.equal(await store.getChallenge('c1'), undefined)
})
