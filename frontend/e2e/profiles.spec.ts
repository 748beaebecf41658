import { expect, logIn, test } from './fixtures'

test('a trader creates a profile, sees a field error from the server, and fixes it', async ({ page }) => {
  await logIn(page, 'trader')
  await page.getByRole('link', { name: 'Profiles' }).click()
  await page.getByRole('button', { name: 'New profile' }).click()
  const name = `E2E ${Date.now()}`
  await page.getByLabel('Name', { exact: true }).fill(name)
  // Premium mode with an inverted call band: the server names the field, the form shows it there.
  await page.getByText('Premium band').click()
  await page.getByLabel('Call premium from').fill('50')
  await page.getByLabel('Call premium to').fill('20')
  await page.getByLabel('Put premium from').fill('10')
  await page.getByLabel('Put premium to').fill('40')
  await page.getByRole('button', { name: 'Create profile' }).click()
  const fieldError = page.getByText('strikes.call_premium_min_usd must not exceed strikes.call_premium_max_usd')
  await expect(fieldError).toBeVisible()
  await page.getByLabel('Call premium to').fill('80')
  await page.getByRole('button', { name: 'Create profile' }).click()
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('premium C 50')
  await expect(page.getByRole('button', { name: 'Save as version 2' })).toBeVisible()
})

test('a viewer can read profiles but not change them', async ({ page }) => {
  await logIn(page, 'viewer')
  await page.getByRole('link', { name: 'Profiles' }).click()
  await expect(page.getByRole('heading', { name: 'Profiles' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'New profile' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Activate' })).toHaveCount(0)
})

test('the fee calculator quotes a fee from the backend', async ({ page }) => {
  await logIn(page, 'viewer')
  await page.getByRole('link', { name: 'Fee calculator' }).click()
  await page.getByRole('button', { name: 'Calculate fee' }).click()
  await expect(page.getByTestId('fee-result')).toContainText('Total to pay')
})

test('the Log Viewer shows backend events and the ingestion lag', async ({ page }) => {
  await logIn(page, 'admin')
  await page.getByRole('link', { name: 'Log Viewer' }).click()
  await expect(page.getByTestId('ingestion-lag')).toBeVisible()
  await page.getByLabel('Event').fill('login_succeeded')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await expect(page).toHaveURL(/event=login_succeeded/)
  await expect(page.getByRole('cell', { name: 'login_succeeded' }).first()).toBeVisible()
})
