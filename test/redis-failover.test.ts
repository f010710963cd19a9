// A Redis Cluster master fails while the app serves users on every master. Until its replica takes
// over, requests that need its slots answer 503 FST_STEP_UP_STORE_UNAVAILABLE: no token is issued
// and no single-use token passes; users on the other masters never notice; after the fail-over the
// same app works again, scripts included (the new master has none cached), and what was spent
// before the failure stays spent. Twice on one Cluster: a master that crashes (SIGKILL: its port
// refuses connections), then one that hangs (SIGSTOP: connections stay open and nothing answers).
import { generate } from 'otplib'
import type { ClusterOptions } from 'ioredis'
import t, { type Test } from 'tap'
import { RedisStore, type StepUpUser } from '../lib/index.js'
import { ALICE, buildApp, type TestApp } from './helpers/app.js'
import { clusterSkipReason, keySlot, startRedisCluster, waitUntil, type ClusterNode, type RedisCluster } from './helpers/redis-cluster.js'
import { uniquePrefix } from './helpers/redis.js'

/** The ioredis Cluster options docs/stores.md recommends. */
const RECOMMENDED: ClusterOptions = {
  retryDelayOnFailover: 0,
  retryDelayOnClusterDown: 0,
  slotsRefreshInterval: 1000
}

const UNAVAILABLE = 'FST_STEP_UP_STORE_UNAVAILABLE'

function serves (master: ClusterNode, slot: number): boolean {
  return master.slots.some(([from, to]) => slot >= from && slot <= to)
}

/**
 * `count` user ids whose per-user state (lock, failure log, authenticator step: all an
 * authenticator-code verification touches) hashes to `master`, so such a request needs that master
 * only. Those keys (`lock:{<user>}`, ...) share the user's group, their hash tag.
 */
function usersOn (master: ClusterNode, count: number): string[] {
  const ids: string[] = []
  for (let n = 0; ids.length < count; n++) {
    const id = `user-${n}`
    if (serves(master, keySlot(encodeURIComponent(id)))) ids.push(id)
  }
  return ids
}

function claimsOf (token: string): { sub: string, jti: string } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
}

/** The slot of a token's single-use mark (`jti:{<token id>}`: the token id is its hash tag). */
function markSlot (token: string): number {
  return keySlot(encodeURIComponent(claimsOf(token).jti))
}

interface Outcome { status: number, code: string | undefined, token: string | undefined }

/** One app, its users and the single-use tokens it has issued. */
interface Tenant {
  name: string
  /**
   * Whether its client may run a command after the store gave up on it (ioredis's defaults retry
   * for longer than the store's timeout): a token refused with 503 can then be spent all the same,
   * without passing, and answer TOKEN_USED later. Never a pass.
   */
  lateRuns: boolean
  testApp: TestApp
  /** Tokens not yet let through, by token. */
  unspent: Set<string>
  /** Tokens that passed the single-use guard once. */
  passed: Set<string>
}

function headers (user: string, token?: string): Record<string, string> {
  return { 'x-user': user, 'x-session': 's1', ...(token ? { 'x-step-up-token': token } : {}) }
}

async function verify ({ testApp }: Tenant, user: string): Promise<Outcome> {
  const code = await generate({ secret: ALICE.totpSecret, epoch: Math.floor(testApp.clock.now() / 1000) })
  const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: headers(user), payload: { code } })
  const body = reply.json()
  return { status: reply.statusCode, code: body.code, token: body.token }
}

async function spend ({ testApp }: Tenant, user: string, token: string): Promise<Outcome> {
  const reply = await testApp.app.inject({ url: '/wire', headers: headers(user, token) })
  return { status: reply.statusCode, code: reply.json().code, token: undefined }
}

async function tenant (t: Test, cluster: RedisCluster, name: string, options: ClusterOptions, lateRuns: boolean): Promise<Tenant> {
  const client = await cluster.connect(t, options)
  const prefix = uniquePrefix()
  const testApp = await buildApp(t, {
    store: (clock) => new RedisStore({ client, prefix, clock }),
    routes: [{ url: '/wire', requirement: { singleUse: true } }],
    plugin: {
      getUser: (request): StepUpUser | null => {
        const id = request.headers['x-user']
        return typeof id === 'string' ? { id, sessionId: 's1', factors: { totp: true } } : null
      },
      totp: { getSecret: () => ALICE.totpSecret },
      // Rounds move the clock 30 s (a new authenticator step); tokens must outlive the test.
      tokenTtl: '12h',
      lockout: { maxFailures: 100 }
    }
  })
  return { name, lateRuns, testApp, unspent: new Set(), passed: new Set() }
}

