// How busy the rest of the machine was during a measurement: CPU time used by every process minus
// the CPU time of the run's own processes, from /proc (Linux). Elsewhere it reports nothing.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** Microseconds in one tick of /proc's CPU times (USER_HZ, almost always 100). */
export const TICK_US = 1e6 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100)

function machineTicks (): { busy: number, total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = fields.reduce((sum, value) => sum + value, 0)
    const idle = fields[3]! + fields[4]! // idle + iowait
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

/** User plus system ticks of a process, all its threads; 0 once it is gone. */
export function processTicks (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

/**
 * Starts measuring; the function it returns gives the CPU cores other processes used meanwhile, on
 * average (0 to the number of cores), or undefined where /proc is not there.
 */
export function backgroundLoad (ownPids: () => number[]): () => number | undefined {
  const machine = machineTicks()
  const pids = ownPids()
  const own = new Map(pids.map((pid) => [pid, processTicks(pid)]))
  return () => {
    const after = machineTicks()
    if (!machine || !after || after.total === machine.total) return undefined
    let ownTicks = 0
    for (const [pid, before] of own) ownTicks += Math.max(0, processTicks(pid) - before)
    const others = Math.max(0, after.busy - machine.busy - ownTicks)
    return (others / (after.total - machine.total)) * os.cpus().length
  }
}
