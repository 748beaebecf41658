import { Badge, Card, Space, Tag, Typography } from 'antd'
import { useEffect, useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useHasRole } from '@/lib/currentUser'
import { formatNumber } from '@/lib/format'

import { useRuntime } from '../api/runtime'
import { useRuntimeStream, type StreamState } from '../api/stream'
import { ControlPanel } from './ControlPanel'
import { LegsTable } from './LegsTable'
import { PayoffChart } from './PayoffChart'
import { RuntimeAlerts } from './RuntimeAlerts'
import { RuntimeSummary } from './RuntimeSummary'

const STREAM_BADGE: Record<StreamState, ['success' | 'processing' | 'warning' | 'error', string]> = {
  live: ['success', 'live'],
  connecting: ['processing', 'connecting…'],
  retrying: ['warning', 'disconnected, retrying'],
  unavailable: ['error', 'engine not running here: polling'],
}
const STATUS_COLOURS: Record<string, string> = { idle: 'default', waiting: 'blue', entering: 'gold', live: 'green', exiting: 'orange', halted: 'red', done: 'default' }

/** Watch and steer the engine: status, countdowns, legs, limits, payoff, and the control buttons. */
export function LiveControlPage() {
  const stream = useRuntimeStream()
  // Poll only while the stream is not delivering, so the page never silently freezes.
  const runtime = useRuntime(stream.state === 'live' ? false : 4000)
  const canControl = useHasRole('trader')
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(id)
  }, [])
  const r = runtime.data
  const [badge, label] = STREAM_BADGE[stream.state]
  const age = r ? Math.max(0, (now - new Date(r.generated_at).getTime()) / 1000) : null

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          Live Control
        </Typography.Title>
        <Space wrap>
          <Badge status={badge} text={`Stream: ${label}`} data-testid="stream-state" />
          {age !== null && <Typography.Text type={age > 15 ? 'danger' : 'secondary'}>snapshot {formatNumber(age, 0)} s old</Typography.Text>}
        </Space>
      </Space>
      <ApiErrorAlert error={runtime.error} />
      {r && (
        <>
          <Card size="small">
            <Space wrap size="large">
              <span>
                Status{' '}
                <Tag color={STATUS_COLOURS[r.status] ?? 'default'} data-testid="engine-status" style={{ fontSize: 14 }}>
                  {r.status}
                </Tag>
              </span>
              <span>Profile: {r.profile_name ? `${r.profile_name} (v${r.config_version})` : '—'}</span>
              <span>Session: {r.session_id ?? '—'}</span>
              <span>Armed: {r.armed ? 'yes, repeats daily' : 'no'}</span>
              <span>Engine: {r.engine_running ? 'running' : <Tag color="red">not running</Tag>}</span>
              {r.exit_reason && <span>Exit reason: <Tag data-testid="exit-reason">{r.exit_reason}</Tag></span>}
            </Space>
          </Card>
          <RuntimeAlerts runtime={r} />
          {canControl ? (
            <Card size="small" title="Control">
              <ControlPanel runtime={r} />
            </Card>
          ) : (
            <Typography.Text type="secondary">You can watch; starting and stopping needs the trader role.</Typography.Text>
          )}
          <RuntimeSummary runtime={r} now={now} />
          <Card size="small" title="Legs">
            <LegsTable legs={r.legs} />
          </Card>
          <PayoffChart />
        </>
      )}
    </Space>
  )
}
