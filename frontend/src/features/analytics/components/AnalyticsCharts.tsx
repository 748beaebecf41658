import { Card, Col, Row } from 'antd'

import { EChart } from '@/components/EChart'
import { formatMoney } from '@/lib/format'

import type { HistoryReport } from '../api/history'

type Point = HistoryReport['charts']['cumulative_pnl'][number]

const series = (name: string, points: Point[], extra: object = {}) => ({
  name,
  type: 'line' as const,
  showSymbol: false,
  data: points.map((p) => [p.timestamp, Number(p.value)]),
  ...extra,
})

const money = { valueFormatter: (v: unknown) => formatMoney(v as number, { signed: true }) }
const timeAxis = { type: 'time' as const }
const grid = { left: 56, right: 16, top: 36, bottom: 32 }

/** Cumulative PnL, drawdown, rolling win rate, PnL histogram and figures per exit reason. */
export function AnalyticsCharts({ report }: { report: HistoryReport }) {
  const c = report.charts
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}>
        <Card size="small" title="Cumulative PnL">
          <EChart
            label="cumulative net PnL, PnL before fees and fees over time"
            option={{
              tooltip: { trigger: 'axis', ...money },
              legend: { top: 0 },
              grid,
              xAxis: timeAxis,
              yAxis: { type: 'value' },
              series: [
                series('Net', c.cumulative_pnl, { areaStyle: { opacity: 0.15 } }),
                series('Before fees', c.cumulative_gross_pnl),
                series('Fees', c.cumulative_fees),
              ],
            }}
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title="Drawdown">
          <EChart
            label="drawdown from the running peak over time"
            option={{ tooltip: { trigger: 'axis', ...money }, grid, xAxis: timeAxis, yAxis: { type: 'value' }, series: [series('Drawdown', c.drawdown, { areaStyle: { opacity: 0.2 }, color: '#cf1322' })] }}
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title="Rolling win rate (last 10 sessions)">
          <EChart
            label="rolling win rate over time"
            option={{ tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${Number(v).toFixed(1)}%` }, grid, xAxis: timeAxis, yAxis: { type: 'value', max: 100, min: 0 }, series: [series('Win rate %', c.rolling_win_rate)] }}
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title="Session PnL histogram">
          <EChart
            label="number of sessions per net PnL bucket"
            option={{
              tooltip: { trigger: 'axis' },
              grid,
              xAxis: { type: 'category', data: c.pnl_histogram.map((b) => `${formatMoney(b.start)}…${formatMoney(b.end)}`) },
              yAxis: { type: 'value', minInterval: 1 },
              series: [{ name: 'sessions', type: 'bar', data: c.pnl_histogram.map((b) => b.count) }],
            }}
          />
        </Card>
      </Col>
      <Col xs={24}>
        <Card size="small" title="Net PnL per exit reason">
          <EChart
            label="net PnL and session count per exit reason"
            height={240}
            option={{
              tooltip: { trigger: 'axis', ...money },
              grid,
              xAxis: { type: 'category', data: report.exit_reasons.map((e) => `${e.exit_reason} (${e.count})`) },
              yAxis: { type: 'value' },
              series: [{ name: 'net PnL', type: 'bar', data: report.exit_reasons.map((e) => Number(e.net_pnl)) }],
            }}
          />
        </Card>
      </Col>
    </Row>
  )
}
