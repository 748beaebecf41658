/**
 * Report the dashboard's own errors to the backend (`POST {VITE_API_BASE_URL}/logs/batch`).
 *
 * On in production builds unless VITE_ENABLE_REMOTE_LOGS says otherwise; only sent while someone is
 * logged in (the endpoint takes a viewer token). Records are sent as JSON with fetch (never
 * sendBeacon's text/plain, which FastAPI rejects), batched, de-duplicated per message within a
 * window, and capped so a render loop cannot flood the backend.
 */
import { resolveBaseUrl } from './api'
import { env } from './env'
import { currentToken } from './session'

/** One record of `POST /logs/batch` ({logs: [...]}, the backend's ClientLogRecord). */
export interface ClientLogRecord {
  level: 'error' | 'warning' | 'info'
  event: string
  message: string
  timestamp: string
  app_version: string
  environment: string
  data: Record<string, unknown>
}

const MAX_QUEUE = 100
const FLUSH_MS = 2000
const DEDUP_MS = 10_000

const queue: ClientLogRecord[] = []
const lastSeen = new Map<string, number>()
let timer: ReturnType<typeof setTimeout> | null = null

async function flush(): Promise<void> {
  timer = null
  const records = queue.splice(0, queue.length)
  if (records.length === 0) return
  const token = currentToken()
  if (!token) return // the endpoint needs a logged-in viewer; errors before login stay in the console
  try {
    await fetch(`${resolveBaseUrl()}/logs/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ logs: records }),
      keepalive: true,
    })
  } catch {
    // Reporting must never raise: the operator already sees the error on screen.
  }
}

/** Queue one client-side error for the backend log (no-op unless remote logs are enabled). */
export function reportClientError(event: string, message: string, data?: Record<string, unknown>): void {
  if (!env.remoteLogs) return
  const key = `${event}|${message}`
  const now = Date.now()
  if ((lastSeen.get(key) ?? 0) > now - DEDUP_MS) return
  lastSeen.set(key, now)
  if (queue.length >= MAX_QUEUE) return
  queue.push({
    level: 'error',
    event,
    message: message.slice(0, 2000),
    timestamp: new Date(now).toISOString(),
    app_version: env.appVersion,
    environment: import.meta.env.MODE,
    data: { page: window.location.pathname, ...data },
  })
  timer ??= setTimeout(() => void flush(), FLUSH_MS)
}

/** Catch uncaught errors and rejected promises for reporting. */
export function installGlobalErrorReporting(): void {
  window.addEventListener('error', (e) => reportClientError('ui_uncaught_error', e.message, { source: e.filename }))
  window.addEventListener('unhandledrejection', (e) =>
    reportClientError('ui_unhandled_rejection', String((e.reason as Error)?.message ?? e.reason)),
  )
}