interface Round {
  verifies: Array<{ user: string, onVictim: boolean, outcome: Outcome }>
  spends: Array<{ token: string, user: string, onVictim: boolean, outcome: Outcome }>
}

/**
 * One round for one app, all requests at once: every user verifies a fresh authenticator code (the
 * clock moves on one step first), and with `spending` every token not yet let through is tried on
 * the single-use route. `onVictim` says whether the request's keys are on the failed master's slots.
 */
async function round (tenant: Tenant, users: Map<string, number>, victim: ClusterNode, spending = true): Promise<Round> {
  tenant.testApp.clock.advance(30_000)
  const [verifies, spends] = await Promise.all([
    Promise.all([...users].map(async ([user, port]) => ({ user, onVictim: port === victim.port, outcome: await verify(tenant, user) }))),
    Promise.all([...spending ? tenant.unspent : []].map(async (token) => {
      const user = claimsOf(token).sub
      return { token, user, onVictim: serves(victim, markSlot(token)), outcome: await spend(tenant, user, token) }
    }))
  ])
  for (const { outcome } of verifies) if (outcome.token) tenant.unspent.add(outcome.token)
  for (const { token, outcome } of spends) {
    if (outcome.status === 200) {
      tenant.unspent.delete(token)
      tenant.passed.add(token)
    }
  }
  return { verifies, spends }
}

function allOk (r: Round): boolean {
  return [...r.verifies, ...r.spends].every(({ outcome }) => outcome.status === 200)
}

