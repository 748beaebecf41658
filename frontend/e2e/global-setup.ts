/**
 * Start the real backend (sim mode, throwaway database) and serve the built SPA with `vite preview`
 * proxying /api to it. Users: the admin from INITIAL_ADMIN_* (created by the backend on its empty
 * database), then a trader and a viewer created with `delta-strangle users create`. The base URL reaches the tests through E2E_BASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { USERS } from './users'

const FRONTEND = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const BACKEND_BIN = process.env.DS_BACKEND_BIN ?? resolve(FRONTEND, '../backend/.venv/bin/delta-strangle')

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))))
    })
  })
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(BACKEND_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', fail)
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`delta-strangle ${args.join(' ')} failed:\n${output}`))))
  })
}

async function waitForOk(url: string, child: ChildProcess, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`)
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${what} did not answer ${url} within ${deadlineMs / 1000}s`)
}

function stop(child: ChildProcess): void {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM') // the whole group: npx spawns vite as a grandchild
    } catch {
      child.kill('SIGTERM')
    }
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(BACKEND_BIN)) throw new Error(`backend CLI not found at ${BACKEND_BIN} (set DS_BACKEND_BIN)`)
  if (!existsSync(join(FRONTEND, 'dist/index.html'))) throw new Error('dist/ is missing: run `npm run build` first')

  const work = mkdtempSync(join(tmpdir(), 'ds-e2e-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APP_ENV: 'development',
    TRADING_MODE: 'sim',
    DATABASE_URL: `sqlite+aiosqlite:///${work}/e2e.db`,
    BACKEND_LOG_PATH: `${work}/logs/backend.log`,
    JWT_SECRET_KEY: 'e2e-only-secret-0123456789abcdef0123456789',
    INITIAL_ADMIN_EMAIL: USERS.admin.email,
    INITIAL_ADMIN_PASSWORD: USERS.admin.password,
    LOG_LEVEL: 'INFO',
  }
  const [backendPort, webPort] = [await freePort(), await freePort()]
  const backendLog = openSync(join(work, 'backend.out'), 'a')
  const backend = spawn(BACKEND_BIN, ['serve', '--host', '127.0.0.1', '--port', String(backendPort)], {
    env,
    cwd: work,
    detached: true,
    stdio: ['ignore', backendLog, backendLog],
  })
  const webLog = openSync(join(work, 'preview.out'), 'a')
  const web = spawn('npx', ['--no-install', 'vite', 'preview', '--host', '127.0.0.1', '--port', String(webPort), '--strictPort'], {
    env: { ...process.env, DS_API_PROXY_TARGET: `http://127.0.0.1:${backendPort}` },
    cwd: FRONTEND,
    detached: true,
    stdio: ['ignore', webLog, webLog],
  })
  const teardown = async () => {
    stop(web)
    stop(backend)
    if (!process.env.E2E_KEEP_WORKDIR) rmSync(work, { recursive: true, force: true })
  }
  try {
    await waitForOk(`http://127.0.0.1:${backendPort}/api/health`, backend, 'backend')
    // The backend made the admin from INITIAL_ADMIN_* on its empty database; the others come from the CLI.
    await Promise.all([
      run(['users', 'create', USERS.trader.email, '--role', 'trader', '--password', USERS.trader.password], env),
      run(['users', 'create', USERS.viewer.email, '--role', 'viewer', '--password', USERS.viewer.password], env),
    ])
    await waitForOk(`http://127.0.0.1:${webPort}/api/health`, web, 'vite preview')
  } catch (error) {
    process.env.E2E_KEEP_WORKDIR = '1'
    await teardown()
    throw new Error(`${(error as Error).message} (logs in ${work})`)
  }
  process.env.E2E_BASE_URL = `http://127.0.0.1:${webPort}`
  process.env.E2E_API_URL = `http://127.0.0.1:${backendPort}/api`
  console.log(`e2e: backend on :${backendPort}, SPA on :${webPort}, work dir ${work}`)
  return teardown
}
