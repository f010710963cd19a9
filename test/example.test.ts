// The examples as a user meets them: start the server, copy the curl walk-through it prints, and run
// it in bash, every method of it, with the emailed code read from a real SMTP mailbox and the SMS
// code from the console. Then what goes wrong at start: a busy port. The examples import the built
// package (dist/), which `npm test` builds first.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer, type AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { codeIn, startMailbox } from './helpers/smtp.js'
import { freePort } from './helpers/net.js'
import { baseEnv, root, runExampleToExit, startExampleServer, stopAtTeardown } from './helpers/spawn.js'

// Each example starts as a child process (tsx compiles it first), eight times in all.
t.setTimeout(180_000)

// The walk-through sits between two lines with this mark (both are bash comments too).
const MARK = '---8<---'

/**
 * Starts the example; resolves with the walk-through lines and the line that says it listens, which
 * it prints last.
 */
async function startExample (t: Test, script: string, env: Record<string, string>): Promise<{ walkThrough: string[], listening: string, output: string[] }> {
  let walkThrough: string[] | undefined
  let complete = false
  const { ready, output } = await startExampleServer(t, script, {
    env,
    waitingFor: 'printing its walk-through and that it listens',
    ready: (line) => {
      if (complete) return line.startsWith('Listening on ') ? { walkThrough: walkThrough!, listening: line } : undefined
      if (walkThrough === undefined) {
        if (line.includes(MARK)) walkThrough = [line]
        return undefined
      }
      walkThrough.push(line)
      complete = line.includes(MARK)
      return undefined
    }
  })
  return { ...ready, output }
}

