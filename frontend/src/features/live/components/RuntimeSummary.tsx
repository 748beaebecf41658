import { Card, Col, Descriptions, Row, Statistic, Table, Tag } from 'antd'

import { useDisplayZone } from '@/lib/displayZone'
import { formatCountdown, formatDateTime, formatMoney, formatPercent } from '@/lib/format'

import type { LimitView, Runtime } from '../api/runtime'

const LIMIT_NAMES: Record<string, string> = {
  max_loss: 'Max loss',
  max_profit: 'Max profit',
  trailing_floor: 'Trailing floor',
  giveback: 'Give-back trail',
  time_exit: 'Time exit',
  expiry_guard: 'Expiry guard',
}

/** Schedule countdowns, totals, every limit with its distance to trigger, trailing state and spot. */
export function RuntimeSummary({ runtime, now }: { runtime: Runtime; now: number }) {
  const zone = useDisplayZone()
  const s = runtime.schedule
  const until = (iso: string | null | undefined) => (iso ? (new Date(iso).getTime() - now) / 1000 : null)
  const t = runtime.totals
  const net = t.net_usd ?? null
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={8}>
        <Card size="small" title="Schedule">
          <Descriptions size="small" column={1}>
            <Descriptions.Item label="Trading date">{s.trading_date ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="Next entry">
              {formatDateTime(s.entry_at, zone)} <Tag>{formatCountdown(until(s.entry_at))}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="Latest entry">{formatDateTime(s.latest_entry_at, zone)}</Descriptions.Item>
            <Descriptions.Item label="Planned exit">
              {formatDateTime(s.exit_at, zone)} <Tag>{formatCountdown(until(s.exit_at))}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="Expiry guard">
              {formatDateTime(s.expiry_guard_at, zone)} <Tag>{formatCountdown(until(s.expiry_guard_at))}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="Settlement">{formatDateTime(s.settlement_at, zone)}</Descriptions.Item>
          </Descriptions>
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card size="small" title="Totals">
          <Statistic
            title="Net PnL (after fees)"
            value={formatMoney(net, { signed: true })}
            styles={{ content: { color: net === null ? undefined : Number(net) >= 0 ? '#389e0d' : '#cf1322' } }}
          />
          <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
            <Descriptions.Item label="Net % of premium">{formatPercent(t.net_pct_of_premium, { signed: true })}</Descriptions.Item>
            <Descriptions.Item label="Premium collected">{formatMoney(t.premium_collected_usd)}</Descriptions.Item>
            <Descriptions.Item label="Realised (gross)">{formatMoney(t.realised_gross_usd, { signed: true })}</Descriptions.Item>
            <Descriptions.Item label="Unrealised">{formatMoney(t.unrealised_usd, { signed: true })}</Descriptions.Item>
            <Descriptions.Item label="Fees">{formatMoney(t.fees_usd)}</Descriptions.Item>
          </Descriptions>
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card size="small" title="Limits and spot">
          <Table<LimitView>
            rowKey="name"
            size="small"
            pagination={false}
            dataSource={runtime.limits}
            locale={{ emptyText: 'No limits set.' }}
            columns={[
              { title: 'Limit', dataIndex: 'name', render: (n: string) => LIMIT_NAMES[n] ?? n },
              { title: 'Triggers at', dataIndex: 'trigger_pct', render: (v: string | null) => formatPercent(v, { signed: true }) },
              { title: 'Distance', dataIndex: 'distance_pct', render: (v: string | null) => formatPercent(v) },
            ]}
          />
          <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
            <Descriptions.Item label="Trailing floor">{formatPercent(runtime.trailing.floor_pct as string | null)}</Descriptions.Item>
            <Descriptions.Item label="Peak profit">{formatPercent(runtime.trailing.peak_net_pct as string | null)}</Descriptions.Item>
            <Descriptions.Item label="Spot now">{formatMoney(runtime.spot.now)}</Descriptions.Item>
            <Descriptions.Item label="Spot at entry">{formatMoney(runtime.spot.entry)}</Descriptions.Item>
          </Descriptions>
        </Card>
      </Col>
    </Row>
  )
}
