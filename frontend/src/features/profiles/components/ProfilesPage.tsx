import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** List, edit and activate strategy profiles. */
export function ProfilesPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Profiles
      </Typography.Title>
      <Pending what="Profiles" endpoints={['/api/configs']} />
    </Space>
  )
}
