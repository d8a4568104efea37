import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const SCHEMA = fileURLToPath(new URL('../../shared/slack/manifest.schema.1.0.0.json', import.meta.url));
interface Manifest {
  features: { slash_commands: { command: string }[] };
  settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean }; event_subscriptions: { bot_events: string[] } };
  oauth_config: { scopes: { bot: string[] } };
}
const manifest = parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it.skipIf(!existsSync(SCHEMA))(`is valid against Slack's official manifest schema (${existsSync(SCHEMA) ? 'found' : 'absent: ../shared/slack/ holds it beside a project checkout; skipped'})`, () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares the /kpi command, Socket Mode, interactivity and the App Home event', () => {
    expect(manifest.features.slash_commands.map((command) => command.command)).toEqual(['/kpi']);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write', 'chat:write.public', 'im:write', 'users:read', 'users:read.email']));
  });
});
