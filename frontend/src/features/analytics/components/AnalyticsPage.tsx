import { DownloadOutlined } from '@ant-design/icons'
import { Alert, App, Button, Card, Col, DatePicker, Empty, Input, Row, Segmented, Select, Space, Statistic, Switch, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime, formatDuration, formatMoney, formatPercent } from '@/lib/format'

import { useExportAnalytics } from '../api/exportAnalytics'
import { useHistory, type AnalyticsFilters, type HistoryReport } from '../api/history'
import { AnalyticsCharts } from './AnalyticsCharts'

function Kpis({ m }: { m: HistoryReport['metrics'] }) {
  const tiles: [string, string][] = [
    ['Net PnL (after fees)', formatMoney(m.net_pnl, { signed: true })],
    ['PnL before fees', formatMoney(m.pnl_before_fees, { signed: true })],
    ['Fees paid', formatMoney(m.fees_total)],
    ['Sessions', String(m.trade_count)],
    ['Win rate', formatPercent(m.win_rate, { digits: 1 })],
    ['Average PnL / session', formatMoney(m.average_pnl, { signed: true })],
    ['Average win', formatMoney(m.average_win, { signed: true })],
    ['Average loss', formatMoney(m.average_loss, { signed: true })],
    ['Max drawdown', formatMoney(m.max_drawdown)],
    ['Max gain', formatMoney(m.max_gain, { signed: true })],
    ['Max loss', formatMoney(m.max_loss, { signed: true })],
    ['Streaks (win / loss)', `${m.consecutive_wins} / ${m.consecutive_losses}`],
    ['Profitable days', `${m.profitable_days} of ${m.days_running}`],
    ['Average holding', formatDuration(m.average_holding_seconds ?? null)],
  ]
  return (
    <Row gutter={[12, 12]}>
      {tiles.map(([title, value]) => (
        <Col xs={12} md={8} xl={6} key={title}>
          <Card size="small">
            <Statistic title={title} value={value} />
          </Card>
        </Col>
      ))}
    </Row>
  )
}

/** Performance over a range: presets, profile and mode filters, KPI tiles, charts, CSV export. */
export function AnalyticsPage() {
  const [filters, setFilters] = useState<AnalyticsFilters>({ preset: '30D', mode: 'all' })
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null)
  const [autoRefresh, setAutoRefresh] = useState(false)
  const report = useHistory(filters, autoRefresh)
  const exporter = useExportAnalytics()
  const zone = useDisplayZone()
  const { message } = App.useApp()
  const r = report.data

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Analytics
      </Typography.Title>
      <Space wrap>
        <Segmented
          aria-label="date range preset"
          value={filters.preset}
          options={['7D', '30D', '90D', { label: 'Custom', value: 'custom' }]}
          onChange={(v) => setFilters((f) => ({ ...f, preset: v as AnalyticsFilters['preset'] }))}
        />
        {filters.preset === 'custom' && (
          <DatePicker.RangePicker
            aria-label="custom date range"
            value={range}
            disabledDate={(d) => d.isAfter(dayjs().endOf('day'))}
            onChange={(v) => {
              setRange(v)
              setFilters((f) => ({ ...f, start: v?.[0]?.startOf('day').toISOString(), end: v?.[1]?.endOf('day').toISOString() }))
            }}
          />
        )}
        <Select
          aria-label="mode"
          value={filters.mode}
          style={{ width: 120 }}
          onChange={(mode) => setFilters((f) => ({ ...f, mode }))}
          options={[
            { value: 'all', label: 'All modes' },
            { value: 'sim', label: 'SIM' },
            { value: 'paper', label: 'PAPER' },
            { value: 'live', label: 'LIVE' },
          ]}
        />
        <Input.Search
          aria-label="profile"
          placeholder="Profile id or name"
          allowClear
          style={{ width: 220 }}
          onSearch={(v) => setFilters((f) => ({ ...f, strategy_id: v.trim() || undefined }))}
        />
        <span>
          <Switch aria-label="auto-refresh" checked={autoRefresh} onChange={setAutoRefresh} size="small" /> auto-refresh (10 s)
        </span>
        <Button
          icon={<DownloadOutlined />}
          loading={exporter.isPending}
          onClick={() => exporter.mutate(filters, { onSuccess: (name) => void message.success(`Downloaded ${name}`) })}
        >
          Export CSV
        </Button>
      </Space>
      <ApiErrorAlert error={report.error ?? exporter.error} />
      {r && (
        <>
          <Typography.Text type="secondary">
            Generated {formatDateTime(r.generated_at, zone)} · {r.status.message}
            {r.status.open_sessions > 0 ? ` · ${r.status.open_sessions} session(s) still open (not counted)` : ''}
          </Typography.Text>
          {r.status.is_stale && <Alert type="warning" showIcon title={r.status.message} />}
          {r.metrics.trade_count === 0 ? (
            <Empty description="No finished sessions in this range." />
          ) : (
            <>
              <Kpis m={r.metrics} />
              <AnalyticsCharts report={r} />
            </>
          )}
        </>
      )}
    </Space>
  )
}
