import { screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { fillIn, press, renderWithProviders } from '@/test/render'

import { CreateUserForm } from './CreateUserForm'

function submit(email: string, password: string) {
  fillIn('E-mail', email)
  fillIn('Initial password', password)
  press('Create user')
}

describe('CreateUserForm', () => {
  it("places the server's validation error under the field it names", async () => {
    installFakeApi({
      'POST /users': { status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'value is not a valid email address' }] } },
    })
    renderWithProviders(<CreateUserForm />)
    submit('someone@example.org', 'long-enough-password')
    const message = await screen.findByText('value is not a valid email address')
    expect(message.closest('.ant-form-item')).toHaveTextContent('E-mail')
  })

  it('shows a conflict that names no field above the form', async () => {
    installFakeApi({ 'POST /users': { status: 409, body: { detail: 'a user with e-mail x@example.org exists' } } })
    renderWithProviders(<CreateUserForm />)
    submit('x@example.org', 'long-enough-password')
    expect(await screen.findByRole('alert')).toHaveTextContent('a user with e-mail x@example.org exists')
  })

  it('creates a viewer by default', async () => {
    const fake = installFakeApi({ 'POST /users': { status: 201, body: {} } })
    renderWithProviders(<CreateUserForm />)
    submit('new@example.org', 'long-enough-password')
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/users')).toBe(true))
    const body = JSON.parse(fake.requests.find((r) => r.path === '/users')?.body ?? '{}')
    expect(body).toMatchObject({ email: 'new@example.org', role: 'viewer', password: 'long-enough-password' })
  })
})
