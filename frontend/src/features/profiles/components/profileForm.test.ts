import dayjs from 'dayjs'

import { configFromValues, newProfileValues, valuesFromConfig } from './profileForm'

describe('profile form values', () => {
  it('send wall times as HH:MM:00 and decimals as strings', () => {
    const config = configFromValues({ ...newProfileValues(), name: 'Morning BTC' })
    expect(config.schedule.entry_time).toBe('09:30:00')
    expect(config.schedule.exit_time).toBe('15:20:00')
    expect(config.exits.max_loss_pct).toBe('40')
    expect(config.exits.trailing_steps[1]).toEqual({ trigger_profit_pct: '30', lock_profit_pct: '10' })
  })

  it('send only the chosen strike mode fields', () => {
    const values = newProfileValues()
    values.strikes = { mode: 'distance', call_distance_pct: '5', put_distance_pct: '4.5', delta_low: 0.1 }
    expect(configFromValues(values).strikes).toEqual({ mode: 'distance', call_distance_pct: '5', put_distance_pct: '4.5' })
  })

  it('send an explicit expiry as a date, and empty optional limits as null', () => {
    const values = newProfileValues()
    values.expiry = { rule: 'explicit', expiry_date: dayjs('2025-01-31') }
    values.exits.max_profit_pct = ''
    const config = configFromValues(values)
    expect(config.expiry).toEqual({ rule: 'explicit', expiry_date: '2025-01-31' })
    expect(config.exits.max_profit_pct).toBeNull()
  })

  it('send an empty notional cap as null and keep the margin figures as strings', () => {
    const values = newProfileValues()
    values.entry_limits.max_notional_usd = ''
    values.entry_limits.margin_buffer_pct = '12.5'
    expect(configFromValues(values).entry_limits).toEqual({
      max_notional_usd: null,
      check_margin: true,
      margin_pct_of_index: '10',
      margin_buffer_pct: '12.5',
      max_consecutive_failed_entries: 3,
    })
  })

  it('round-trip a stored config', () => {
    const config = configFromValues({ ...newProfileValues(), name: 'x' })
    const again = configFromValues(valuesFromConfig({ ...config, notes: '' } as never))
    expect(again).toEqual(config)
  })
})
