import { Alert, Button, Form, Input, Select } from 'antd'
import { useState } from 'react'

import { placeServerErrors } from '@/lib/forms'

import { useCreateUser, type UserCreate } from '../api/createUser'

export const ROLE_OPTIONS = [
  { value: 'viewer', label: 'viewer: sees everything, changes nothing' },
  { value: 'trader', label: 'trader: also edits profiles and controls trading' },
  { value: 'admin', label: 'admin: also manages users' },
]

const FIELDS = new Set(['email', 'full_name', 'role', 'password'])

/** Create a user; the server's validation errors appear under their fields. */
export function CreateUserForm({ onCreated }: { onCreated?: () => void }) {
  const [form] = Form.useForm<UserCreate>()
  const create = useCreateUser()
  const [problems, setProblems] = useState<string[]>([])
  const onFinish = (values: UserCreate) => {
    create.mutate(
      { ...values, full_name: values.full_name || null },
      {
        onSuccess: () => {
          setProblems([])
          form.resetFields()
          onCreated?.()
        },
        onError: (error) => setProblems(placeServerErrors(form, error, FIELDS)),
      },
    )
  }
  return (
    <Form<UserCreate> form={form} layout="vertical" onFinish={onFinish} initialValues={{ role: 'viewer' }}>
      {problems.length > 0 && (
        <Alert role="alert" type="error" showIcon title="User not created" description={problems.join(' ')} />
      )}
      <Form.Item label="E-mail" name="email" rules={[{ required: true, type: 'email', message: 'Enter a valid e-mail.' }]}>
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item label="Full name" name="full_name">
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item label="Role" name="role" rules={[{ required: true }]}>
        <Select options={ROLE_OPTIONS} />
      </Form.Item>
      <Form.Item
        label="Initial password"
        name="password"
        extra="At least 12 characters; tell the user to change it after logging in."
        rules={[
          { required: true, message: 'Enter a password.' },
          { min: 12, message: 'Use at least 12 characters.' },
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={create.isPending}>
        Create user
      </Button>
    </Form>
  )
}
