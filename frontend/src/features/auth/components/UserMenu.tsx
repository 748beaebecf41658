import { KeyOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons'
import { Button, Dropdown, Tag } from 'antd'
import { useState } from 'react'

import { useCurrentUser } from '@/lib/currentUser'
import { endSession } from '@/lib/session'

import { ChangePasswordModal } from './ChangePasswordModal'

const ROLE_COLOURS = { admin: 'purple', trader: 'green', viewer: 'default' } as const

/** The signed-in user's menu: who and what role, change password, sign out. */
export function UserMenu() {
  const user = useCurrentUser()
  const [changing, setChanging] = useState(false)
  return (
    <>
      <Dropdown
        trigger={['click']}
        menu={{
          items: [
            { key: 'password', icon: <KeyOutlined />, label: 'Change password' },
            { type: 'divider' },
            { key: 'signout', icon: <LogoutOutlined />, label: 'Sign out' },
          ],
          onClick: ({ key }) => (key === 'password' ? setChanging(true) : endSession('signed_out')),
        }}
      >
        <Button icon={<UserOutlined />} aria-label={`user menu for ${user.email}`} data-testid="user-menu">
          <span style={{ maxWidth: 180, overflow: 'hidden', textOverflow: 'ellipsis' }}>{user.email}</span>
          <Tag color={ROLE_COLOURS[user.role]} style={{ marginInlineEnd: 0 }}>
            {user.role}
          </Tag>
        </Button>
      </Dropdown>
      <ChangePasswordModal open={changing} onClose={() => setChanging(false)} />
    </>
  )
}
