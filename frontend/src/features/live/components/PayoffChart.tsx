import { Card, Empty, Typography } from 'antd'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { EChart } from '@/components/EChart'
import { formatMoney } from '@/lib/format'

import { useRiskSnapshot, type RiskSnapshot } from '../api/riskSnapshot'

const LEVEL_COLOURS: Record<string, string> = { breakeven: '#8c8c8c', max_loss: '#cf1322', max_profit: '#389e0d', trailing_floor: '#d48806' }

function option(book: RiskSnapshot) {
  const spot = (s: string) => Number(s)
  const marks = book.levels.flatMap((level) =>
    level.at_expiry.map((at) => ({
      xAxis: spot(at.spot),
      name: level.name,
      lineStyle: { color: LEVEL_COLOURS[level.name] ?? '#1677ff', type: 'dashed' as const },
      label: { formatter: level.name.replace(/_/g, ' '), color: LEVEL_COLOURS[level.name] ?? '#1677ff' },
    })),
  )
  return {
    tooltip: { trigger: 'axis' as const, valueFormatter: (v: unknown) => formatMoney(v as number, { signed: true }) },
    legend: { top: 0 },
    grid: { left: 60, right: 24, top: 40, bottom: 40 },
    xAxis: { type: 'value' as const, name: 'spot', scale: true },
    yAxis: { type: 'value' as const, name: 'net PnL (USD)' },
    series: [
      {
        name: 'at expiry',
        type: 'line' as const,
        showSymbol: false,
        data: book.ladder.map((r) => [spot(r.spot), Number(r.net_at_expiry_usd)]),
        markLine: { symbol: 'none', data: [...marks, { xAxis: spot(book.spot), name: 'spot', label: { formatter: 'spot' } }] },
      },
      {
        name: 'at current marks',
        type: 'line' as const,
        showSymbol: false,
        data: book.ladder.filter((r) => r.net_at_marks_usd !== null).map((r) => [spot(r.spot), Number(r.net_at_marks_usd)]),
      },
    ],
  }
}

/** The payoff ladder over spot with breakevens and exit levels drawn. */
export function PayoffChart() {
  const risk = useRiskSnapshot()
  return (
    <Card size="small" title="Payoff ladder">
      <ApiErrorAlert error={risk.error} />
      {risk.data ? (
        <>
          <EChart option={option(risk.data)} height={320} label="payoff at expiry and at current marks over spot, with breakevens and exit levels" />
          <Typography.Text type="secondary">Mark curve: {risk.data.mark_curve}</Typography.Text>
        </>
      ) : (
        !risk.isLoading && <Empty description="No open positions: nothing to draw." />
      )}
    </Card>
  )
}
