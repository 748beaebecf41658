import { fireEvent, screen, waitFor } from '@testing-library/react'
import dayjs from 'dayjs'

import { installFakeApi, type FakeApi } from '@/test/fakeApi'
import { renderWithProviders } from '@/test/render'

import { HistoryPage } from './HistoryPage'
import { rangeToQuery } from './SessionFilterBar'

function sessionQueries(fake: FakeApi): URLSearchParams[] {
  return fake.requests.filter((r) => r.path === '/trading/sessions').map((r) => new URLSearchParams(r.search))
}

async function choose(filter: string, option: string): Promise<void> {
  fireEvent.mouseDown(screen.getByRole('combobox', { name: filter }))
  fireEvent.click(await screen.findByTitle(option))
}

describe('History filters', () => {
  it('sends the chosen profile and mode to the server, back on page one', async () => {
    const fake = installFakeApi({
      'GET /trading/sessions': { body: { items: [], total: 60, page: 1, page_size: 25, pages: 3 } },
      'GET /configs': { body: { items: [{ id: 3, name: 'Morning' }, { id: 4, name: 'Evening' }] } },
    })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    await waitFor(() => expect(sessionQueries(fake)).toHaveLength(1))
    expect(sessionQueries(fake)[0]?.has('mode')).toBe(false)
    fireEvent.click(await screen.findByTitle('2'))
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('page')).toBe('2'))

    await choose('mode filter', 'PAPER')
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('mode')).toBe('paper'))
    await choose('profile filter', 'Morning')
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('strategy_id')).toBe('3'))
    const last = sessionQueries(fake).at(-1)
    expect(last?.get('mode')).toBe('paper')
    expect(last?.get('page')).toBe('1')
    expect(last?.has('start')).toBe(false)
  })

  it('turns a picked range into UTC days, either end optional', () => {
    expect(rangeToQuery([dayjs('2025-01-05T23:30:00'), dayjs('2025-01-07T00:10:00')])).toEqual({ start: '2025-01-05', end: '2025-01-07' })
    expect(rangeToQuery([null, dayjs('2025-01-07')])).toEqual({ start: undefined, end: '2025-01-07' })
    expect(rangeToQuery(null)).toEqual({ start: undefined, end: undefined })
  })
})
