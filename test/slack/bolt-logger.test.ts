import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { boltLogger, withoutBodies } from '../../src/slack/bolt-logger.js';

describe('the Slack SDKs\' log lines', () => {
  it('keep no request or response body: a /kpi link\'s e-mail address or a users.info profile is not logged, even at debug level', () => {
    const lines: string[] = [];
    const logger = boltLogger(createLogger('debug', { write: (line: string) => void lines.push(line) }));
    logger.debug('http request url: https://slack.com/api/users.info');
    logger.debug(`http request body: ${JSON.stringify({ email: 'mallory@example.com' })}`);
    logger.debug(`http request result: ${JSON.stringify({ ok: true, user: { profile: { email: 'ayu@example.com', real_name: 'Ayu Lestari' } } })}`);
    logger.debug(JSON.stringify({ command: '/kpi', text: 'link <@U1> mallory@example.com' }));
    logger.debug('Received a message on the WebSocket: {"payload":{"text":"link mallory@example.com"}}');
    logger.debug('ack() call begins (body: undefined)');
    const text = lines.join('\n');
    expect(text).not.toContain('mallory@example.com');
    expect(text).not.toContain('ayu@example.com');
    expect(text).not.toContain('Ayu Lestari');
    expect(text).toContain('http request url: https://slack.com/api/users.info');
    expect(text).toContain('"msg":"http request [body not logged]"');
    expect(lines).toHaveLength(6);
  });

  it('keeps lines that quote no body as they are', () => {
    expect(withoutBodies("apiCall('chat.postMessage') end")).toBe("apiCall('chat.postMessage') end");
    expect(withoutBodies('An API error occurred: channel_not_found')).toBe('An API error occurred: channel_not_found');
  });
});