/** The first line the server prints from `output[from]` on that `match`es, as soon as it is there. */
async function printedLine (output: string[], from: number, match: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    for (const line of output.slice(from)) {
      const found = match.exec(line)
      if (found) return found
    }
    await sleep(20) // the test's timeout bounds the wait
  }
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
  const { walkThrough, listening, output } = await startExample(t, script, { PORT: String(port), SMTP_URL: mailbox.url, ...env })
  t.ok(output.some((line) => line.includes('STEP_UP_SECRET is not set')), 'warns about the dev secret')
  t.ok(walkThrough.includes(`BASE=http://127.0.0.1:${port}`), 'names the port it listens on')
  t.match(listening, env.PORT_B
    ? `Listening on http://127.0.0.1:${port} and http://127.0.0.1:${env.PORT_B} (Ctrl-C to stop).`
    : `Listening on http://127.0.0.1:${port} (Ctrl-C to stop).`, 'says it listens, last')
  if (env.PORT_B) {
    t.ok(walkThrough.includes(`OTHER=http://127.0.0.1:${env.PORT_B}`), 'names the second instance')
    t.ok(walkThrough.some((line) => line.includes('"$OTHER/step-up/email/verify"')), 'and verifies the code there')
  }

  const run = startShell(t)
  const results: Ran[] = []
  /** The step-up token each verify line left in $STEP_UP, by method. */
  const tokens = new Map<string, string>()
  const typed: string[] = []
  let smsSentFrom = -1
  for (const line of walkThrough) {
    if (line.trim() === '' || line.startsWith('#')) continue
    let command = line
    // The places a human types a code: from the email, which went to the SMTP mailbox, and from
    // the text message, which the demo's SMS gateway printed on the server's console.
    if (line.startsWith('CODE=')) {
      const mail = await mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : undefined, 'alice.work@example.org', 'the code goes to the work address')
      command = `CODE=${codeIn(mail)}`
      typed.push('email')
    } else if (line.startsWith('SMS_CODE=')) {
      t.not(smsSentFrom, -1, 'the SMS code is asked for after the SMS is sent')
      const [, code] = await printedLine(output, Math.max(smsSentFrom, 0), /Your verification code is (\d+)/)
      command = `SMS_CODE=${code}`
      typed.push('sms')
    } else if (line.includes('/step-up/sms/send')) {
      smsSentFrom = output.length
    }
    const ran = await run(command)
    t.equal(ran.status, 0, `exits 0: ${line}`)
    results.push(ran)
    const verified = /^STEP_UP=.*\/step-up\/([\w-]+)\/verify"/.exec(line)
    if (verified) tokens.set(verified[1]!, (await run('printf %s "$STEP_UP"')).output)
  }
  t.same(typed, ['email', 'sms'], 'the walk-through asks for the emailed code, then the texted one')

  function steps (name: string, match: (command: string) => boolean, count = 1): string[] {
    const found = results.filter(({ command }) => match(command))
    t.equal(found.length, count, `${count} step(s) ${name}`)
    return found.map(({ output }) => output)
  }
  const step = (name: string, match: (command: string) => boolean): string => steps(name, match)[0] ?? ''
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
  const offered = methods.methods.map((m: { method: string }) => m.method)
  t.same(offered, ['email', 'sms', 'totp', 'backup-code', 'password', 'pin', 'security-questions'], 'the demo user has every method')

  t.match(step('sends a code', (c) => c.includes('/step-up/email/send')), /^HTTP 202$/m, 'send: 202')
  t.match(await variable('CHALLENGE'), /^[\w-]{22}$/)
  t.match(step('sends a text message', (c) => c.includes('/step-up/sms/send')), /^HTTP 202$/m, 'SMS send: 202')
  t.match(await variable('SMS_CHALLENGE'), /^[\w-]{22}$/)
  t.equal(step('computes the TOTP code', (c) => c.startsWith('TOTP=')), '', 'the otplib one-liner runs without a word')
  t.match(await variable('TOTP'), /^\d{6}$/, 'and gives a six-digit code')

  // Every method the server offers is in the walk-through, and gives a step-up token there.
  t.same([...tokens.keys()].sort(), [...offered].sort(), 'a verify step for every method')
  for (const method of offered) {
    t.match(step(`verifies by ${method}`, (c) => c.includes(`/step-up/${method}/verify"`)), /^HTTP 200$/m, `${method}: 200`)
    t.match(tokens.get(method), jwt, `${method} gives a step-up token`)
  }
  t.equal(new Set(tokens.values()).size, offered.length, 'each a fresh one')

  // Step 7 with the emailed code's token, step 9 with the last one (security questions).
  for (const allowed of steps('read the document with a step-up token', (c) => c.includes('/documents/1') && c.includes('x-step-up-token'), 2)) {
    t.match(allowed, /^HTTP\/1\.1 200 /, 'with the step-up token: 200')
    t.match(JSON.parse(allowed.slice(allowed.indexOf('\r\n\r\n'))), { id: '1' })
  }

  // The managed factors, from the factor storage: the seeded ones, the backup code used above counted, no secret.
  const listed = JSON.parse(step('lists factors', (c) => c.includes('/step-up/factors"')))
  t.same(listed.factors.map((f: { kind: string }) => f.kind), ['totp', 'backup-codes', 'pin'], 'the demo user\'s factors are in the factor storage')
  t.match(listed.factors[1], { kind: 'backup-codes', remaining: 4 }, 'the backup code used above is gone')
  t.match(listed.change, { methods: ['totp'] }, 'a change needs the authenticator app, her strongest factor')
  t.notOk(/JBSWY3DP|secret|hash/i.test(JSON.stringify(listed.factors)), 'no secret or hash in the listing')

  // An unknown address gets the same answer as a wrong password: no hint of who has an account.
  const unknown = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'mallory@example.com', password: 'wonderland' })
  })
  t.equal(unknown.status, 401)
  t.equal((await unknown.json() as { message: string }).message, 'Wrong email or password')
}

/** A TCP server on a loopback port, closed when the test ends: the port is busy while it runs. */
async function occupyPort (t: Test): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as AddressInfo).port
}

