/** Test data written by `npm run seed`: every password is `<name>-pass`. */
export const SEED_USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'] as const;

export const seedPassword = (username: string) => `${username}-pass`;

export interface SeedRoom {
  name: string;
  members: readonly string[];
  /** Everyone joins at login; membership is not stored. */
  everyone: boolean;
}

export const SEED_ROOMS: readonly SeedRoom[] = [
  { name: 'world', members: [], everyone: true },
  { name: 'lobby', members: ['alice', 'bob', 'carol', 'dave'], everyone: false },
  { name: 'dev', members: ['alice', 'erin', 'frank', 'grace'], everyone: false },
  { name: 'random', members: ['bob', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'], everyone: false },
];