t.test('a Cluster master fails under load', { skip: clusterSkipReason() }, async (t) => {
  const cluster = await startRedisCluster(t)
  const masters = (await cluster.topology()).filter((node) => node.role === 'master')
  // Two users on each master: user -> the port of the master their state is on.
  const users = new Map(masters.flatMap((master) => usersOn(master, 2).map((user) => [user, master.port] as const)))

  // R has the client options docs/stores.md recommends; D has ioredis's defaults, which retry
  // commands for a while, so the store's timeout answers for them.
  const r = await tenant(t, cluster, 'recommended options', RECOMMENDED, false)
  const d = await tenant(t, cluster, 'ioredis defaults', {}, true)
  const tenants = [r, d]

  /**
   * Fails `victim` with `fail`, runs rounds until every request of `tenants` succeeds again, and
   * checks each round: a request on the victim's slots succeeds or answers 503, never anything
   * else; a request elsewhere always succeeds.
   */
  async function failOver (t: Test, victim: ClusterNode, fail: () => Promise<void> | void, tenants: Tenant[]) {
    const replica = (await cluster.topology()).find((node) => node.masterId === victim.id)!
    // Before the failure: unspent tokens until at least three have their single-use mark on each
    // master's slots, and one token marked on the victim's slots spent.
    const spentBefore = new Map<Tenant, string>()
    for (const tenant of tenants) {
      await waitUntil('tokens marked on every master', async () => {
        const before = await round(tenant, users, victim, false)
        if (!allOk(before)) t.fail(`${tenant.name}: before the failure, every request succeeds`, { diag: JSON.stringify(before) } as never)
        return masters.every((m) => [...tenant.unspent].filter((token) => serves(m, markSlot(token))).length >= 3)
      }, 20_000, 0)
      const spent = [...tenant.unspent].find((token) => serves(victim, markSlot(token)))!
      t.equal((await spend(tenant, claimsOf(spent).sub, spent)).status, 200, `${tenant.name}: a token marked on the victim's slots passes before the failure`)
      tenant.unspent.delete(spent)
      spentBefore.set(tenant, spent)
    }
    await cluster.caughtUp()
    await fail()
    const refused = new Map<Tenant, number>(tenants.map((tenant) => [tenant, 0]))
    const recovered = new Set<Tenant>()
    let rounds = 0
    await waitUntil('every request to succeed again', async () => {
      rounds++
      const results = await Promise.all(tenants.map((tenant) => recovered.has(tenant) ? undefined : round(tenant, users, victim)))
      for (const [i, tenant] of tenants.entries()) {
        const result = results[i]
        if (!result) continue
        const unexpected: string[] = []
        for (const { user, onVictim, outcome } of result.verifies) {
          if (outcome.status === 200) continue
          if (!onVictim) unexpected.push(`${user}, on a live master: ${outcome.status} ${outcome.code}`)
          else if (outcome.status !== 503 || outcome.code !== UNAVAILABLE || outcome.token) unexpected.push(`${user}: ${JSON.stringify(outcome)}`)
          else refused.set(tenant, refused.get(tenant)! + 1)
        }
        for (const { token, onVictim, outcome } of result.spends) {
          if (outcome.status === 200) continue
          if (!onVictim) {
            unexpected.push(`a token marked on a live master: ${outcome.status} ${outcome.code}`)
          } else if (tenant.lateRuns && outcome.code === 'FST_STEP_UP_TOKEN_USED' && !tenant.passed.has(token)) {
            tenant.unspent.delete(token)
          } else if (outcome.status !== 503 || outcome.code !== UNAVAILABLE) {
            unexpected.push(`a token marked on the failed master: ${outcome.status} ${outcome.code}`)
          } else {
            refused.set(tenant, refused.get(tenant)! + 1)
          }
        }
        t.same(unexpected, [], `${tenant.name}, round ${rounds}: each request on the failed master succeeds or answers 503 (no token, no pass); every other succeeds`)
        if (allOk(result)) recovered.add(tenant)
      }
      return recovered.size === tenants.length
    }, 30_000, 50)
    for (const tenant of tenants) t.ok(refused.get(tenant)! > 0, `${tenant.name}: requests on the failed master were refused (${refused.get(tenant)})`)
    // Every node learns of the promotion by gossip: ask until the one asked has.
    const now = await waitUntil('the nodes to agree on the new master', async () => {
      const owner = await cluster.ownerOf(victim.slots[0]![0])
      return owner.port === replica.port && owner
    }, 5000)
    t.equal(now.port, replica.port, 'its replica serves its slots now')

    // After the fail-over: the same apps, no restart.
    for (const tenant of tenants) {
      const again = await round(tenant, users, victim)
      t.ok(allOk(again), `${tenant.name}: every request succeeds once more`)
      const user = [...users.keys()].find((u) => users.get(u) === victim.port)
      const code = await generate({ secret: ALICE.totpSecret, epoch: Math.floor(tenant.testApp.clock.now() / 1000) })
      const replay = await tenant.testApp.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: headers(user!), payload: { code } })
      t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED', `${tenant.name}: on the new master, an authenticator code is still accepted once`)
      const reused = await Promise.all([...tenant.passed].map((token) => spend(tenant, claimsOf(token).sub, token)))
      t.same([...new Set(reused.map((o) => o.code))], ['FST_STEP_UP_TOKEN_USED'], `${tenant.name}: each of the ${reused.length} tokens that passed is refused on its second use`)
      const before = spentBefore.get(tenant)!
      const stale = await spend(tenant, claimsOf(before).sub, before)
      t.equal(stale.code, 'FST_STEP_UP_TOKEN_USED', `${tenant.name}: the token spent before any failure stays spent`)
    }
  }

  t.test('a master crashes: the replica takes over, both apps recover', async (t) => {
    const victim = masters[0]!
    await failOver(t, victim, () => cluster.servers.get(victim.port)!.kill(), tenants)
  })

  t.test('a master hangs: with slotsRefreshInterval the app learns of the new master', async (t) => {
    // Another master that still has its replica (the one promoted above has none).
    const victim = masters[1]!
    const hung = cluster.servers.get(victim.port)!
    await failOver(t, victim, () => hung.pause(), [r])
    // D's client (ioredis defaults: no periodic refresh) still sends the victim's slots to the hung
    // master: nothing answers, so no MOVED ever tells it of the new one.
    const user = [...users.keys()].find((u) => users.get(u) === victim.port)!
    const stuck = await verify(d, user)
    t.same([stuck.status, stuck.code], [503, UNAVAILABLE], 'ioredis defaults: the hung master is still asked, the store times out')
  })
})