/** Starts `script` with `env` on a busy port: it ends, non-zero, with one line that names `hint`, and no stack trace. */
async function busyPortIsOneLine (t: Test, script: string, env: Record<string, string>, hint: string): Promise<void> {
  const { code, stdout, stderr } = await runExampleToExit(t, script, env)
  t.not(code, 0, 'exits non-zero')
  t.equal(code, 1, 'with 1')
  // The Express example has security questions on, and its default logger warns of them on stderr.
  const lines = stderr.trim().split('\n').filter((line) => !line.startsWith('step-up: security-questions is on.'))
  t.equal(lines.length, 1, `one line on stderr: ${stderr}`)
  t.match(lines[0], hint, 'which says how to pick another port')
  t.notMatch(stdout + stderr, /^\s+at /m, 'no stack trace')
  t.notMatch(stdout, /walk-through|Listening on/, 'and no walk-through')
}

t.test('a busy port ends the example with one line that says how to pick another', async (t) => {
  for (const [script, command] of [['examples/basic/server.ts', 'npm run example'], ['examples/express/server.ts', 'npm run example:express']]) {
    await t.test(script, async (t) => {
      const port = await occupyPort(t)
      await busyPortIsOneLine(t, script, { PORT: String(port) },
        `Port ${port} is already in use (another server, or this example still running?): pick another with PORT, e.g. PORT=${port + 1} ${command}`)
    })
  }
})

t.test('examples/redis names PORT_B when the second port is busy', { skip: redisSkipReason() }, async (t) => {
  const port = await occupyPort(t)
  const env = { REDIS_URL: await sharedRedisUrl(t), REDIS_PREFIX: uniquePrefix(), PORT: String(await freePort()), PORT_B: String(port) }
  await busyPortIsOneLine(t, 'examples/redis/server.ts', env, `Port ${port} is already in use (another server, or this example still running?): pick another with PORT_B, e.g. PORT_B=${port + 1} npm run example:redis`)
})

t.test('examples/web', async (t) => {
  // The page, built as `npm run example:web` builds it (a no-op when it is up to date).
  const { code, stdout } = await runTsc(t, ['-b', 'examples/web/page/tsconfig.json'])
  t.equal(code, 0, `the page builds: ${stdout}`)

  t.test('a busy port is one line', async (t) => {
    const port = await occupyPort(t)
    await busyPortIsOneLine(t, 'examples/web/server.ts', { PORT: String(port) },
      `pick another with PORT, e.g. PORT=${port + 1} npm run example:web`)
  })

  t.test('the page polling the dev mailbox does not log a line per poll', async (t) => {
    const port = await freePort()
    const { ready: base, output } = await startExampleServer(t, 'examples/web/server.ts', {
      args: ['--dev'],
      env: { PORT: String(port) },
      waitingFor: 'listening',
      ready: (line) => /^Web demo: (http:\/\/\S+?)\/? /.exec(line)?.[1]
    })
    const from = output.length
    for (let poll = 0; poll < 3; poll++) {
      const reply = await fetch(`${base}/dev/mailbox`)
      t.equal(reply.status, 200, 'the mailbox answers')
      t.match(await reply.json(), { messages: [] })
    }
    // Another request is logged as usual: once its line is there, a poll's would be too.
    t.equal((await fetch(`${base}/step-up/methods`)).status, 401)
    await printedLine(output, from, /"url":"\/step-up\/methods"/)
    t.same(output.slice(from).filter((line) => line.includes('/dev/mailbox')), [], 'no log line for a poll')
    t.equal(output.slice(from).filter((line) => line.includes('incoming request')).length, 1, 'one request logged: the other one')
  })
})

/** Runs the TypeScript compiler in the repo root. */
async function runTsc (t: Test, args: string[]): Promise<{ code: number | null, stdout: string }> {
  const child = spawn(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd: root, env: baseEnv, stdio: ['ignore', 'pipe', 'inherit'] })
  const closed = once(child, 'close')
  stopAtTeardown(t, child)
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  const [code] = await closed as [number | null]
  return { code, stdout }
}
