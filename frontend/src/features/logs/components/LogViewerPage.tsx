import { DownloadOutlined } from '@ant-design/icons'
import { Badge, Button, Card, Select, Space, Switch, Typography } from 'antd'
import { useCallback, useMemo, useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'

import { useExportLogs } from '../api/exportLogs'
import { filtersFromParams, filtersToParams, type LogFilters } from '../api/filters'
import { useLogs, type LogRow } from '../api/listLogs'
import { useLogTail, type TailState } from '../api/tailLogs'
import { LogFiltersForm } from './LogFiltersForm'
import { LogSummaryCard } from './LogSummaryCard'
import { LogTable } from './LogTable'

const PAGE_SIZES = [50, 100, 200, 500]
const MAX_TAILED = 500
const TAIL_LABEL: Record<TailState, [string, 'default' | 'processing' | 'success' | 'warning']> = {
  off: ['off', 'default'],
  connecting: ['connecting…', 'processing'],
  live: ['live', 'success'],
  retrying: ['disconnected, retrying', 'warning'],
}

/** Search the backend's structured logs: filters in the URL, cursor paging, live tail, export. */
export function LogViewerPage() {
  const [params, setParams] = useSearchParams()
  const filters = useMemo(() => filtersFromParams(params), [params])
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const [limit, setLimit] = useState(100)
  const [tail, setTail] = useState(false)
  const [tailed, setTailed] = useState<LogRow[]>([])
  const cursor = cursors[cursors.length - 1] ?? null
  const page = useLogs(filters, cursor, limit)
  const exporter = useExportLogs()

  const applyFilters = (next: LogFilters) => {
    setCursors([null])
    setTailed([])
    setParams(filtersToParams(next))
  }
  const onRows = useCallback((rows: LogRow[]) => {
    setTailed((old) => [...rows.slice().reverse(), ...old].slice(0, MAX_TAILED))
  }, [])
  const tailState = useLogTail(tail && cursors.length === 1, filters, onRows)

  const seen = new Set(tailed.map((r) => r.id))
  const rows = [...tailed, ...(page.data?.items ?? []).filter((r) => !seen.has(r.id))]
  const total = page.data?.total
  const [label, status] = TAIL_LABEL[tailState]

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Log Viewer
      </Typography.Title>
      <LogSummaryCard />
      <Card size="small">
        <LogFiltersForm filters={filters} onChange={applyFilters} />
      </Card>
      <Space wrap>
        <Switch aria-label="live tail" checked={tail} onChange={setTail} disabled={cursors.length > 1} />
        <span>
          Live tail <Badge status={status} text={tail ? label : 'off'} data-testid="tail-state" />
        </span>
        <Button onClick={() => setCursors([null])} disabled={cursors.length === 1}>
          Newest
        </Button>
        <Button onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length === 1}>
          Newer
        </Button>
        <Button
          onClick={() => page.data?.next_cursor && setCursors((c) => [...c, page.data?.next_cursor ?? null])}
          disabled={!page.data?.next_cursor}
        >
          Older
        </Button>
        <Select
          aria-label="rows per page"
          value={limit}
          onChange={(v) => {
            setCursors([null])
            setLimit(v)
          }}
          options={PAGE_SIZES.map((n) => ({ value: n, label: `${n} / page` }))}
        />
        <Typography.Text type="secondary" data-testid="log-total">
          {total ? `${total.relation === 'eq' ? '' : total.relation === 'gte' ? 'at least ' : 'about '}${total.value} matching` : ''}
          {cursors.length > 1 ? ` · page ${cursors.length}` : ''}
        </Typography.Text>
        <Button
          icon={<DownloadOutlined />}
          loading={exporter.isPending && exporter.variables?.format === 'csv'}
          onClick={() => exporter.mutate({ filters, format: 'csv' })}
        >
          Export CSV
        </Button>
        <Button
          icon={<DownloadOutlined />}
          loading={exporter.isPending && exporter.variables?.format === 'ndjson'}
          onClick={() => exporter.mutate({ filters, format: 'ndjson' })}
        >
          Export NDJSON
        </Button>
      </Space>
      <ApiErrorAlert error={page.error ?? exporter.error} />
      <LogTable rows={rows} loading={page.isFetching && !page.data} onFilter={(patch) => applyFilters({ ...filters, ...patch })} />
    </Space>
  )
}
