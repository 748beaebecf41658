import { formatCountdown, formatDateTime, formatDuration, formatMoney, formatNumber, formatPercent, zoneLabel } from './format'

describe('formatMoney', () => {
  it('groups thousands and keeps two decimals', () => {
    expect(formatMoney('1234.5')).toBe('$1,234.50')
  })
  it('shows losses with a real minus sign before the dollar', () => {
    expect(formatMoney(-12)).toBe('−$12.00')
  })
  it('adds a plus sign to gains only when asked', () => {
    expect(formatMoney('3.4', { signed: true })).toBe('+$3.40')
    expect(formatMoney('3.4')).toBe('$3.40')
  })
  it('never signs zero, even a rounded negative zero', () => {
    expect(formatMoney('-0.001', { signed: true })).toBe('$0.00')
  })
  it('shows a dash for missing or unparseable values', () => {
    expect(formatMoney(null)).toBe('—')
    expect(formatMoney('')).toBe('—')
    expect(formatMoney('abc')).toBe('—')
  })
})

describe('formatPercent', () => {
  it('treats the value as a percentage already (40 means 40 %)', () => {
    expect(formatPercent(40)).toBe('40.00%')
    expect(formatPercent('0.5')).toBe('0.50%')
  })
  it('signs changes when asked', () => {
    expect(formatPercent(-1.234, { signed: true })).toBe('−1.23%')
    expect(formatPercent(1.235, { signed: true, digits: 1 })).toBe('+1.2%')
  })
})

describe('formatNumber', () => {
  it('rounds to the asked decimals', () => {
    expect(formatNumber('0.123456', 4)).toBe('0.1235')
    expect(formatNumber(95000, 0)).toBe('95,000')
  })
})

describe('formatDateTime', () => {
  const settlement = '2025-01-31T12:00:00Z'
  it('shows the 12:00 UTC settlement as 17:30 IST', () => {
    expect(formatDateTime(settlement, 'Asia/Kolkata')).toBe('2025-01-31 17:30:00 IST')
  })
  it('shows UTC when asked', () => {
    expect(formatDateTime(settlement, 'UTC')).toBe('2025-01-31 12:00:00 UTC')
  })
  it('crosses midnight into the next day in the display zone', () => {
    expect(formatDateTime('2025-01-31T20:00:00Z', 'Asia/Kolkata')).toBe('2025-02-01 01:30:00 IST')
  })
  it('shows a dash for no time', () => {
    expect(formatDateTime(null)).toBe('—')
  })
  it('labels IST and UTC with their usual names', () => {
    expect(zoneLabel('Asia/Kolkata')).toBe('IST')
    expect(zoneLabel('UTC')).toBe('UTC')
  })
})

describe('formatDuration and formatCountdown', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(45)).toBe('45s')
    expect(formatDuration(185)).toBe('3m 05s')
    expect(formatDuration(7380)).toBe('2h 03m')
    expect(formatDuration(100_800)).toBe('1d 04h')
  })
  it('counts down to future instants and back from past ones', () => {
    expect(formatCountdown(185)).toBe('in 3m 05s')
    expect(formatCountdown(-60)).toBe('1m 00s ago')
  })
})

describe('decimal strings', () => {
  it('round half away from zero on the decimal digits, not on a binary float', () => {
    expect(formatMoney('0.06195', { digits: 4 })).toBe('$0.0620')
    expect(formatMoney('-0.005')).toBe('−$0.01')
    expect(formatMoney('1234567.891')).toBe('$1,234,567.89')
  })
  it('keeps large values exact', () => {
    expect(formatNumber('12345678901234567.5', 0)).toBe('12,345,678,901,234,568')
  })
})
