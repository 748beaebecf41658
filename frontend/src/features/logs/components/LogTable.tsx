import { Button, Table, Typography } from 'antd'

import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime } from '@/lib/format'

import type { LogFilters } from '../api/filters'
import type { LogRow } from '../api/listLogs'
import { LevelTag } from './LevelTag'

function IdLink({ value, label, onPick }: { value: string | null; label: string; onPick: () => void }) {
  if (!value) return <span>—</span>
  return (
    <Button type="link" size="small" style={{ padding: 0, height: 'auto' }} onClick={onPick} aria-label={`filter by ${label} ${value}`}>
      {value}
    </Button>
  )
}

/** Logs newest first; each row expands to its full structured payload; ids filter when clicked. */
export function LogTable({
  rows,
  loading,
  onFilter,
}: {
  rows: LogRow[]
  loading: boolean
  onFilter: (patch: LogFilters) => void
}) {
  const zone = useDisplayZone()
  return (
    <Table<LogRow>
      rowKey="id"
      size="small"
      loading={loading}
      dataSource={rows}
      pagination={false}
      scroll={{ x: 1100 }}
      expandable={{
        expandedRowRender: (row) => (
          <pre style={{ margin: 0, maxHeight: 400, overflow: 'auto', fontSize: 12 }} data-testid="log-payload">
            {row.raw ?? JSON.stringify(row.payload, null, 2)}
          </pre>
        ),
      }}
      columns={[
        { title: 'Time', dataIndex: 'logged_at', width: 200, render: (v: string) => formatDateTime(v, zone) },
        { title: 'Level', dataIndex: 'level', width: 100, render: (v: string) => <LevelTag level={v} /> },
        { title: 'Event', dataIndex: 'event', width: 200, render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
        { title: 'Message', dataIndex: 'message', ellipsis: true },
        { title: 'Logger', dataIndex: 'logger', width: 200, ellipsis: true },
        {
          title: 'Correlation',
          dataIndex: 'correlation_id',
          width: 150,
          ellipsis: true,
          render: (v: string | null) => <IdLink value={v} label="correlation id" onPick={() => onFilter({ correlation_id: v ?? undefined })} />,
        },
        {
          title: 'Session',
          dataIndex: 'session_id',
          width: 90,
          render: (v: string | null) => <IdLink value={v} label="session id" onPick={() => onFilter({ session_id: v ?? undefined })} />,
        },
      ]}
    />
  )
}
