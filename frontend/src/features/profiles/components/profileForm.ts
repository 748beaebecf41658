/**
 * The profile form's values and their conversion to and from the API's StrategyConfig.
 *
 * Field names mirror the StrategyConfig paths (`schedule.exit_time`, `exits.trailing_steps[0].lock_profit_pct`)
 * so a server validation error lands on the field it names. Decimal fields stay strings end to end
 * (InputNumber in string mode), never floats.
 */
import dayjs, { type Dayjs } from 'dayjs'

import type { StrategyConfigIn, StrategyConfigOut } from '../api/types'

type Dec = string | null | undefined
export type StrikeMode = 'delta' | 'premium' | 'distance'
export type ExpiryRule = 'nearest' | 'explicit'
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

export interface ProfileFormValues {
  name: string
  underlying: 'BTC' | 'ETH'
  notes?: string
  contracts_per_leg: number
  schedule: {
    timezone: string
    entry_time: Dayjs
    latest_entry_time: Dayjs
    exit_time: Dayjs
    trading_weekdays: string[]
    repeat_daily: boolean
  }
  expiry: { rule: ExpiryRule; expiry_date?: Dayjs | null; min_minutes_after_exit?: number | null }
  strikes: {
    mode: StrikeMode
    delta_low?: number | null
    delta_high?: number | null
    delta_target?: number | null
    call_premium_min_usd?: Dec
    call_premium_max_usd?: Dec
    put_premium_min_usd?: Dec
    put_premium_max_usd?: Dec
    call_distance_pct?: Dec
    put_distance_pct?: Dec
  }
  guardrails: {
    call_premium_min_usd?: Dec
    call_premium_max_usd?: Dec
    put_premium_min_usd?: Dec
    put_premium_max_usd?: Dec
    min_bid_usd?: Dec
    max_spread_pct?: Dec
  }
  exits: {
    max_loss_pct?: Dec
    max_profit_pct?: Dec
    trailing_steps: { trigger_profit_pct: Dec; lock_profit_pct: Dec }[]
    giveback_activate_pct?: Dec
    giveback_points_pct?: Dec
    leg_stop_pct?: Dec
    leg_stop_survivor: 'keep_rules' | 'break_even'
    expiry_guard_minutes: number
    daily_loss_cap_usd?: Dec
    stale_quote_seconds: number
  }
  execution: {
    limit_attempts: number
    attempt_seconds: number
    max_slippage_pct: Dec
    market_fallback: boolean
    legging_timeout_seconds: number
  }
  entry_limits: {
    max_notional_usd?: Dec
    check_margin: boolean
    margin_pct_of_index: Dec
    margin_buffer_pct: Dec
    max_consecutive_failed_entries?: number | null
  }
}

const time = (hhmm: string) => dayjs(`2000-01-01T${hhmm.length === 5 ? `${hhmm}:00` : hhmm}`)
const dec = (v: Dec): string | null => (v === null || v === undefined || String(v).trim() === '' ? null : String(v))
const hhmm = (d: Dayjs) => d.format('HH:mm:00')

/** The values of a new profile: the backend's defaults, with a sensible trailing table. */
export function newProfileValues(): ProfileFormValues {
  return {
    name: '',
    underlying: 'BTC',
    notes: '',
    contracts_per_leg: 1,
    schedule: {
      timezone: 'Asia/Kolkata',
      entry_time: time('09:30'),
      latest_entry_time: time('10:30'),
      exit_time: time('15:20'),
      trading_weekdays: [...WEEKDAYS],
      repeat_daily: true,
    },
    expiry: { rule: 'nearest', min_minutes_after_exit: 60, expiry_date: null },
    strikes: { mode: 'delta', delta_low: 0.1, delta_high: 0.15, delta_target: null },
    guardrails: {},
    exits: {
      max_loss_pct: '40',
      max_profit_pct: '80',
      trailing_steps: [
        { trigger_profit_pct: '20', lock_profit_pct: '0' },
        { trigger_profit_pct: '30', lock_profit_pct: '10' },
        { trigger_profit_pct: '40', lock_profit_pct: '15' },
        { trigger_profit_pct: '50', lock_profit_pct: '25' },
      ],
      leg_stop_survivor: 'keep_rules',
      expiry_guard_minutes: 30,
      stale_quote_seconds: 10,
    },
    execution: { limit_attempts: 4, attempt_seconds: 5, max_slippage_pct: '5', market_fallback: false, legging_timeout_seconds: 30 },
    entry_limits: {
      max_notional_usd: null,
      check_margin: true,
      margin_pct_of_index: '10',
      margin_buffer_pct: '25',
      max_consecutive_failed_entries: 3,
    },
  }
}

