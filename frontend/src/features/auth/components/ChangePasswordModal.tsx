import { App, Form, Input, Modal } from 'antd'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'

import { useChangePassword } from '../api/changePassword'

const MIN_LENGTH = 12

interface Values {
  current_password: string
  new_password: string
  confirm: string
}

/** Ask for the current password and a new one twice; other sessions are signed out by the server. */
export function ChangePasswordModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [form] = Form.useForm<Values>()
  const change = useChangePassword()
  const { message } = App.useApp()

  const submit = async () => {
    let values: Values
    try {
      values = await form.validateFields()
    } catch {
      return // the form already shows what is wrong under each field
    }
    change.mutate(
      { current_password: values.current_password, new_password: values.new_password },
      {
        onSuccess: () => {
          void message.success('Password changed. Your other sessions were signed out.')
          form.resetFields()
          onClose()
        },
      },
    )
  }

  return (
    <Modal
      title="Change password"
      open={open}
      onOk={() => void submit()}
      okText="Change password"
      confirmLoading={change.isPending}
      onCancel={() => {
        change.reset()
        form.resetFields()
        onClose()
      }}
      destroyOnHidden
    >
      <ApiErrorAlert error={change.error} title="Password not changed" />
      <Form form={form} layout="vertical" style={{ marginTop: 12 }} preserve={false}>
        <Form.Item
          label="Current password"
          name="current_password"
          rules={[{ required: true, message: 'Enter your current password.' }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          label="New password"
          name="new_password"
          extra={`At least ${MIN_LENGTH} characters.`}
          rules={[
            { required: true, message: 'Enter a new password.' },
            { min: MIN_LENGTH, message: `Use at least ${MIN_LENGTH} characters.` },
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          label="Repeat new password"
          name="confirm"
          dependencies={['new_password']}
          rules={[
            { required: true, message: 'Repeat the new password.' },
            ({ getFieldValue }) => ({
              validator: (_rule, value) =>
                !value || getFieldValue('new_password') === value
                  ? Promise.resolve()
                  : Promise.reject(new Error('The two new passwords differ.')),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  )
}
