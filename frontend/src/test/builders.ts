/**
 * Builders of the API's payloads for unit tests: each returns a complete, plausible value that a
 * test changes only where its point lies (`aRuntime({ status: 'halted' })`). Types come from the
 * generated client, so a schema change shows up here first.
 */
import type { components } from '@/types/api.gen'

type Schemas = components['schemas']
export type Runtime = Schemas['RuntimeSnapshot']
export type SessionSummary = Schemas['SessionSummary']
export type SessionPage = Schemas['SessionPage']
export type HistoryReport = Schemas['HistoryResponse']
export type HistoryMetrics = Schemas['HistoryMetrics']

/** An engine snapshot: a running engine with an armed SIM session 7 of profile "Morning" v2, no legs. */
export function aRuntime(overrides: Partial<Runtime> = {}): Runtime {
  return {
    generated_at: '2025-01-31T10:00:00Z',
    engine_running: true,
    status: 'live',
    mode: 'sim',
    armed: true,
    session_id: 7,
    profile_name: 'Morning',
    profile_id: 1,
    config_version: 2,
    schedule: {},
    legs: [],
    totals: {},
    limits: [],
    trailing: {},
    spot: {},
    quotes_fresh: true,
    max_quote_age_seconds: null,
    exit_reason: null,
    exit_detail: null,
    halt_reason: null,
    halt_views: null,
    warnings: [],
    alerts: [],
    job_running: false,
    last_session_id: null,
    ...overrides,
  }
}

/** A short leg of the snapshot, only the fields a test names filled in. */
export function aLeg(kind: 'call' | 'put', overrides: Partial<Runtime['legs'][number]> = {}): Runtime['legs'][number] {
  const symbol = kind === 'call' ? 'C-BTC-97600-310125' : 'P-BTC-92200-310125'
  return { kind, symbol, size: -1, ...overrides } as Runtime['legs'][number]
}

/** A finished SIM session of profile "Morning" v2 that exited on max_profit. */
export function aSession(overrides: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id: 7,
    profile_id: 1,
    profile_name: 'Morning',
    config_version: 2,
    mode: 'sim',
    state: 'done',
    created_at: '2025-01-06T03:55:00Z',
    started_at: '2025-01-06T04:00:00Z',
    ended_at: '2025-01-06T09:50:00Z',
    started_by: 'trader@example.org',
    trading_date: '2025-01-06',
    exit_reason: 'max_profit',
    exit_detail: null,
    halt_reason: null,
    pnl: { net_usd: '100.00', fees_usd: '10.00' },
    spot: {},
    legs: [],
    ...overrides,
  }
}

/** A page of sessions as GET /trading/sessions answers it. */
export function aSessionPage(items: SessionSummary[], { page = 1, pageSize = 25, total = items.length } = {}): SessionPage {
  return { items, page, page_size: pageSize, total, pages: Math.ceil(total / pageSize) }
}

/** Metrics of a history with no finished session. */
export function noMetrics(overrides: Partial<HistoryMetrics> = {}): HistoryMetrics {
  return {
    trade_count: 0,
    win_count: 0,
    loss_count: 0,
    zero_pnl_count: 0,
    win_rate: '0',
    net_pnl: '0',
    pnl_before_fees: '0',
    fees_total: '0',
    premium_collected: '0',
    slippage_total: '0',
    average_fee: '0',
    average_pnl: '0',
    average_win: '0',
    average_loss: '0',
    max_drawdown: '0',
    max_gain: '0',
    max_loss: '0',
    consecutive_wins: 0,
    consecutive_losses: 0,
    profitable_days: 0,
    days_running: 0,
    trailing_sessions: 0,
    ...overrides,
  }
}

/** An analytics report: empty unless `metrics` and charts say otherwise. */
export function aHistoryReport(overrides: Partial<HistoryReport> = {}): HistoryReport {
  return {
    generated_at: '2025-01-31T10:00:00Z',
    status: { is_stale: false, latest_timestamp: null, message: 'up to date', open_sessions: 0 },
    metrics: noMetrics(),
    charts: { cumulative_pnl: [], cumulative_gross_pnl: [], cumulative_fees: [], drawdown: [], rolling_win_rate: [], pnl_histogram: [] },
    exit_reasons: [],
    timeline: [],
    timeline_total: 0,
    ...overrides,
  }
}
