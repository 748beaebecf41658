/** Every page after login: its menu label and the name its screenshot and checks are filed under. */
export const PAGES = [
  ['Live Control', 'live'],
  ['Profiles', 'profiles'],
  ['History', 'history'],
  ['Analytics', 'analytics'],
  ['Log Viewer', 'logs'],
  ['Fee calculator', 'fees'],
  ['Users', 'users'],
] as const
