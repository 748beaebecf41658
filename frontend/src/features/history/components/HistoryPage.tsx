import { DownloadOutlined } from '@ant-design/icons'
import { App, Button, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime, formatDuration, formatMoney } from '@/lib/format'

import { useExportSessions } from '../api/exportSessions'
import { useSessions, type SessionFilters, type SessionSummary } from '../api/listSessions'
import { SessionDrawer } from './SessionDrawer'
import { SessionFilterBar } from './SessionFilterBar'

const MODE_COLOURS: Record<string, string> = { sim: 'blue', paper: 'gold', live: 'red' }

function duration(s: SessionSummary): number | null {
  if (!s.started_at) return null
  const end = s.ended_at ? new Date(s.ended_at).getTime() : Date.now()
  return (end - new Date(s.started_at).getTime()) / 1000
}

/** Every session, newest first, filtered and paged on the server; a drawer shows one in full; CSV export. */
export function HistoryPage() {
  const [page, setPage] = useState(1)
  const [pageSize, setPageSize] = useState(25)
  const [open, setOpen] = useState<number | null>(null)
  const [filters, setFilters] = useState<SessionFilters>({})
  const sessions = useSessions(page, pageSize, filters)
  const exporter = useExportSessions()
  const zone = useDisplayZone()
  const { message } = App.useApp()

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          History
        </Typography.Title>
        <Button
          icon={<DownloadOutlined />}
          loading={exporter.isPending}
          title="Exports the sessions the filters below select"
          onClick={() => exporter.mutate(filters, { onSuccess: (name) => void message.success(`Downloaded ${name}`) })}
        >
          Export CSV
        </Button>
      </Space>
      <SessionFilterBar
        value={filters}
        onChange={(next) => {
          setFilters(next)
          setPage(1) // a narrower list may not have the page the operator was on
        }}
      />
      <ApiErrorAlert error={sessions.error ?? exporter.error} />
      <Table<SessionSummary>
        rowKey="id"
        size="middle"
        loading={sessions.isLoading}
        dataSource={sessions.data?.items ?? []}
        locale={{ emptyText: Object.values(filters).some((v) => v != null) ? 'No session matches these filters.' : 'No sessions yet.' }}
        scroll={{ x: 1100 }}
        pagination={{
          current: page,
          pageSize,
          total: sessions.data?.total ?? 0,
          pageSizeOptions: [10, 25, 50, 100],
          showSizeChanger: true,
          showTotal: (total) => `${total} session${total === 1 ? '' : 's'}`,
          onChange: (p, size) => {
            setPage(size === pageSize ? p : 1)
            setPageSize(size)
          },
        }}
        columns={[
          { title: 'Session', dataIndex: 'id', width: 80 },
          { title: 'Profile', render: (_v, s) => `${s.profile_name}${s.config_version ? ` v${s.config_version}` : ''}` },
          { title: 'Mode', dataIndex: 'mode', render: (m: string) => <Tag color={MODE_COLOURS[m]}>{m.toUpperCase()}</Tag> },
          { title: 'State', dataIndex: 'state' },
          { title: 'Started', dataIndex: 'started_at', render: (v: string | null) => formatDateTime(v, zone) },
          { title: 'Duration', render: (_v, s) => formatDuration(duration(s)) },
          { title: 'Net PnL', render: (_v, s) => formatMoney(s.pnl.net_usd as string | undefined, { signed: true }) },
          { title: 'Fees', render: (_v, s) => formatMoney(s.pnl.fees_usd as string | undefined) },
          {
            title: 'Exit reason',
            dataIndex: 'exit_reason',
            render: (v: string | null) => (v ? <Tag data-testid="exit-reason-cell">{v}</Tag> : '—'),
          },
          { title: 'Legs', render: (_v, s) => s.legs.length },
          {
            title: '',
            render: (_v, s) => (
              <Button size="small" onClick={() => setOpen(s.id)} aria-label={`details of session ${s.id}`}>
                Details
              </Button>
            ),
          },
        ]}
      />
      <SessionDrawer id={open} onClose={() => setOpen(null)} />
    </Space>
  )
}
