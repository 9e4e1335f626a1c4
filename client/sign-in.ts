import { ZkchatError } from '../core/errors.js';
import type { ClientAction, ReplyData } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { ChatClient } from './chat-client.js';
import type { Terminal } from './terminal.js';
import * as ui from './ui.js';

export interface SignInOptions {
  /** This installation's device id, sent with the login (see device-id.ts). */
  device?: string;
}

/**
 * Asks for an account until a login works; a registration logs in right after. A wrong
 * password asks for the password again (an empty answer goes back to the account menu, for a
 * mistyped name: the server does not say which of the two was wrong); anything else goes back
 * to the menu.
 */
export async function signIn(client: ChatClient, terminal: Terminal, say: (text: string) => void, options: SignInOptions = {}): Promise<ReplyData['login']> {
  for (;;) {
    const choice = await ui.askAccountChoice(terminal);
    const username = await ui.askUsername(terminal);
    const login = await tryPasswords(client, choice, username, terminal, say, options);
    if (login) return login;
  }
}

/** Resolves with the login, or null to go back to the account menu. */
async function tryPasswords(
  client: ChatClient,
  choice: ui.AccountChoice,
  username: string,
  terminal: Terminal,
  say: (text: string) => void,
  options: SignInOptions,
): Promise<ReplyData['login'] | null> {
  let register = choice === 'register';
  for (let again = false; ; again = true) {
    const password = await ui.askPassword(terminal, again);
    if (password === '') return null;
    const credentials = { username, password };
    let action: ClientAction = register ? 'register' : 'login';
    try {
      if (register) {
        await client.request('register', credentials);
        say(ui.renderSuccess(`registered ${username}`));
        register = false;
        action = 'login';
      }
      return await client.request('login', options.device === undefined ? credentials : { ...credentials, device: options.device });
    } catch (err) {
      say(ui.renderError(ui.errorSentence(err, action)));
      if (!isRefusedLogin(err, action)) return null;
    }
  }
}

function isRefusedLogin(err: unknown, action: ClientAction): boolean {
  return action === 'login' && err instanceof ZkchatError && err.code === ErrorCode.UNAUTHORIZED;
}
