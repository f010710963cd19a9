// RedisStore on a real Redis Cluster: three masters with one replica each, started for this file
// (test/helpers/redis-cluster.ts). The store conformance suite with keys on every master, the slot of
// every key, waitForReplicas, and a replica promoted under a client that still routes to the old
// master (the NOSCRIPT that ioredis wraps). The race and two-instance suites run on a Cluster in
// test/races.test.ts and test/redis-instances.test.ts; a master killed under load, in
// test/redis-failover.test.ts.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { RedisStore } from '../lib/index.js'
import { compositeConformance, storeConformance } from '../lib/stores/conformance.js'
import { MARK_ONCE } from '../lib/stores/redis-scripts.js'
import { clusterSkipReason, keySlot, startRedisCluster, waitUntil, type RedisCluster } from './helpers/redis-cluster.js'
import { uniquePrefix } from './helpers/redis.js'

/** The replica that follows the master serving `key`'s slot. */
async function replicaOf (cluster: RedisCluster, key: string) {
  const master = await cluster.ownerOf(keySlot(key))
  const replica = (await cluster.topology()).find((node) => node.masterId === master.id)
  if (!replica) throw new Error(`master ${master.port} has no replica`)
  return { master, replica }
}

t.test('RedisStore on a Redis Cluster of three masters and three replicas', { skip: clusterSkipReason() }, async (t) => {
  const cluster = await startRedisCluster(t)
  const client = await cluster.connect(t)

  t.test('the store conformance suite passes, with keys on every master', async (t) => {
    const root = 'step-up-test:conformance:'
    await storeConformance({
      name: 'RedisStore on a Cluster',
      createStore: (clock) => new RedisStore({ client, prefix: `${root}${randomUUID()}:`, clock }),
      test: (name, fn) => t.test(name, fn)
    })
    const keys = await cluster.keysPerMaster(`${root}*`)
    t.equal(keys.size, 3, 'three masters')
    for (const [port, count] of keys) t.ok(count > 0, `the master on ${port} holds ${count} of the suite's keys`)
  })

  t.test('the composite operations conform: each script on one slot, the keys of a user on one master', async (t) => {
    await compositeConformance({
      name: 'RedisStore on a Cluster',
      createStore: (clock) => new RedisStore({ client, prefix: `step-up-test:composite:${randomUUID()}:`, clock }),
      test: (name, fn) => t.test(name, fn)
    })
  })

  t.test("each key's slot is its hash tag's: the operation's key, never the prefix", async (t) => {
    const node = await cluster.node(cluster.startupNodes[0]!.port)
    for (const key of ['lock:alice', 'failures:alice', 'jti:Xy-9', '{lock:alice}', 'a}b{c', 'ключ 🔑']) {
      const slots = new Set<number>()
      for (const namespace of ['state', 'log']) {
        for (const prefix of ['step-up:', 'app:other:', '']) {
          slots.add(Number(await node.call('CLUSTER', 'KEYSLOT', `${prefix}${namespace}:{${key}}`)))
        }
      }
      t.same([...slots], [keySlot(key.includes('}') ? key.slice(0, key.indexOf('}')) : key)], `${key}: one slot, as the test helper computes it`)
    }
  })

  t.test('waitForReplicas: a write returns once a replica has it, and rejects when none acknowledges it in time', async (t) => {
    const prefix = uniquePrefix()
    const clock = { now: () => 1_767_225_600_000 }
    const store = new RedisStore({ client, prefix, clock, waitForReplicas: { replicas: 1, timeout: 200 } })
    const plain = new RedisStore({ client, prefix, clock })
    const { replica } = await replicaOf(cluster, 'm')
    const onReplica = await cluster.node(replica.port)
    await onReplica.call('READONLY')

    t.equal(await store.markOnce('m', 60_000), true)
    t.equal(await onReplica.exists(`${prefix}state:{m}`), 1, 'the replica had the mark when markOnce resolved')
    t.same(await store.logAdd('m', 'e1', 10, 60_000), { count: 1, retryMs: 0 })
    t.same(await onReplica.zrange(`${prefix}log:{m}`, '0', '-1'), ['e1'], 'and the log entry when logAdd resolved')

    // The replica stops (SIGSTOP): it stays connected but acknowledges nothing.
    const paused = cluster.servers.get(replica.port)!
    paused.pause()
    t.teardown(() => paused.resume())
    await t.rejects(store.logAdd('m', 'e2', 10, 60_000), { message: 'RedisStore logAdd: written, but 0 of 1 replicas acknowledged it within 200 ms' })
    await t.rejects(store.advance('m', 5, 60_000), /RedisStore advance: written, but 0 of 1 replicas/)
    await store.createChallenge('m', { userId: 'u', sessionId: 's', method: 'email', destination: 'd', codeHash: 'h', attempts: 0, expiresAt: 0, consumed: false }, 60_000)
    await t.rejects(store.countAttempt('m'), /RedisStore countAttempt: written, but 0 of 1/)
    await t.rejects(store.consumeChallenge('m'), /RedisStore consumeChallenge: written, but 0 of 1/)
    t.equal(await store.markOnce('m', 60_000), false, 'a refused mark wrote nothing and waits for nothing')
    t.equal((await store.getChallenge('m'))?.consumed, true, 'reads wait for nothing')
    t.same(await store.logAdd('m', 'e3', 2, 60_000), { count: 2, retryMs: 60_000 }, 'nor does an add to a full log')
    t.same(await plain.logAdd('m', 'e4', 10, 60_000), { count: 3, retryMs: 0 },
      'without the option the same write goes through; the rejected one stands on the master (the caller was refused, as if Redis were down)')
    paused.resume()
    await cluster.settled()
    t.same(await store.logAdd('m', 'e5', 10, 60_000), { count: 4, retryMs: 0 }, 'once the replica is back, writes go through')

    const two = new RedisStore({ client, prefix, clock, waitForReplicas: { replicas: 2, timeout: 100 } })
    await t.rejects(two.markOnce('n', 60_000), /RedisStore markOnce: written, but 1 of 2 replicas acknowledged it within 100 ms/, 'each master has one replica')
  })

  t.test('waitForReplicas: a composite operation that wrote waits once, after its script; one that wrote nothing waits for nothing', async (t) => {
    const prefix = uniquePrefix()
    const clock = { now: () => 1_767_225_600_000 }
    const store = new RedisStore({ client, prefix, clock, waitForReplicas: { replicas: 1, timeout: 200 } })
    const plain = new RedisStore({ client, prefix, clock })
    const { replica } = await replicaOf(cluster, 'g')
    const onReplica = await cluster.node(replica.port)
    await onReplica.call('READONLY')
    const record = { userId: 'u', sessionId: 's', method: 'email', destination: 'd', codeHash: 'h', attempts: 0, expiresAt: clock.now() + 60_000, consumed: false }
    const send = (cooldown: string, id: string) => ({
      lock: 'lock:{g}',
      cooldown: { key: cooldown, ttlMs: 30_000 },
      log: { key: 'sends:{g}', entry: id, max: 10, ttlMs: 60_000 },
      challenge: { id, record, ttlMs: 120_000 }
    })
    const guess = { lock: 'lock:{g}', failures: { key: 'failures:{g}', entry: 'e1', max: 10, ttlMs: 60_000 } }

    t.same(await store.startSend(send('cooldown:{g}:a', '{g}:c1')), { retryMs: 0 })
    t.equal(await onReplica.exists(`${prefix}challenge~{g}:c1`), 1, 'the replica had the challenge when startSend resolved')

    const paused = cluster.servers.get(replica.port)!
    paused.pause()
    t.teardown(() => paused.resume())
    t.same(await store.startSend(send('cooldown:{g}:a', '{g}:c2')), { refused: 'cooldown', retryMs: 30_000 }, 'a refused send wrote nothing')
    await t.rejects(store.startSend(send('cooldown:{g}:b', '{g}:c3')), { message: 'RedisStore startSend: written, but 0 of 1 replicas acknowledged it within 200 ms' })
    await t.rejects(store.beginGuess({ ...guess, challenge: { id: '{g}:c1', userId: 'u', sessionId: 's', method: 'email', now: clock.now(), maxAttempts: 5, then: 'count' } }),
      /RedisStore beginGuess: written, but 0 of 1/)
    await plain.markOnce('lock:{g}', 60_000)
    t.same(await store.beginGuess(guess), { refused: 'lock', retryMs: 60_000, count: 0 }, 'a refused guess wrote nothing')
    await plain.delete('lock:{g}')
    t.same(await store.endGuess({ giveBack: [{ key: 'failures:{g}', entry: 'e1' }] }), { spent: true, lockedMs: 0 }, 'giving a guess back waits for nothing')
    await t.rejects(store.endGuess({ spend: { challenge: '{g}:c1' } }), /RedisStore endGuess: written, but 0 of 1/)
    t.same(await store.endGuess({ spend: { challenge: '{g}:c1' } }), { spent: false, lockedMs: 0 }, 'a refused spend wrote nothing')
    await t.rejects(store.endGuess({ lock: { key: 'lock:{g}', ttlMs: 60_000 } }), /RedisStore endGuess: written, but 0 of 1/)
    paused.resume()
    await cluster.settled()
  })

  t.test('a composite operation whose keys do not share one group is refused before Redis sees it', async (t) => {
    const store = new RedisStore({ client, prefix: uniquePrefix() })
    const guess = (lock: string, failures: string) => ({ lock, failures: { key: failures, entry: 'e', max: 10, ttlMs: 60_000 } })
    await t.rejects(store.beginGuess(guess('lock:{a}', 'failures:{b}')), { message: 'RedisStore beginGuess: the keys of one operation must share one {group}' })
    await t.rejects(store.beginGuess(guess('lock:a', 'failures:a')), /must share one \{group\}/, 'keys without a group each are their own')
    await t.rejects(store.beginGuess(guess('}a', '}a')), /must share one \{group\}/, 'nor do keys whose hash tag is empty')
    t.same(await store.beginGuess(guess('lock:{a}', 'failures:{a}')), { retryMs: 0, count: 1 })
  })

  t.test('waitForReplicas: a WAIT the server refuses rejects the operation with its error', async (t) => {
    // A user the ACL forbids WAIT: the script runs, the WAIT after it is refused.
    for (const port of cluster.servers.keys()) {
      await (await cluster.node(port)).call('ACL', 'SETUSER', 'no-wait', 'on', '>secret', '~*', '&*', '+@all', '-wait')
    }
    const limited = await cluster.connect(t, { redisOptions: { username: 'no-wait', password: 'secret' } })
    const store = new RedisStore({ client: limited, prefix: uniquePrefix(), waitForReplicas: { replicas: 1, timeout: 100 } })
    await t.rejects(store.markOnce('m', 60_000), /NOPERM/)
    t.ok(await store.ttl('m') > 0, 'the mark was written before WAIT was refused')
  })

  // Last: it promotes a replica, which changes the topology for anything after it.
  t.test('a replica just promoted has no scripts; the NOSCRIPT ioredis wraps in "Too many Cluster redirections" still falls back to EVAL', async (t) => {
    // After a promotion, a client's first command for the slot goes to the old master, which
    // redirects it (MOVED); the new master answers NOSCRIPT. ioredis counts both against
    // maxRedirections and, once they are used up, reports "Too many Cluster redirections. Last error:
    // ReplyError: NOSCRIPT ...". During a real fail-over a command retrying all through the gap uses
    // its 16 (test/redis-failover.test.ts); maxRedirections 1 gets there with the one MOVED.
    const prefix = uniquePrefix()
    const key = `${prefix}state:{promoted}`
    const [forStore, forRaw] = await Promise.all([cluster.connect(t, { maxRedirections: 1 }), cluster.connect(t, { maxRedirections: 1 })])
    const store = new RedisStore({ client: forStore, prefix })
    t.equal(await store.markOnce('promoted', 60_000), true, 'the script ran, and is cached, on the master')
    await forRaw.ping()
    const { replica } = await replicaOf(cluster, 'promoted')
    const onReplica = await cluster.node(replica.port)
    t.same(await onReplica.call('SCRIPT', 'EXISTS', MARK_ONCE.sha), [0], 'the replica has not seen it')

    await onReplica.call('CLUSTER', 'FAILOVER')
    await waitUntil('the replica to take over', async () => (await cluster.ownerOf(keySlot('promoted'))).port === replica.port)
    await cluster.settled()
    await t.rejects(forRaw.evalsha(MARK_ONCE.sha, 1, key, String(Date.now()), '1', '1'),
      /^Too many Cluster redirections\. Last error: ReplyError: NOSCRIPT/, 'a client that still routes to the old master gets the NOSCRIPT wrapped')
    t.equal(await store.markOnce('promoted', 60_000), false, 'the store, routed the same way, ran the script: the mark came over with the promotion')
    t.same(await onReplica.call('SCRIPT', 'EXISTS', MARK_ONCE.sha), [1], 'with EVAL, which cached it on the new master')
  })
})