/** Turn a stored config into form values. */
export function valuesFromConfig(config: StrategyConfigOut): ProfileFormValues {
  const s = config.strikes
  const e = config.expiry
  return {
    name: config.name,
    underlying: config.underlying as 'BTC' | 'ETH',
    notes: config.notes,
    contracts_per_leg: config.contracts_per_leg,
    schedule: {
      timezone: config.schedule.timezone,
      entry_time: time(config.schedule.entry_time),
      latest_entry_time: time(config.schedule.latest_entry_time),
      exit_time: time(config.schedule.exit_time),
      trading_weekdays: [...config.schedule.trading_weekdays],
      repeat_daily: config.schedule.repeat_daily,
    },
    expiry:
      e.rule === 'explicit'
        ? { rule: 'explicit', expiry_date: dayjs(e.expiry_date), min_minutes_after_exit: 60 }
        : { rule: 'nearest', min_minutes_after_exit: e.min_minutes_after_exit, expiry_date: null },
    strikes: { ...s } as ProfileFormValues['strikes'],
    guardrails: { ...config.guardrails },
    exits: { ...config.exits, trailing_steps: config.exits.trailing_steps.map((t) => ({ ...t })) },
    execution: { ...config.execution },
    entry_limits: { ...config.entry_limits },
  }
}

/** Turn form values into the StrategyConfig the API takes (only the chosen mode's fields). */
export function configFromValues(v: ProfileFormValues): StrategyConfigIn {
  const s = v.strikes
  const strikes: StrategyConfigIn['strikes'] =
    s.mode === 'delta'
      ? { mode: 'delta', delta_low: s.delta_low ?? 0, delta_high: s.delta_high ?? 0, delta_target: s.delta_target ?? null }
      : s.mode === 'premium'
        ? {
            mode: 'premium',
            call_premium_min_usd: dec(s.call_premium_min_usd) ?? '',
            call_premium_max_usd: dec(s.call_premium_max_usd) ?? '',
            put_premium_min_usd: dec(s.put_premium_min_usd) ?? '',
            put_premium_max_usd: dec(s.put_premium_max_usd) ?? '',
          }
        : { mode: 'distance', call_distance_pct: dec(s.call_distance_pct) ?? '', put_distance_pct: dec(s.put_distance_pct) ?? '' }
  const g = v.guardrails
  const x = v.exits
  const l = v.entry_limits
  return {
    name: v.name,
    underlying: v.underlying,
    notes: v.notes ?? '',
    contracts_per_leg: v.contracts_per_leg,
    schedule: {
      timezone: v.schedule.timezone,
      entry_time: hhmm(v.schedule.entry_time),
      latest_entry_time: hhmm(v.schedule.latest_entry_time),
      exit_time: hhmm(v.schedule.exit_time),
      trading_weekdays: v.schedule.trading_weekdays as StrategyConfigIn['schedule']['trading_weekdays'],
      repeat_daily: v.schedule.repeat_daily,
    },
    expiry:
      v.expiry.rule === 'explicit'
        ? { rule: 'explicit', expiry_date: v.expiry.expiry_date ? v.expiry.expiry_date.format('YYYY-MM-DD') : '' }
        : { rule: 'nearest', min_minutes_after_exit: v.expiry.min_minutes_after_exit ?? 60 },
    strikes,
    guardrails: {
      call_premium_min_usd: dec(g.call_premium_min_usd),
      call_premium_max_usd: dec(g.call_premium_max_usd),
      put_premium_min_usd: dec(g.put_premium_min_usd),
      put_premium_max_usd: dec(g.put_premium_max_usd),
      min_bid_usd: dec(g.min_bid_usd),
      max_spread_pct: dec(g.max_spread_pct),
    },
    exits: {
      max_loss_pct: dec(x.max_loss_pct),
      max_profit_pct: dec(x.max_profit_pct),
      trailing_steps: x.trailing_steps.map((t) => ({
        trigger_profit_pct: dec(t.trigger_profit_pct) ?? '',
        lock_profit_pct: dec(t.lock_profit_pct) ?? '',
      })),
      giveback_activate_pct: dec(x.giveback_activate_pct),
      giveback_points_pct: dec(x.giveback_points_pct),
      leg_stop_pct: dec(x.leg_stop_pct),
      leg_stop_survivor: x.leg_stop_survivor,
      expiry_guard_minutes: x.expiry_guard_minutes,
      daily_loss_cap_usd: dec(x.daily_loss_cap_usd),
      stale_quote_seconds: x.stale_quote_seconds,
    },
    execution: { ...v.execution, max_slippage_pct: dec(v.execution.max_slippage_pct) ?? '' },
    entry_limits: {
      max_notional_usd: dec(l.max_notional_usd),
      check_margin: l.check_margin,
      margin_pct_of_index: dec(l.margin_pct_of_index) ?? '',
      margin_buffer_pct: dec(l.margin_buffer_pct) ?? '',
      max_consecutive_failed_entries: l.max_consecutive_failed_entries ?? null,
    },
  }
}
