import { expect, test as base, type Page } from '@playwright/test'

import { USERS, type UserKind } from './users'

/** Playwright's test with baseURL taken from the running harness (see global-setup.ts). */
export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.E2E_BASE_URL
    if (!url) throw new Error('E2E_BASE_URL is not set: global setup did not run')
    await use(url)
  },
})

export { expect }

/** Log in through the form as one of the seeded users and wait for the shell. */
export async function logIn(page: Page, who: UserKind): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('E-mail').fill(USERS[who].email)
  await page.getByLabel('Password').fill(USERS[who].password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByTestId('user-menu')).toContainText(USERS[who].email)
}
