import { Table, Tag, Tooltip } from 'antd'

import { formatMoney, formatNumber, formatPercent } from '@/lib/format'

import type { LegView } from '../api/runtime'

/** One row per leg: contract, size, entry, live quote with its age, PnL and fees. */
export function LegsTable({ legs }: { legs: LegView[] }) {
  return (
    <Table<LegView>
      rowKey="symbol"
      size="small"
      pagination={false}
      dataSource={legs}
      scroll={{ x: 1000 }}
      locale={{ emptyText: 'No legs yet.' }}
      columns={[
        { title: 'Leg', dataIndex: 'kind', render: (k: string) => <Tag color={k === 'call' ? 'green' : 'volcano'}>{k}</Tag> },
        { title: 'Symbol', dataIndex: 'symbol' },
        { title: 'Strike', dataIndex: 'strike', render: (v: string) => formatNumber(v, 0) },
        { title: 'From spot', dataIndex: 'distance_from_spot_pct', render: (v: string | null) => formatPercent(v, { signed: true }) },
        { title: 'Δ at entry', dataIndex: 'entry_delta', render: (v: number | null) => formatNumber(v, 3) },
        { title: 'Size', render: (_v, l) => `${l.size} / ${-Math.abs(l.target_size)}` },
        { title: 'Entry', dataIndex: 'entry_price', render: (v: string) => formatMoney(v) },
        { title: 'Bid', dataIndex: 'bid', render: (v: string | null) => formatMoney(v) },
        { title: 'Ask', dataIndex: 'ask', render: (v: string | null) => formatMoney(v) },
        { title: 'Mark', dataIndex: 'mark', render: (v: string | null) => formatMoney(v) },
        {
          title: 'Quote age',
          dataIndex: 'quote_age_seconds',
          render: (v: number | null, l) =>
            l.quote_fresh ? (
              `${formatNumber(v, 1)} s`
            ) : (
              <Tooltip title="No fresh quote: exits will not fire on this leg's old price">
                <Tag color="red">stale {v === null ? '' : `${formatNumber(v, 0)} s`}</Tag>
              </Tooltip>
            ),
        },
        {
          title: 'PnL',
          dataIndex: 'pnl_usd',
          render: (v: string | null) => <span data-testid="leg-pnl">{formatMoney(v, { signed: true })}</span>,
        },
        { title: 'Fees', dataIndex: 'fees_usd', render: (v: string) => formatMoney(v) },
        { title: 'Exit', dataIndex: 'exit_price', render: (v: string | null) => formatMoney(v) },
      ]}
    />
  )
}
