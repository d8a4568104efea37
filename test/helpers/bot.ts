/** Starts the whole bot in this process on a test database and a free loopback port. */
import { parseConfig, type Config } from '../../src/config.js';
import { startBot, type RunningBot, type StartOptions } from '../../src/app.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestBot extends RunningBot {
  readonly config: Config;
  /** Stops the bot (if still running) and drops its database. */
  dispose(): Promise<void>;
}

export async function startTestBot(env: Record<string, string> = {}, options: StartOptions = {}, logger: Logger = silentLogger()): Promise<TestBot> {
  const testDb: TestDatabase = await createTestDatabase({ migrated: true });
  const config = parseConfig({ DATABASE_URL: testDb.url, HOST: '127.0.0.1', PORT: '0', SHUTDOWN_GRACE_SECONDS: '5', ...env });
  let bot: RunningBot;
  try {
    bot = await startBot(config, logger, options);
  } catch (error) {
    await testDb.dispose();
    throw error;
  }
  return {
    ...bot,
    config,
    dispose: async () => {
      await bot.stop();
      await testDb.dispose();
    },
  };
}
