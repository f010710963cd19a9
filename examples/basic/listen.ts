// Ports for the examples: read from the environment, and a port that cannot be used ends the
// example with one line that says what to do, not a stack trace.

/** The port in the environment variable `name`, or `fallback`; exits with one line if it is not a port. */
export function portFromEnv (name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name}=${value} is not a port: set ${name} to a number from 0 to 65535 (0 picks a free one).`)
    process.exit(1)
  }
  return port
}

/**
 * Exits with one line when `err` says the port is taken or not ours to open, naming the variable
 * that picks another and the command to run again; any other error is rethrown.
 */
export function exitIfPortUnusable (err: unknown, { port, variable, command }: { port: number, variable: string, command: string }): never {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') {
    console.error(`Port ${port} is already in use (another server, or this example still running?): pick another with ${variable}, e.g. ${variable}=${port + 1} ${command}`)
    process.exit(1)
  }
  if (code === 'EACCES') {
    console.error(`Port ${port} needs privileges this process does not have: pick one above 1023 with ${variable}, e.g. ${variable}=3000 ${command}`)
    process.exit(1)
  }
  throw err
}
