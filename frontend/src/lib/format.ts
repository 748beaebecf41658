/**
 * Display formatting for money, percentages, numbers and times.
 *
 * The API sends money and prices as decimal strings; they are only turned into numbers here, for
 * display, never for arithmetic that feeds back into the API.
 */

type Numeric = number | string | null | undefined

const DASH = '—'
const MINUS = '−' // a real minus sign: easier to spot than a hyphen in a column of numbers

function toNumber(value: Numeric): number | null {
  if (value === null || value === undefined || value === '') return null
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? n : null
}

/**
 * Round a decimal string half away from zero without going through a binary float, so "0.06195"
 * shows as 0.0620 (a float would say 0.0619). Returns [negative, "1,234.50"], or null.
 */
function roundDecimal(value: string, digits: number): [boolean, string] | null {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(value)
  if (!match || (match[2] === '' && !match[3])) return null
  const negative = match[1] === '-'
  const frac = (match[3] ?? '').padEnd(digits + 1, '0')
  let scaled = BigInt((match[2] || '0') + frac.slice(0, digits))
  if (Number(frac[digits]) >= 5) scaled += 1n
  const text = scaled.toString().padStart(digits + 1, '0')
  const whole = text.slice(0, text.length - digits)
  const fraction = digits > 0 ? `.${text.slice(-digits)}` : ''
  const isZero = scaled === 0n
  return [negative && !isZero, `${BigInt(whole).toLocaleString('en-US')}${fraction}`]
}

function fixed(value: Numeric, digits: number): [boolean, string] | null {
  if (typeof value === 'string') {
    const exact = roundDecimal(value, digits)
    if (exact) return exact
  }
  const n = toNumber(value)
  if (n === null) return null
  const rounded = Number(n.toFixed(digits))
  return [rounded < 0, grouped(Math.abs(rounded), digits)]
}

function grouped(n: number, digits: number): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)
}

function signOf([negative, text]: [boolean, string], signed: boolean): string {
  if (negative) return MINUS
  return signed && /[1-9]/.test(text) ? '+' : ''
}

/** Format USD money: "$1,234.50", "−$12.00", or "+$3.40" when signed. */
export function formatMoney(value: Numeric, opts: { signed?: boolean; digits?: number } = {}): string {
  const parts = fixed(value, opts.digits ?? 2)
  if (!parts) return DASH
  return `${signOf(parts, opts.signed ?? false)}$${parts[1]}`
}

/** Format a value that already is a percentage (40 means 40 %): "40.00%", "+1.25%". */
export function formatPercent(value: Numeric, opts: { signed?: boolean; digits?: number } = {}): string {
  const parts = fixed(value, opts.digits ?? 2)
  if (!parts) return DASH
  return `${signOf(parts, opts.signed ?? false)}${parts[1]}%`
}

/** Format a plain number with a fixed number of decimals (prices, deltas). */
export function formatNumber(value: Numeric, digits = 2): string {
  const parts = fixed(value, digits)
  if (!parts) return DASH
  return `${parts[0] ? MINUS : ''}${parts[1]}`
}

const ZONE_LABELS: Record<string, string> = { UTC: 'UTC', 'Etc/UTC': 'UTC', 'Asia/Kolkata': 'IST', 'Asia/Calcutta': 'IST' }

/** Return a short label for a time zone ("IST" for Asia/Kolkata, else the browser's short name). */
export function zoneLabel(timeZone: string): string {
  const known = ZONE_LABELS[timeZone]
  if (known) return known
  const part = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' })
    .formatToParts(new Date(0))
    .find((p) => p.type === 'timeZoneName')
  return part?.value ?? timeZone
}

function parts(date: Date, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
  return Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]))
}

function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** Format an instant as "2025-01-31 17:30:05 IST" in the given zone. */
export function formatDateTime(value: Date | string | null | undefined, timeZone = 'UTC'): string {
  const date = toDate(value)
  if (!date) return DASH
  const p = parts(date, timeZone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneLabel(timeZone)}`
}

/** Format an instant as "17:30:05" in the given zone (the header clock). */
export function formatClock(value: Date, timeZone: string): string {
  const p = parts(value, timeZone)
  return `${p.hour}:${p.minute}:${p.second}`
}

/** Format a length of time: "45s", "3m 05s", "2h 03m", "1d 04h". */
export function formatDuration(totalSeconds: Numeric): string {
  const n = toNumber(totalSeconds)
  if (n === null) return DASH
  const s = Math.floor(Math.abs(n))
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const pad = (x: number) => String(x).padStart(2, '0')
  if (d > 0) return `${d}d ${pad(h)}h`
  if (h > 0) return `${h}h ${pad(m)}m`
  if (m > 0) return `${m}m ${pad(sec)}s`
  return `${sec}s`
}

/** Format a countdown to an instant: "in 3m 05s", or "3m 05s ago" once it has passed. */
export function formatCountdown(secondsUntil: Numeric): string {
  const n = toNumber(secondsUntil)
  if (n === null) return DASH
  return n >= 0 ? `in ${formatDuration(n)}` : `${formatDuration(n)} ago`
}
