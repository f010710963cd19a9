// Starting an example server as a child process, for example.test.ts and the Chromium tests alike:
// one place decides the child's environment, how it is stopped, and what a failure to start shows.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const root = fileURLToPath(new URL('../..', import.meta.url))

// A clean environment, so no secret from this shell changes what an example does. Coverage off in
// the children (tap passes its hooks on to every process a test spawns): lib/ must be covered by
// its own tests, not by the examples running the built dist/, whose source maps point back at lib/.
export const baseEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? root,
  _TAPJS_PROCESSINFO_COVERAGE_: '0'
}

/** Stops `child` (by its pid, if it still runs) when the test ends; resolves when it has exited. */
export function stopAtTeardown (t: Test, child: ChildProcess): Promise<unknown[]> {
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM')
    await exited
  })
  return exited
}

/**
 * Runs `node --import tsx script ...args` in the repo root, with `baseEnv` and `env`, until the
 * test ends. Resolves once `ready` returns something for a line of its stdout (the line it prints
 * when it listens), with that and every stdout line (more come after); rejects, showing all it
 * printed, if it exits first. No timeout of its own: the test's timeout bounds the wait.
 */
export async function startExampleServer<T> (t: Test, script: string, options: {
  args?: string[]
  env?: Record<string, string>
  /** What it is waiting for, for the error: "listening". */
  waitingFor: string
  ready: (line: string) => T | undefined
}): Promise<{ ready: T, output: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...options.args ?? []], {
    cwd: root,
    env: { ...baseEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = stopAtTeardown(t, child)
  const output: string[] = []
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return new Promise((resolve, reject) => {
    let started = false
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line)
      if (started) return
      const ready = options.ready(line)
      if (ready === undefined) return
      started = true
      resolve({ ready, output })
    })
    exited.then(([code, signal]) => {
      reject(new Error(`${script} exited (${code ?? signal}) before ${options.waitingFor}:\n${output.join('\n')}\n${stderr}`))
    }, reject)
  })
}

/**
 * Runs `node --import tsx script` in the repo root, with `baseEnv` and `env`, for an example that
 * is expected to stop by itself; resolves with how it exited and all it printed.
 */
export async function runExampleToExit (t: Test, script: string, env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  // 'close', not 'exit': by then both pipes have been read to the end.
  const closed = once(child, 'close')
  stopAtTeardown(t, child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await closed as [number | null]
  return { code, stdout, stderr }
}
