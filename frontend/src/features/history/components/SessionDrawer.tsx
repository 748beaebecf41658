import { Descriptions, Drawer, Space, Table, Tabs, Tag, Typography } from 'antd'
import { Link } from 'react-router-dom'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime, formatMoney, formatNumber } from '@/lib/format'

import { useSessionDetail, type SessionDetail } from '../api/sessionDetail'

type Order = SessionDetail['orders'][number]
type Fill = SessionDetail['fills'][number]
type Event = SessionDetail['events'][number]
type Leg = SessionDetail['legs'][number]

/** One session in full: outcome, legs, orders, fills, events and the profile version it ran with. */
export function SessionDrawer({ id, onClose }: { id: number | null; onClose: () => void }) {
  const detail = useSessionDetail(id)
  const zone = useDisplayZone()
  const d = detail.data
  const t = (v: string | null | undefined) => formatDateTime(v, zone)
  return (
    <Drawer open={id !== null} onClose={onClose} size={900} title={id ? `Session ${id}` : ''}>
      <ApiErrorAlert error={detail.error} />
      {d && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" bordered column={2}>
            <Descriptions.Item label="Profile">
              {d.profile_name} (version {d.config_version ?? '?'})
            </Descriptions.Item>
            <Descriptions.Item label="Mode">{d.mode}</Descriptions.Item>
            <Descriptions.Item label="State">{d.state}</Descriptions.Item>
            <Descriptions.Item label="Exit reason">
              {d.exit_reason ? <Tag data-testid="detail-exit-reason">{d.exit_reason}</Tag> : '—'} {d.exit_detail}
            </Descriptions.Item>
            <Descriptions.Item label="Started">{t(d.started_at)}</Descriptions.Item>
            <Descriptions.Item label="Ended">{t(d.ended_at)}</Descriptions.Item>
            <Descriptions.Item label="Net PnL">{formatMoney(d.pnl.net_usd as string | undefined, { signed: true })}</Descriptions.Item>
            <Descriptions.Item label="Fees">{formatMoney(d.pnl.fees_usd as string | undefined)}</Descriptions.Item>
            <Descriptions.Item label="Started by">{d.started_by ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="Logs">
              <Link to={`/logs?session_id=${d.id}`}>Open this session's logs</Link>
            </Descriptions.Item>
            {d.halt_reason && <Descriptions.Item label="Halt reason">{d.halt_reason}</Descriptions.Item>}
          </Descriptions>
          <Tabs
            items={[
              {
                key: 'legs',
                label: `Legs (${d.legs.length})`,
                children: (
                  <Table<Leg>
                    rowKey="id"
                    size="small"
                    pagination={false}
                    dataSource={d.legs}
                    columns={[
                      { title: 'Symbol', dataIndex: 'symbol' },
                      { title: 'Strike', dataIndex: 'strike', render: (v: string) => formatNumber(v, 0) },
                      { title: 'Size', dataIndex: 'size' },
                      { title: 'Entry', dataIndex: 'avg_entry_price', render: (v: string) => formatMoney(v) },
                      { title: 'Exit', dataIndex: 'exit_price', render: (v: string | null) => formatMoney(v) },
                      { title: 'Premium', dataIndex: 'entry_premium_usd', render: (v: string) => formatMoney(v) },
                      { title: 'Realised', dataIndex: 'realised_gross_usd', render: (v: string) => formatMoney(v, { signed: true }) },
                      { title: 'Fees', dataIndex: 'fees_usd', render: (v: string) => formatMoney(v) },
                    ]}
                  />
                ),
              },
              {
                key: 'orders',
                label: `Orders (${d.orders.length})`,
                children: (
                  <Table<Order>
                    rowKey="id"
                    size="small"
                    pagination={{ pageSize: 20 }}
                    dataSource={d.orders}
                    scroll={{ x: 900 }}
                    columns={[
                      { title: 'Created', dataIndex: 'created_at', render: t },
                      { title: 'Client id', dataIndex: 'client_order_id' },
                      { title: 'Purpose', dataIndex: 'purpose' },
                      { title: 'Symbol', dataIndex: 'symbol' },
                      { title: 'Side', dataIndex: 'side' },
                      { title: 'Size', dataIndex: 'size' },
                      { title: 'Limit', dataIndex: 'limit_price', render: (v: string | null) => formatMoney(v) },
                      { title: 'Filled', render: (_v, o) => `${o.filled_size} @ ${formatMoney(o.average_fill_price)}` },
                      { title: 'Status', dataIndex: 'status', render: (v: string) => <Tag>{v}</Tag> },
                    ]}
                  />
                ),
              },
              {
                key: 'fills',
                label: `Fills (${d.fills.length})`,
                children: (
                  <Table<Fill>
                    rowKey="fill_id"
                    size="small"
                    pagination={false}
                    dataSource={d.fills}
                    columns={[
                      { title: 'Time', dataIndex: 'occurred_at', render: t },
                      { title: 'Symbol', dataIndex: 'symbol' },
                      { title: 'Side', dataIndex: 'side' },
                      { title: 'Size', dataIndex: 'size' },
                      { title: 'Price', dataIndex: 'price', render: (v: string) => formatMoney(v) },
                      { title: 'Commission', dataIndex: 'commission', render: (v: string) => formatMoney(v, { digits: 4 }) },
                      { title: 'Fee source', dataIndex: 'fee_source' },
                    ]}
                  />
                ),
              },
              {
                key: 'events',
                label: `Events (${d.events.length})`,
                children: (
                  <Table<Event>
                    rowKey={(e) => `${e.occurred_at}-${e.kind}-${e.message}`}
                    size="small"
                    pagination={{ pageSize: 50 }}
                    dataSource={d.events}
                    expandable={{ expandedRowRender: (e) => <pre style={{ margin: 0 }}>{JSON.stringify(e.details, null, 2)}</pre> }}
                    columns={[
                      { title: 'Time', dataIndex: 'occurred_at', render: t },
                      { title: 'Kind', dataIndex: 'kind', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
                      { title: 'Level', dataIndex: 'level' },
                      { title: 'Message', dataIndex: 'message' },
                    ]}
                  />
                ),
              },
              {
                key: 'config',
                label: 'Profile version used',
                children: <pre style={{ maxHeight: 500, overflow: 'auto' }}>{JSON.stringify(d.config_snapshot, null, 2)}</pre>,
              },
            ]}
          />
        </Space>
      )}
    </Drawer>
  )
}
