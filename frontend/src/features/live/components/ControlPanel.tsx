import { Alert, App, Button, Checkbox, Modal, Radio, Select, Space, Typography } from 'antd'
import { useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'

import { useControl, type ControlRequest } from '../api/control'
import type { Runtime } from '../api/runtime'
import { useStartableProfiles } from '../api/startableProfiles'

type Action = 'start' | 'stop' | 'restart' | 'panic'

function openLegs(runtime: Runtime): number {
  return runtime.legs.filter((l) => l.size !== 0).length
}

/** What each command will do, in words, given what is open now. */
export function consequence(action: Action, runtime: Runtime): string {
  const open = openLegs(runtime)
  const positions = open === 0 ? 'No position is open.' : `${open} leg${open > 1 ? 's are' : ' is'} open.`
  switch (action) {
    case 'start':
      return 'Arms the profile: the engine waits for the next entry time on a trading day (or enters now if ticked), runs one cycle, and repeats daily until stopped.'
    case 'stop':
      return `${positions} Stop disarms the profile: no new entries.${open ? ' Choose what happens to the open legs.' : ''}`
    case 'restart':
      return `${positions} Restart reconciles the engine with the exchange (orders, fills, positions) and resumes monitoring; it does not close anything.`
    case 'panic':
      return `${positions} PANIC cancels every open order of this session's instruments and buys back every open leg now. This cannot be undone.`
  }
}

/** Start / stop / restart / panic, each behind a confirmation that says what happens to positions. */
export function ControlPanel({ runtime }: { runtime: Runtime }) {
  const control = useControl()
  const { message } = App.useApp()
  const idle = runtime.status === 'idle'
  const profiles = useStartableProfiles(idle)
  const [pending, setPending] = useState<Action | null>(null)
  const [profileId, setProfileId] = useState<number | null>(null)
  const [enterNow, setEnterNow] = useState(false)
  const [stopMode, setStopMode] = useState<'keep_monitoring' | 'flatten' | null>(null)
  const chosen = profileId ?? profiles.data?.[0]?.id ?? null
  const open = openLegs(runtime)

  const send = () => {
    if (!pending) return
    const body: ControlRequest =
      pending === 'start'
        ? { action: 'start', configuration_id: chosen, enter_now: enterNow }
        : pending === 'stop'
          ? { action: 'stop', stop_mode: open ? stopMode : null, enter_now: false }
          : { action: pending, enter_now: false }
    control.mutate(body, {
      onSuccess: (r) => {
        // in_progress (HTTP 202): the engine is still at it (a slow flatten); the live page shows the rest.
        const say = r.status === 'in_progress' ? message.info : message.success
        void say(`${r.action}: ${r.message}`)
        setPending(null)
        setStopMode(null)
      },
    })
  }

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="control-panel">
      <Space wrap>
        {idle && (
          <>
            <Select
              aria-label="profile to start"
              // Typing a name narrows the list: the keyboard's way to pick one of many profiles.
              showSearch={{ optionFilterProp: 'label' }}
              style={{ minWidth: 220 }}
              loading={profiles.isLoading}
              value={chosen ?? undefined}
              placeholder="No profile yet"
              onChange={setProfileId}
              options={(profiles.data ?? []).map((p) => ({
                value: p.id,
                label: `${p.name} (v${p.version}, ${p.underlying})${p.is_active ? ' · active' : ''}`,
              }))}
            />
            <Checkbox checked={enterNow} onChange={(e) => setEnterNow(e.target.checked)}>
              Enter now
            </Checkbox>
            <Button type="primary" disabled={chosen === null} onClick={() => setPending('start')}>
              Start
            </Button>
          </>
        )}
        {!idle && (
          <Button onClick={() => setPending('stop')} disabled={!runtime.armed && open === 0}>
            Stop
          </Button>
        )}
        <Button onClick={() => setPending('restart')} disabled={!runtime.engine_running}>
          Restart
        </Button>
        <Button danger type="primary" onClick={() => setPending('panic')} disabled={runtime.session_id === null || idle}>
          Panic: flatten now
        </Button>
      </Space>
      <ApiErrorAlert error={control.error} title="Command refused" />
      <Modal
        open={pending !== null}
        title={pending === 'panic' ? 'Panic: flatten everything now?' : `${pending ? pending[0]?.toUpperCase() + pending.slice(1) : ''}?`}
        okText={pending === 'panic' ? 'Flatten now' : `Yes, ${pending}`}
        okButtonProps={{ danger: pending === 'panic' || pending === 'stop', disabled: pending === 'stop' && open > 0 && stopMode === null }}
        confirmLoading={control.isPending}
        onOk={send}
        onCancel={() => {
          setPending(null)
          control.reset()
        }}
      >
        {pending && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Paragraph data-testid="confirm-consequence">{consequence(pending, runtime)}</Typography.Paragraph>
            {pending === 'start' && runtime.mode === 'live' && (
              <Alert type="error" showIcon title="LIVE mode: this will place real orders with real money." />
            )}
            {pending === 'stop' && open > 0 && (
              <Radio.Group
                aria-label="what to do with open positions"
                value={stopMode}
                onChange={(e) => setStopMode(e.target.value as 'keep_monitoring' | 'flatten')}
                options={[
                  { value: 'keep_monitoring', label: 'Keep monitoring: the legs stay open until their exit rules fire' },
                  { value: 'flatten', label: 'Flatten now: buy back every open leg' },
                ]}
                style={{ display: 'flex', flexDirection: 'column', gap: 8 }}
              />
            )}
            <ApiErrorAlert error={control.error} title="Command refused" />
          </Space>
        )}
      </Modal>
    </Space>
  )
}
