// examples/basic as a user meets it: start the server, copy the curl walk-through it prints, and run
// it in bash, with the code read from a real SMTP mailbox. The example imports the built package
// (dist/), which `npm test` builds first.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { codeIn, startMailbox } from './helpers/smtp.js'
import { freePort } from './helpers/net.js'
import { baseEnv, root, startExampleServer, stopAtTeardown } from './helpers/spawn.js'

// The walk-through sits between two lines with this mark (both are bash comments too).
const MARK = '---8<---'

/** Starts the example; resolves with the walk-through lines, which it prints once it listens. */
async function startExample (t: Test, script: string, env: Record<string, string>): Promise<{ walkThrough: string[], output: string[] }> {
  let walkThrough: string[] | undefined
  const { ready, output } = await startExampleServer(t, script, {
    env,
    waitingFor: 'printing its walk-through',
    ready: (line) => {
      if (walkThrough === undefined) {
        if (line.includes(MARK)) walkThrough = [line]
        return undefined
      }
      walkThrough.push(line)
      return line.includes(MARK) ? walkThrough : undefined
    }
  })
  return { walkThrough: ready, output }
}

interface Ran {
  command: string
  output: string
  status: number
}

/** One bash process that keeps its variables between commands, like a terminal the user pastes into. */
function startShell (t: Test): (command: string) => Promise<Ran> {
  const bash = spawn('bash', ['--noprofile', '--norc'], { cwd: root, env: baseEnv, stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = stopAtTeardown(t, bash)
  // stderr into stdout, in order: the walk-through shows HTTP statuses on stderr.
  bash.stdin.write('exec 2>&1\n')
  const done = `__done_${randomUUID()}__`
  const ends = new RegExp(`\\n${done} (\\d+)\\n$`)
  let buffer = ''
  let pending: { resolve: (ran: Ran) => void, reject: (err: Error) => void, command: string } | undefined
  bash.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    const end = ends.exec(buffer)
    if (end && pending) {
      pending.resolve({ command: pending.command, output: buffer.slice(0, end.index), status: Number(end[1]) })
      pending = undefined
      buffer = ''
    }
  })
  exited.then(() => pending?.reject(new Error(`bash exited while running: ${pending.command}\n${buffer}`)), () => {})
  return (command) => new Promise<Ran>((resolve, reject) => {
    pending = { resolve, reject, command }
    // The status line follows a newline, since a reply body may not end with one.
    bash.stdin.write(`${command}\nprintf '\\n${done} %s\\n' "$?"\n`)
  })
}

// The Express example prints the same walk-through; both must work exactly as printed.
for (const example of ['basic', 'express']) {
  t.test(`the walk-through printed by examples/${example} works in bash`, (t) => walkThroughWorks(t, `examples/${example}/server.ts`))
}

// The Redis example runs two instances and prints the same walk-through, verifying on the second.
t.test('the walk-through printed by examples/redis works in bash, across its two instances', { skip: redisSkipReason() }, async (t) => {
  const env = { REDIS_URL: await sharedRedisUrl(t), REDIS_PREFIX: uniquePrefix(), PORT_B: String(await freePort()) }
  await walkThroughWorks(t, 'examples/redis/server.ts', env)
})

async function walkThroughWorks (t: Test, script: string, env: Record<string, string> = {}): Promise<void> {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const port = await freePort()
  const { walkThrough, output } = await startExample(t, script, { PORT: String(port), SMTP_URL: mailbox.url, ...env })
  t.ok(output.some((line) => line.includes('STEP_UP_SECRET is not set')), 'warns about the dev secret')
  t.ok(walkThrough.includes(`BASE=http://127.0.0.1:${port}`), 'names the port it listens on')
  if (env.PORT_B) {
    t.ok(walkThrough.includes(`OTHER=http://127.0.0.1:${env.PORT_B}`), 'names the second instance')
    t.ok(walkThrough.some((line) => line.includes('"$OTHER/step-up/email/verify"')), 'and verifies the code there')
  }

  const run = startShell(t)
  const results: Ran[] = []
  let code: string | undefined
  for (const line of walkThrough) {
    if (line.trim() === '' || line.startsWith('#')) continue
    let command = line
    if (line.startsWith('CODE=')) {
      // The one place a human types: the code from the email, which went to the SMTP mailbox.
      const mail = await mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : undefined, 'alice.work@example.org', 'the code goes to the work address')
      code = codeIn(mail)
      command = `CODE=${code}`
    }
    const ran = await run(command)
    t.equal(ran.status, 0, `exits 0: ${line}`)
    results.push(ran)
  }
  t.ok(code, 'the walk-through asks for the code')

  function step (name: string, match: (command: string) => boolean): string {
    const found = results.filter(({ command }) => match(command))
    t.equal(found.length, 1, `one step ${name}`)
    return found[0]?.output ?? ''
  }
  const variable = async (name: string): Promise<string> => (await run(`printf %s "$${name}"`)).output
  const jwt = /^[\w-]+\.[\w-]+\.[\w-]+$/

  t.match(step('logs in', (c) => c.includes('/login') && c.includes('wonderland')), /^HTTP 200$/m)
  t.match(await variable('ACCESS'), jwt, 'login gives an access token')

  t.match(step('tries a wrong password', (c) => c.includes('/login') && !c.includes('wonderland')), /^HTTP\/1\.1 401 /, 'wrong password: 401')

  const denied = step('reads the document without a step-up', (c) => c.includes('/documents/1') && !c.includes('x-step-up-token'))
  t.match(denied, /^HTTP\/1\.1 401 /, 'no step-up token: 401')
  t.match(denied, /^www-authenticate: .*insufficient_user_authentication/im)

  const methods = JSON.parse(step('lists methods', (c) => c.includes('/step-up/methods')))
  t.match(methods, { methods: [{ method: 'email', destinations: [{ masked: 'a***@example.com' }, { masked: 'a***@example.org' }] }] })
  t.same(methods.methods.map((m: { method: string }) => m.method), ['email', 'sms', 'totp', 'backup-code', 'password', 'pin', 'security-questions'],
    'the demo user has every method')

  t.match(step('sends a code', (c) => c.includes('/step-up/email/send')), /^HTTP 202$/m, 'send: 202')
  t.match(await variable('CHALLENGE'), /^[\w-]{22}$/)

  t.match(step('verifies the code', (c) => c.includes('/step-up/email/verify')), /^HTTP 200$/m, 'verify: 200')
  t.match(await variable('STEP_UP'), jwt, 'verify gives a step-up token')

  const allowed = step('reads the document with the step-up token', (c) => c.includes('/documents/1') && c.includes('x-step-up-token'))
  t.match(allowed, /^HTTP\/1\.1 200 /, 'with the step-up token: 200')
  t.match(JSON.parse(allowed.slice(allowed.indexOf('\r\n\r\n'))), { id: '1' })

  // An unknown address gets the same answer as a wrong password: no hint of who has an account.
  const unknown = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'mallory@example.com', password: 'wonderland' })
  })
  t.equal(unknown.status, 401)
  t.equal((await unknown.json() as { message: string }).message, 'Wrong email or password')
}
