import { screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { press, renderWithProviders } from '@/test/render'

import { FeeCalculatorPage } from './FeeCalculatorPage'

const QUOTE = {
  contract_value: '0.001',
  notional_usd: '950.00',
  premium_value_usd: '1.50',
  notional_fee_usd: '0.1425',
  premium_cap_usd: '0.0525',
  fee_usd: '0.0525',
  gst_usd: '0.00945',
  total_usd: '0.06195',
  cap_applied: true,
  schedule: { effective_from: '2025-01-01T00:00:00Z', rate_pct: '0.015', cap_pct: '3.5', gst_pct: '18', label: 'promo' },
}

describe('FeeCalculatorPage', () => {
  it('sends decimals as strings and shows which rule applied', async () => {
    const fake = installFakeApi({ 'POST /trading/fees/quote': { body: QUOTE } })
    renderWithProviders(<FeeCalculatorPage />)
    press('Calculate fee')
    expect(await screen.findByText('premium cap')).toBeInTheDocument()
    expect(screen.getByText('$0.0620')).toBeInTheDocument()
    await waitFor(() => expect(fake.requests).toHaveLength(1))
    expect(JSON.parse(fake.requests[0]?.body ?? '{}')).toEqual({
      underlying: 'BTC',
      index_price: '95000',
      option_price: '150',
      contracts: 10,
      apply_gst: true,
    })
  })

  it('puts a server validation error under its field', async () => {
    installFakeApi({
      'POST /trading/fees/quote': {
        status: 422,
        body: { detail: [{ loc: ['body', 'index_price'], msg: 'Input should be greater than 0' }] },
      },
    })
    renderWithProviders(<FeeCalculatorPage />)
    press('Calculate fee')
    const message = await screen.findByText('Input should be greater than 0')
    expect(message.closest('.ant-form-item')).toHaveTextContent('Index price (USD)')
  })
})
