import { expect, logIn, test } from './fixtures'
import { USERS } from './users'

test('an admin logs in, sees the SIM badge and the clock, and signs out', async ({ page }) => {
  await logIn(page, 'admin')
  await expect(page).toHaveURL(/\/live$/)
  await expect(page.getByTestId('mode-badge')).toHaveText('SIM')
  await expect(page.getByTestId('header-clock')).toContainText('UTC')
  await expect(page.getByTestId('header-clock')).toContainText('IST')
  await page.getByTestId('user-menu').click()
  await page.getByRole('menuitem', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByTestId('session-ended')).toHaveText('You signed out.')
})

test('a wrong password is answered plainly', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('E-mail').fill(USERS.viewer.email)
  await page.getByLabel('Password').fill('not-the-password')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toContainText('Wrong e-mail or password.')
})

test('a token the server rejects sends the operator to login with "session expired"', async ({ page }) => {
  await logIn(page, 'viewer')
  // Same shape as a real session, but a token the backend cannot verify: as after a secret rotation.
  await page.evaluate(() => {
    sessionStorage.setItem('ds.session', JSON.stringify({ token: 'not.a.valid-token', expiresAt: '2099-01-01T00:00:00Z' }))
  })
  await page.reload()
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByTestId('session-ended')).toContainText('Your session expired')
})

test('a token past its expiry is never sent and the login page says the session expired', async ({ page }) => {
  await logIn(page, 'viewer')
  await page.evaluate(() => {
    const stored = JSON.parse(sessionStorage.getItem('ds.session') ?? '{}') as { token: string }
    sessionStorage.setItem('ds.session', JSON.stringify({ token: stored.token, expiresAt: new Date(Date.now() - 1000).toISOString() }))
  })
  await page.goto('/history')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByTestId('session-ended')).toContainText('Your session expired')
  // After logging in again the operator lands on the page first asked for.
  await page.getByLabel('E-mail').fill(USERS.viewer.email)
  await page.getByLabel('Password').fill(USERS.viewer.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page).toHaveURL(/\/history$/)
})

test('a viewer sees no admin page and gets a plain 403 when going there directly', async ({ page }) => {
  await logIn(page, 'viewer')
  await expect(page.getByRole('link', { name: 'Live Control' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0)
  await page.goto('/users')
  await expect(page.getByText('403: not allowed')).toBeVisible()
  await expect(page.getByText('This page needs the admin role; you are signed in as viewer.')).toBeVisible()
})

test('an admin creates a user and changes their role', async ({ page }) => {
  await logIn(page, 'admin')
  await page.getByRole('link', { name: 'Users' }).click()
  const email = `e2e-${Date.now()}@example.org`
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Initial password').fill('long-enough-password')
  await page.getByRole('button', { name: 'Create user' }).click()
  const row = page.getByRole('row', { name: new RegExp(email) })
  await expect(row).toBeVisible()
  // By keyboard: the role select opens on Enter and moves with the arrow keys.
  await row.getByLabel(`role of ${email}`).focus()
  await page.keyboard.press('Enter')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await expect(row).toContainText('trader')
  await page.reload()
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('trader')
})
