import { Card, Select, Space, Switch, Table, Tag, Typography } from 'antd'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useCurrentUser } from '@/lib/currentUser'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime } from '@/lib/format'

import { useUsers, type User } from '../api/listUsers'
import { useUpdateUser } from '../api/updateUser'
import { CreateUserForm, ROLE_OPTIONS } from './CreateUserForm'

/** Admins list users, change roles, disable accounts and create new ones. */
export function UsersPage() {
  const me = useCurrentUser()
  const zone = useDisplayZone()
  const users = useUsers()
  const update = useUpdateUser()
  const roleOptions = ROLE_OPTIONS.map((o) => ({ value: o.value, label: o.value }))

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Users
      </Typography.Title>
      <ApiErrorAlert error={users.error ?? update.error} />
      <Table<User>
        rowKey="id"
        loading={users.isLoading}
        dataSource={users.data ?? []}
        pagination={false}
        size="middle"
        columns={[
          { title: 'E-mail', dataIndex: 'email', render: (email: string) => <span>{email}</span> },
          { title: 'Name', dataIndex: 'full_name', render: (v: string | null) => v ?? '—' },
          {
            title: 'Role',
            dataIndex: 'role',
            render: (role: User['role'], user) =>
              user.id === me.id ? (
                <Tag>{role} (you)</Tag>
              ) : (
                <Select
                  aria-label={`role of ${user.email}`}
                  size="small"
                  value={role}
                  options={roleOptions}
                  style={{ width: 110 }}
                  onChange={(value) => update.mutate({ id: user.id, role: value })}
                />
              ),
          },
          {
            title: 'Active',
            dataIndex: 'is_active',
            render: (active: boolean, user) => (
              <Switch
                aria-label={`${user.email} is active`}
                checked={active}
                disabled={user.id === me.id}
                onChange={(checked) => update.mutate({ id: user.id, is_active: checked })}
              />
            ),
          },
          { title: 'Created', dataIndex: 'created_at', render: (v: string) => formatDateTime(v, zone) },
          { title: 'Last login', dataIndex: 'last_login_at', render: (v: string | null) => formatDateTime(v, zone) },
        ]}
      />
      <Card title="New user" style={{ maxWidth: 520 }}>
        <CreateUserForm />
      </Card>
    </Space>
  )
}
