import { Drawer, Table, Typography } from 'antd'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime } from '@/lib/format'

import { useVersions } from '../api/listVersions'
import type { Profile, ProfileVersion } from '../api/types'

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))

/** Every stored version of a profile with what changed, newest first. */
export function VersionsDrawer({ profile, onClose }: { profile: Profile | null; onClose: () => void }) {
  const versions = useVersions(profile?.id ?? null)
  const zone = useDisplayZone()
  return (
    <Drawer open={profile !== null} onClose={onClose} size={720} title={profile ? `Versions of ${profile.name}` : ''}>
      <ApiErrorAlert error={versions.error} />
      <Table<ProfileVersion>
        rowKey="version"
        size="small"
        loading={versions.isLoading}
        dataSource={versions.data ?? []}
        pagination={false}
        columns={[
          { title: 'Version', dataIndex: 'version', width: 80 },
          { title: 'Saved', dataIndex: 'created_at', render: (v: string) => formatDateTime(v, zone), width: 190 },
          { title: 'By', dataIndex: 'created_by', render: (v: string | null) => v ?? '—' },
          {
            title: 'Changes',
            dataIndex: 'changes',
            render: (changes: ProfileVersion['changes']) =>
              changes.length === 0 ? (
                <Typography.Text type="secondary">first version</Typography.Text>
              ) : (
                <ul style={{ margin: 0, paddingInlineStart: 16 }}>
                  {changes.map((c) => (
                    <li key={c.field}>
                      <Typography.Text code>{c.field}</Typography.Text>: {show(c.old)} → {show(c.new)}
                    </li>
                  ))}
                </ul>
              ),
          },
        ]}
      />
    </Drawer>
  )
}
