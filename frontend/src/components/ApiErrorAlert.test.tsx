import { render, screen } from '@testing-library/react'

import { ApiError } from '@/lib/apiError'

import { ApiErrorAlert } from './ApiErrorAlert'

describe('ApiErrorAlert', () => {
  it("shows a 403 plainly, with the server's reason", () => {
    render(<ApiErrorAlert error={new ApiError(403, 'this action needs the trader role')} />)
    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('You do not have permission for this')
    expect(alert).toHaveTextContent('this action needs the trader role')
  })

  it('renders nothing without an error', () => {
    const { container } = render(<ApiErrorAlert error={null} />)
    expect(container).toBeEmptyDOMElement()
  })
})
