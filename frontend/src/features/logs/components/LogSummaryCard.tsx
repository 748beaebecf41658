import { Alert, Card, Descriptions, Space, Tag, Typography } from 'antd'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime, formatDuration } from '@/lib/format'

import { useLogSummary } from '../api/logSummary'
import { LevelTag } from './LevelTag'

// The tailer polls about every quarter second; a few seconds behind is normal under load.
const LAG_WARN_SECONDS = 10

/** Last hour at a glance: counts per level, latest error and warning, and how far ingestion lags. */
export function LogSummaryCard() {
  const summary = useLogSummary()
  const zone = useDisplayZone()
  const data = summary.data
  const lag = data?.ingestion.last_row_delay_seconds ?? null
  return (
    <Card size="small" title="Last hour" loading={summary.isLoading} data-testid="log-summary">
      <ApiErrorAlert error={summary.error} />
      {data && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space wrap>
            {Object.entries(data.counts_by_level).map(([level, count]) => (
              <span key={level}>
                <LevelTag level={level} /> {count}
              </span>
            ))}
          </Space>
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label="Ingestion lag">
              <span data-testid="ingestion-lag">
                {lag === null ? '—' : formatDuration(lag)}
                {data.ingestion.lag_bytes ? ` (${data.ingestion.lag_bytes} bytes unread)` : ''}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label="Newest row">{formatDateTime(data.ingestion.newest_logged_at, zone)}</Descriptions.Item>
            <Descriptions.Item label="Top events">
              {data.top_events.slice(0, 5).map((e) => (
                <Tag key={e.name}>
                  {e.name} × {e.count}
                </Tag>
              ))}
            </Descriptions.Item>
          </Descriptions>
          {lag !== null && lag > LAG_WARN_SECONDS && (
            <Alert type="warning" showIcon title={`Log ingestion is ${formatDuration(lag)} behind: the newest lines may be missing.`} />
          )}
          {data.latest_error && (
            <Typography.Text type="danger">
              Latest error {formatDateTime(data.latest_error.logged_at, zone)}: {data.latest_error.message}
            </Typography.Text>
          )}
          {data.latest_warning && (
            <Typography.Text type="warning">
              Latest warning {formatDateTime(data.latest_warning.logged_at, zone)}: {data.latest_warning.message}
            </Typography.Text>
          )}
        </Space>
      )}
    </Card>
  )
}
