import { PlusOutlined } from '@ant-design/icons'
import { App, Button, Card, Popconfirm, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useHasRole } from '@/lib/currentUser'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime } from '@/lib/format'

import { useProfiles } from '../api/listProfiles'
import { useProfileAction } from '../api/profileActions'
import type { Profile } from '../api/types'
import { ProfileForm } from './ProfileForm'
import { VersionsDrawer } from './VersionsDrawer'

function strikeSummary(p: Profile): string {
  const s = p.config.strikes
  if (s.mode === 'delta') return `delta ${s.delta_low}–${s.delta_high}`
  if (s.mode === 'premium') return `premium C ${s.call_premium_min_usd}–${s.call_premium_max_usd} / P ${s.put_premium_min_usd}–${s.put_premium_max_usd} USD`
  return `distance C +${s.call_distance_pct}% / P −${s.put_distance_pct}%`
}

/** List, create, edit (as new versions), activate, deactivate and delete strategy profiles. */
export function ProfilesPage() {
  const profiles = useProfiles()
  const action = useProfileAction()
  const canEdit = useHasRole('trader')
  const zone = useDisplayZone()
  const { message } = App.useApp()
  const [editing, setEditing] = useState<Profile | 'new' | null>(null)
  const [versionsOf, setVersionsOf] = useState<Profile | null>(null)
  const current = editing === 'new' ? null : editing
  const selected = editing === null ? null : current?.id

  const run = (id: number, kind: 'activate' | 'deactivate' | 'delete', done: string) =>
    action.mutate({ id, action: kind }, { onSuccess: () => void message.success(done) })

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          Profiles
        </Typography.Title>
        {canEdit && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            New profile
          </Button>
        )}
      </Space>
      <ApiErrorAlert error={profiles.error ?? action.error} />
      <Table<Profile>
        rowKey="id"
        size="middle"
        loading={profiles.isLoading}
        dataSource={profiles.data ?? []}
        pagination={false}
        rowClassName={(p) => (p.id === selected ? 'ant-table-row-selected' : '')}
        columns={[
          {
            title: 'Name',
            dataIndex: 'name',
            render: (name: string, p) => (
              <Space>
                <span>{name}</span>
                {p.is_active && <Tag color="green">active</Tag>}
              </Space>
            ),
          },
          { title: 'Underlying', dataIndex: 'underlying', width: 100 },
          { title: 'Strikes', render: (_v, p) => strikeSummary(p) },
          { title: 'Entry → exit', render: (_v, p) => `${p.config.schedule.entry_time.slice(0, 5)} → ${p.config.schedule.exit_time.slice(0, 5)} ${p.config.schedule.timezone}` },
          { title: 'Version', dataIndex: 'version', width: 80 },
          { title: 'Updated', render: (_v, p) => `${formatDateTime(p.updated_at, zone)}${p.updated_by ? ` by ${p.updated_by}` : ''}` },
          {
            title: 'Actions',
            render: (_v, p) => (
              <Space wrap>
                <Button size="small" onClick={() => setEditing(p)}>
                  {canEdit ? 'Edit' : 'View'}
                </Button>
                <Button size="small" onClick={() => setVersionsOf(p)}>
                  Versions
                </Button>
                {canEdit &&
                  (p.is_active ? (
                    <Button size="small" onClick={() => run(p.id, 'deactivate', `${p.name} deactivated`)}>
                      Deactivate
                    </Button>
                  ) : (
                    <Button size="small" onClick={() => run(p.id, 'activate', `${p.name} is the active profile`)}>
                      Activate
                    </Button>
                  ))}
                {canEdit && (
                  <Popconfirm
                    title={`Delete ${p.name}?`}
                    description="Sessions keep the version they ran with; the profile itself is gone."
                    okText="Delete"
                    okButtonProps={{ danger: true }}
                    onConfirm={() => run(p.id, 'delete', `${p.name} deleted`)}
                  >
                    <Button size="small" danger disabled={p.is_active} title={p.is_active ? 'Deactivate it first' : undefined}>
                      Delete
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {editing !== null && (
        <Card
          title={current ? `${canEdit ? 'Edit' : 'View'} ${current.name} (version ${current.version})` : 'New profile'}
          extra={<Button onClick={() => setEditing(null)}>Close</Button>}
        >
          <ProfileForm
            profile={current}
            canEdit={canEdit}
            onSaved={(saved) => {
              void message.success(`${saved.name} saved as version ${saved.version}`)
              setEditing(saved)
            }}
          />
        </Card>
      )}
      <VersionsDrawer profile={versionsOf} onClose={() => setVersionsOf(null)} />
    </Space>
  )
}
