import { exportFileName } from './exportAnalytics'
import { analyticsQuery } from './history'

describe('analytics export', () => {
  it('names the file analytics-export-YYYYMMDD-HHMMSS.csv in UTC', () => {
    expect(exportFileName(new Date('2025-01-31T07:05:09Z'))).toBe('analytics-export-20250131-070509.csv')
  })

  it('sends start and end only for a custom range', () => {
    expect(analyticsQuery({ preset: '7D', mode: 'sim', start: 'x', end: 'y' })).toEqual({ preset: '7D', mode: 'sim' })
    expect(analyticsQuery({ preset: 'custom', mode: 'all', start: 'a', end: 'b', strategy_id: '3' })).toEqual({
      preset: 'custom',
      mode: 'all',
      start: 'a',
      end: 'b',
      strategy_id: '3',
    })
  })
})
